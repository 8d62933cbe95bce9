"""``vcred credential-check``: the credentialing office's command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

import vcred
from vcred._files import write_atomically
from vcred._time import utcnow
from vcred.cli.app import EXIT_FAILED, EXIT_OK, JsonFlag, app, console, emit_json, read_input
from vcred.cli.context import verifier_environment
from vcred.cli.render import print_decision, print_report
from vcred.errors import UsageError
from vcred.policy import TrustRegistry, evaluate, load_policy
from vcred.policy.html import decision_html


@app.command("credential-check")
def credential_check(
    presentation: Annotated[Path, typer.Argument(help="The presentation the radiologist sent (JSON or vp+jwt).")],
    policy: Annotated[Path, typer.Option(help="Your credentialing policy (JSON).")],
    challenge: Annotated[str, typer.Option(help="The challenge you gave the radiologist.")],
    domain: Annotated[str, typer.Option(help="Your domain, as given to the radiologist.")],
    trust: Annotated[Path | None, typer.Option(help="Your trust registry (JSON).")] = None,
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
    --accreditations accme-glie.json --challenge n-4711 --domain credentialing.stmarys.example --html decision.html
    """
    loaded = load_policy(policy)
    env = verifier_environment(data_dir)
    registry = None
    if trust is not None:
        texts = [read_input(p) for p in accreditations or []]
        parsed = [json.loads(t) if t.strip().startswith("{") else t.strip() for t in texts]
        registry = TrustRegistry(
            trust, accreditations=parsed, verify=lambda c, now: vcred.verify_credential(c, now=now, **env)
        )
    elif loaded.requireTrustedIssuers:
        raise UsageError("this policy requires trusted issuers: pass --trust registry.json")
    report = vcred.verify_presentation(
        read_input(presentation), challenge=challenge, domain=domain, trust=registry, **env
    )
    decision = evaluate(report, loaded, now=utcnow())
    # with a ledger at hand, the registry must be the version its publisher anchored (if it anchored any)
    anchor = registry.check_anchored(env["ledger"]) if registry is not None and "ledger" in env else None
    stale = anchor is not None and "anchored_version" in anchor.details
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
            console.print(f"trust registry: {'[red]' if stale else ''}{anchor.reason}{'[/]' if stale else ''}")
        if html is not None:
            console.print(f"HTML report: {html}")
    raise typer.Exit(EXIT_OK if decision.approved and not stale else EXIT_FAILED)
