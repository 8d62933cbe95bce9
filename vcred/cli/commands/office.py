"""``vcred credential-check``: the credentialing office's command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from vcred._files import write_atomically
from vcred.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    JsonFlag,
    app,
    check_output,
    console,
    emit_json,
    expand_paths,
    read_input,
    read_json,
    read_json_or_text,
    require_files,
)
from vcred.cli.context import replay_cache, verifier_environment
from vcred.cli.render import print_decision, print_report
from vcred.errors import UsageError
from vcred.office import Office, TrustRegistry, load_policy
from vcred.office.html import decision_html
from vcred.verify.verifier import Verifier


def _json_object(path: Path, what: str) -> dict[str, Any]:
    value = read_json(path)
    if not isinstance(value, dict):
        raise UsageError(f"{path}: the {what} must be a JSON object")
    return value


@app.command("credential-check")
def credential_check(
    presentation: Annotated[Path, typer.Argument(help="The presentation the radiologist sent (JSON or vp+jwt).")],
    policy: Annotated[Path, typer.Option(help="Your credentialing policy (JSON).")],
    challenge: Annotated[str, typer.Option(help="The challenge you gave the radiologist.")],
    domain: Annotated[str, typer.Option(help="Your domain, as given to the radiologist.")],
    trust: Annotated[Path | None, typer.Option(help="Your trust registry (JSON).")] = None,
    registry_publisher: Annotated[
        str | None,
        typer.Option(
            help="The DID you trust to anchor your trust registry in the ledger: only its anchors count, and the "
            "registry must be its latest anchored version. Not read from the registry: anyone can anchor any URL."
        ),
    ] = None,
    allow_unanchored_registry: Annotated[
        bool,
        typer.Option(
            "--allow-unanchored-registry",
            help="A local trial: decide even when the registry is not proven to be its publisher's anchored version.",
        ),
    ] = False,
    accreditations: Annotated[
        list[Path] | None, typer.Option(help="Accreditation credentials (chains of trust); repeatable.")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Also write an HTML report to archive.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Write --html over an existing file.")] = False,
    no_replay_check: Annotated[
        bool,
        typer.Option(
            "--no-replay-check",
            help="Do not record or refuse the challenge (a preview; the decision of record checks replays).",
        ),
    ] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR")] = None,
    details: Annotated[bool, typer.Option(help="Also print every verification check.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Verify a presentation and decide it against your policy; exit code 0 only when approved.

    The decision is the library's (vcred.office.Office): this command only renders it.

    Example: vcred credential-check vp.json --policy policy.json --trust registry.json
    --registry-publisher did:vcred:… --accreditations accme-glie.json --challenge n-4711
    --domain credentialing.stmarys.example --html decision.html
    """
    accreditation_files = expand_paths(accreditations)
    require_files([presentation, policy, trust, *accreditation_files])
    check_output(html, force=force, inputs=[presentation, policy, trust, *accreditation_files])
    loaded = load_policy(_json_object(policy, "policy"))
    verifier = Verifier(**verifier_environment(data_dir))
    registry = None
    if trust is not None:
        registry = TrustRegistry(
            _json_object(trust, "trust registry"),
            accreditations=[read_json_or_text(p) for p in accreditation_files],
            verify=lambda c, now: verifier.verify_credential(c, now=now),
        )
    office = Office(
        verifier,
        loaded,
        registry,
        registry_publisher=registry_publisher,
        allow_unanchored_registry=allow_unanchored_registry,
        replay_cache=None if no_replay_check else replay_cache(data_dir, domain=domain),
    )
    review = office.review(read_input(presentation), challenge=challenge, domain=domain)
    decision, report = review.decision, review.verification
    if html is not None:
        write_atomically(html, decision_html(decision, report, office.registry).encode("utf-8"))
    if json_output:
        emit_json(
            {
                "decision": decision.model_dump(mode="json"),
                "trust_registry": review.registry.model_dump(mode="json") if review.registry else None,
                "verification": report.model_dump(mode="json"),
            }
        )
    else:
        if details:
            print_report(console, report)
        print_decision(console, decision)
        if review.registry is not None:
            console.print(Text.assemble("trust registry: ", review.registry.reason))
        if html is not None:
            console.print(Text(f"HTML report: {html}"))
    raise typer.Exit(EXIT_OK if decision.approved else EXIT_FAILED)
