"""``vcred credential-check``: the credentialing office's command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

import vcred
from vcred._files import write_atomically
from vcred._time import utcnow
from vcred.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    JsonFlag,
    app,
    console,
    emit_json,
    read_input,
    read_json,
    read_json_or_text,
)
from vcred.cli.context import verifier_environment
from vcred.cli.render import print_decision, print_report
from vcred.errors import UsageError
from vcred.policy import TrustRegistry, evaluate, load_policy
from vcred.policy.html import decision_html
from vcred.report import CheckStatus


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
    accreditations: Annotated[
        list[Path] | None, typer.Option(help="Accreditation credentials (chains of trust); repeatable.")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Also write an HTML report to archive.")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR")] = None,
    details: Annotated[bool, typer.Option(help="Also print every verification check.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Verify a presentation and decide it against your policy; exit code 0 only when approved.

    Example: vcred credential-check vp.json --policy policy.json --trust registry.json
    --registry-publisher did:vcred:… --accreditations accme-glie.json --challenge n-4711
    --domain credentialing.stmarys.example --html decision.html
    """
    loaded = load_policy(_json_object(policy, "policy"))
    env = verifier_environment(data_dir)
    registry = None
    if trust is not None:
        parsed = [read_json_or_text(p) for p in accreditations or []]
        registry = TrustRegistry(
            _json_object(trust, "trust registry"),
            accreditations=parsed,
            verify=lambda c, now: vcred.verify_credential(c, now=now, **env),
        )
    elif loaded.requireTrustedIssuers:
        raise UsageError("this policy requires trusted issuers: pass --trust registry.json")
    if registry_publisher is not None and (registry is None or "ledger" not in env):
        raise UsageError(
            "--registry-publisher checks the trust registry's ledger anchor: it needs --trust and a ledger",
            hint="configure the ledger with `vcred ledger trust` (or drop --registry-publisher)",
        )
    report = vcred.verify_presentation(
        read_input(presentation), challenge=challenge, domain=domain, trust=registry, **env
    )
    decision = evaluate(report, loaded, now=utcnow())
    # with a ledger at hand, the registry must be the latest version the publisher the office named anchored;
    # without one named, an anchor by anybody is refused rather than believed (see TrustRegistry.check_anchored)
    anchor = (
        registry.check_anchored(env["ledger"], publisher=registry_publisher)
        if registry is not None and "ledger" in env
        else None
    )
    refused = anchor is not None and anchor.status is CheckStatus.FAILED
    if html is not None:
        write_atomically(html, decision_html(decision, report).encode("utf-8"))
    if json_output:
        emit_json(
            {
                "decision": decision.model_dump(mode="json"),
                "trustRegistry": anchor.model_dump(mode="json") if anchor else None,
                "verification": report.model_dump(mode="json"),
            }
        )
    else:
        if details:
            print_report(console, report)
        print_decision(console, decision)
        if anchor is not None:
            console.print(Text.assemble("trust registry: ", (anchor.reason, "red" if refused else "")))
            if registry_publisher is None:
                console.print(
                    Text(
                        "notice: no --registry-publisher given, so this registry was not checked against its "
                        "publisher's anchor in the ledger",
                        "yellow",
                    )
                )
        if html is not None:
            console.print(f"HTML report: {html}")
    raise typer.Exit(EXIT_OK if decision.approved and not refused else EXIT_FAILED)
