"""``vcred registry anchor``: an office (or a network) publishes its trust registry in the ledger under its DID."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from vcred.cli.app import JsonFlag, app, console, emit_json, group, read_json, require_files
from vcred.cli.context import setting
from vcred.errors import UsageError
from vcred.issuer import IssuerAccount

registry_app = group("Trust registries: anchor the version every office of your network decides with.")
app.add_typer(registry_app, name="registry")


@registry_app.command("anchor")
def registry_anchor(
    registry: Annotated[Path, typer.Argument(help="The trust registry document (JSON).")],
    publisher: Annotated[str, typer.Option(help="The account (vcred issuer init NAME) whose DID publishes it.")],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Anchor this registry as the publisher's next version; offices check it with --registry-publisher DID.

    Example: vcred registry anchor registry.json --publisher stmarys
    """
    require_files([registry])
    document = read_json(registry)
    if not isinstance(document, dict):
        raise UsageError(f"{registry}: a trust registry must be a JSON object")
    local = setting(data_dir)
    with IssuerAccount.editing(local, publisher) as account:
        version = account.anchor_registry(local, document)
        did = account.did
    if json_output:
        emit_json({"registry": document.get("id"), "publisher": did, "version": version})
        return
    console.print(Text(f"anchored {registry} as version {version} of {document.get('id')}, published by {did}"))
    console.print(Text(f"offices check it with: --registry-publisher {did}"))
