"""``vcred verify``: check a credential or a presentation and print every check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

import vcred
from vcred._json import parse_json
from vcred.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    JsonFlag,
    app,
    console,
    emit_json,
    expand_paths,
    read_anchor_proof,
    read_input,
    require_files,
)
from vcred.cli.context import replay_cache, setting, verification_kwargs
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


def ledger_basis(env: dict[str, Any]) -> dict[str, Any] | None:
    """The ledger checkpoint a verification relied on (size, root, cosigning witnesses), or None without a ledger."""
    client = env.get("ledger")
    signed = getattr(client, "checkpoint", None)
    if client is None or signed is None:
        return None
    return {
        "origin": signed.checkpoint.origin,
        "size": signed.checkpoint.size,
        "root_hash": signed.checkpoint.root_hash.hex(),
        "witnesses": sorted({c.name for c in signed.cosignatures}),
        "quorum": client.quorum,
    }


def describe_basis(basis: dict[str, Any] | None) -> Text:
    """``ledger checkpoint: size 42, root 3f2a9c1e…, cosigned by w1, w2 (quorum 2)``."""
    if basis is None:
        return Text("ledger: none in this data directory (no ledger checks)", style="yellow")
    witnesses = ", ".join(basis["witnesses"]) or "no witness"
    return Text(
        f"ledger checkpoint: size {basis['size']}, root {basis['root_hash'][:16]}…, cosigned by {witnesses} "
        f"(quorum {basis['quorum']})",
        style="dim",
    )


@app.command("verify")
def verify_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Credential or presentation (JSON or compact JWT); - for stdin. With --batch, many."),
    ],
    challenge: Annotated[str | None, typer.Option(help="The challenge you gave the holder (presentations).")] = None,
    domain: Annotated[str | None, typer.Option(help="Your domain, as given to the holder (presentations).")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="vcred data directory (status lists, ledger).", envvar="VCRED_DATA_DIR"),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Verify as of this time (e.g. 2026-12-01T09:00:00Z), for audits (no replay check)."),
    ] = None,
    anchor_proof: Annotated[
        Path | None,
        typer.Option(help="The credential's issuance anchor proof (default: FILE.anchor.json when present)."),
    ] = None,
    no_replay_check: Annotated[
        bool,
        typer.Option(
            "--no-replay-check",
            help="Do not refuse (or remember) a presentation whose challenge was already accepted here.",
        ),
    ] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Verify many credentials (globs welcome) on every core; a summary table.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes for --batch (default: every core).")] = 0,
    json_output: JsonFlag = False,
) -> None:
    """Verify a credential or a presentation and print a table of checks; exit code 0 only when verified.

    A presentation's challenge is remembered (in the data directory) until it expires: the same presentation
    shown again is refused as a replay. The output names the ledger checkpoint the checks relied on.

    Examples:

      vcred verify board-certification.json

      vcred verify vp.json --challenge n-4711 --domain credentialing.stmarys.example

      vcred verify --batch 'cohort/*.json'
    """
    if batch:
        _verify_batch(expand_paths(files), data_dir=data_dir, when=at, workers=workers, json_output=json_output)
        return
    if len(files) != 1:
        raise UsageError("vcred verify takes one file", hint="verify many credentials with --batch")
    file = files[0]
    require_files([file, anchor_proof])
    when = None
    if at is not None:
        from vcred._time import parse_datetime_stamp

        try:
            when = parse_datetime_stamp(at)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from None
    text = read_input(file)
    presentation = _looks_like_presentation(text)
    if presentation and (not challenge or not domain):
        raise UsageError("verifying a presentation needs --challenge and --domain", hint="use the values you issued")
    proof = read_anchor_proof(file, anchor_proof)
    env = verification_kwargs(data_dir, anchor_proofs=[proof], now=when)
    if presentation:
        assert challenge is not None and domain is not None
        cache = None if no_replay_check or at is not None else replay_cache(data_dir, domain=domain)
        report: vcred.PresentationReport | vcred.VerificationReport = vcred.verify_presentation(
            text, challenge=challenge, domain=domain, replay_cache=cache, **env
        )
    else:
        report = vcred.verify_credential(text, **env)
    basis = ledger_basis(env)
    if json_output:
        emit_json({**report.model_dump(mode="json"), "ledger": basis})
    else:
        print_report(console, report)
        console.print(describe_basis(basis))
    raise typer.Exit(EXIT_OK if report.verified else EXIT_FAILED)


def _verify_batch(
    files: list[Path], *, data_dir: Path | None, when: str | None, workers: int, json_output: bool
) -> None:
    """Many credentials, one moment, in input order, on every core (Verifier.verify_many); exit 0 only if all verify."""
    import os

    from rich.progress import Progress

    from vcred._time import parse_datetime_stamp
    from vcred.verify.options import VerifyOptions
    from vcred.verify.verifier import Verifier

    # a shell's cme-*.json also matches the anchor proofs beside the credentials: those go with their credential
    given = {str(f) for f in files}
    files = [f for f in files if not (f.name.endswith(".anchor.json") and str(f)[: -len(".anchor.json")] in given)]
    require_files(files)
    if not files:
        raise UsageError("--batch needs at least one credential file")
    proofs = [p for p in (read_anchor_proof(f) for f in files) if p is not None]
    try:
        moment = parse_datetime_stamp(when) if when is not None else None
    except ValueError as exc:
        raise UsageError(f"--at: {exc}") from None
    # workers reopen the data directory themselves; each credential finds its anchor proof by its hash
    verifier = Verifier.from_local(setting(data_dir), options=VerifyOptions(anchor_proofs=proofs))
    texts = []
    with Progress(console=console, transient=True, disable=json_output) as progress:
        reading = progress.add_task("reading", total=len(files))
        for file in files:
            texts.append(read_input(file))
            progress.advance(reading)
        progress.add_task(f"verifying {len(files)} credential(s)", total=None)
        reports = verifier.verify_many(texts, now=moment, workers=workers or os.cpu_count() or 1)
    rows: list[dict[str, Any]] = [
        {
            "file": str(file),
            "verified": report.verified,
            "reason": "" if report.verified else (report.failures[0].reason if report.failures else "did not verify"),
        }
        for file, report in zip(files, reports, strict=True)
    ]
    if json_output:
        emit_json(rows)
    else:
        from rich.table import Table

        table = Table(title=f"{sum(r['verified'] for r in rows)} of {len(rows)} verified")
        for column in ("file", "verified", "first reason"):
            table.add_column(column)
        for row in rows:
            table.add_row(Text(row["file"]), Text("yes" if row["verified"] else "NO"), Text(row["reason"][:160]))
        console.print(table)
    raise typer.Exit(EXIT_OK if all(r["verified"] for r in rows) else EXIT_FAILED)
