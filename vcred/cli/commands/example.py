"""``vcred example claims | policy | registry`` (starting files to edit) and ``vcred data-dir`` (where data lives)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from vcred._files import write_atomically
from vcred._time import utcnow
from vcred.cli.app import ForceFlag, JsonFlag, app, check_output, console, emit_json, err_console, group
from vcred.cli.context import data_dir_and_source, default_data_dir, setting
from vcred.errors import UsageError
from vcred.examples import ISSUER_NAMES, ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.model.families import FAMILIES

example_app = group("Example files to start from: claims for `vcred issue`, an office's policy and trust registry.")
app.add_typer(example_app, name="example")

Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write the JSON here (else stdout).")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR", help="vcred data directory.")]
PLACEHOLDER_SUBJECT = "did:example:radiologist"


def _placeholder(role: str) -> str:
    return f"did:example:{role}"


def _write(document: dict[str, Any], output: Path | None, force: bool, what: str) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    check_output(output, force=force)
    write_atomically(output, text.encode("utf-8"), mode=0o644)
    err_console.print(Text(f"{what} written to {output}"))


def example_claims(credential_type: str) -> dict[str, Any]:
    """The credential subject's claims of the example credential of ``credential_type`` (without ``id``)."""
    if credential_type not in FAMILIES:
        raise UsageError(f"unknown credential type {credential_type!r}", hint=f"one of: {', '.join(FAMILIES)}")
    issuers = {role: _placeholder(role) for role in ISSUER_ROLES}
    now = utcnow()
    examples = radiologist_credentials(issuers, PLACEHOLDER_SUBJECT, now=now) + accreditation_credentials(
        issuers, now=now
    )
    credential = next(c for c in examples if credential_type in c["type"])
    return {k: v for k, v in credential["credentialSubject"].items() if k != "id"}


def example_registry(local_issuers: dict[str, str]) -> dict[str, Any]:
    """The example office's trust registry; issuers of the data directory replace the placeholders.

    An account named after an example role (as ``make demo`` creates them: board, insurer, cme-a, accme…) takes
    that role; every other local issuer is listed as trusted for every credential type, to be narrowed by hand.
    """
    by_name = {name: did for did, name in local_issuers.items()}
    issuers = {role: by_name.get(role, _placeholder(role)) for role in ISSUER_ROLES}
    registry = trust_registry(issuers)
    others = [{"did": did, "name": name} for did, name in sorted(local_issuers.items(), key=lambda i: i[1])]
    others = [o for o in others if o["name"] not in ISSUER_NAMES]
    if others:
        for rule in registry["rules"]:
            rule["issuers"] = [*rule.get("issuers", []), *others]
    return registry


@example_app.command("claims")
def claims(
    credential_type: Annotated[str, typer.Argument(help=f"One of: {', '.join(FAMILIES)}.")],
    output: Output = None,
    force: ForceFlag = False,
) -> None:
    """Print example claims for `vcred issue CREDENTIAL_TYPE --data FILE` (valid for the family's schema).

    Example: vcred example claims BoardCertificationCredential -o board-claims.json
    """
    _write(example_claims(credential_type), output, force, f"{credential_type} claims")


@example_app.command("policy")
def policy(output: Output = None, force: ForceFlag = False) -> None:
    """Print an example credentialing policy (St. Mary's diagnostic radiology staff) for `credential-check`.

    Example: vcred example policy -o policy.json
    """
    _write(dict(POLICY), output, force, "policy")


@example_app.command("registry")
def registry(output: Output = None, force: ForceFlag = False, data_dir: DataDir = None) -> None:
    """Print an example trust registry for `credential-check --trust`, listing this data directory's issuers.

    Issuer accounts named like the demo's roles (board, insurer, cme-a, accme…) take those roles; any other local
    issuer is trusted for every credential type (narrow the rules by hand). Without local issuers the DIDs are
    did:example placeholders.

    Example: vcred example registry -o registry.json
    """
    local = setting(data_dir).local_issuers()
    document = example_registry(local)
    if local and output is not None:
        err_console.print(Text(f"issuers from {setting(data_dir).root}: {', '.join(sorted(local.values()))}"))
    _write(document, output, force, "trust registry")


@app.command("data-dir")
def data_dir_command(data_dir: DataDir = None, json_output: JsonFlag = False) -> None:
    """Print the data directory in use (and what chose it) and the wallet file.

    The data directory is --data-dir, else VCRED_DATA_DIR, else the user data directory; the wallet is --wallet,
    else VCRED_WALLET, else wallet.vcw in the user data directory.

    Example: vcred data-dir
    """
    from vcred.wallet import default_wallet_path

    where, source = data_dir_and_source(data_dir)
    wallet = default_wallet_path()
    if json_output:
        emit_json(
            {
                "data_dir": str(where),
                "source": source,
                "exists": where.is_dir(),
                "default_data_dir": str(default_data_dir()),
                "wallet": str(wallet),
            }
        )
        return
    console.print(Text(str(where)))
    state = "" if where.is_dir() else ", not created yet"
    err_console.print(Text(f"(from {source}{state}; wallet: {wallet})", style="dim"))
