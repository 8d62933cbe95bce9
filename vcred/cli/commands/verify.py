"""``vcred verify``: check a credential or a presentation and print every check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import vcred
from vcred._json import parse_json
from vcred.cli.app import EXIT_FAILED, EXIT_OK, JsonFlag, app, console, emit_json, read_anchor_proof, read_input
from vcred.cli.context import verifier_environment
from vcred.cli.render import print_report
from vcred.errors import UsageError


def _looks_like_presentation(text: str) -> bool:
    # bounded like the library: input it cannot parse is a credential here, and its report says why it failed
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value = parse_json(stripped)
        except ValueError:
            return False
        types = value.get("type") if isinstance(value, dict) else None
        return "VerifiablePresentation" in (types if isinstance(types, list) else [types])
    try:
        from vcred.crypto.multibase import b64url_decode
        from vcred.jose.vc_jwt import split_compact

        header = parse_json(b64url_decode(split_compact(stripped)[0]))
        return isinstance(header, dict) and header.get("typ") in ("vp+jwt", "application/vp+jwt")
    except (ValueError, UsageError):
        return False


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="Credential or presentation (JSON or compact JWT); - for stdin.")],
    challenge: Annotated[str | None, typer.Option(help="The challenge you gave the holder (presentations).")] = None,
    domain: Annotated[str | None, typer.Option(help="Your domain, as given to the holder (presentations).")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="vcred data directory (status lists, ledger).", envvar="VCRED_DATA_DIR"),
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this time (e.g. 2026-12-01T09:00:00Z), for audits.")
    ] = None,
    anchor_proof: Annotated[
        Path | None,
        typer.Option(help="The credential's issuance anchor proof (default: FILE.anchor.json when present)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Verify a credential or a presentation and print a table of checks; exit code 0 only when verified.

    Examples:

      vcred verify board-certification.json

      vcred verify vp.json --challenge n-4711 --domain credentialing.stmarys.example
    """
    text = read_input(file)
    env = verifier_environment(data_dir)
    proof = read_anchor_proof(file, anchor_proof)
    if proof is not None:
        env["options"] = vcred.VerifyOptions(anchor_proofs=[proof])
    if at is not None:
        from vcred._time import parse_datetime_stamp

        try:
            env["now"] = parse_datetime_stamp(at)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from None
    if _looks_like_presentation(text):
        if not challenge or not domain:
            raise UsageError(
                "verifying a presentation needs --challenge and --domain", hint="use the values you issued"
            )
        report: vcred.PresentationReport | vcred.VerificationReport = vcred.verify_presentation(
            text, challenge=challenge, domain=domain, **env
        )
    else:
        report = vcred.verify_credential(text, **env)
    if json_output:
        emit_json(report.model_dump(mode="json"))
    else:
        print_report(console, report)
    raise typer.Exit(EXIT_OK if report.verified else EXIT_FAILED)
