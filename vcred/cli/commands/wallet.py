"""``vcred wallet``: the radiologist's side."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from vcred._files import write_atomically
from vcred.cli.app import EXIT_FAILED, JsonFlag, app, console, emit_json, err_console, read_anchor_proof, read_input
from vcred.cli.context import passphrase
from vcred.errors import UsageError
from vcred.wallet import Wallet, default_wallet_path

wallet_app = typer.Typer(help="Your encrypted wallet: import, list, present, back up.", no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")

WalletOption = Annotated[
    Path | None,
    typer.Option("--wallet", envvar="VCRED_WALLET", help="Wallet file (default: your user data directory)."),
]

AcceptRollback = Annotated[
    bool,
    typer.Option(
        "--accept-rollback",
        help="Keep this wallet although it is an older copy than the one last saved here (later entries are lost).",
    ),
]


def _open(path: Path | None, accept_rollback: bool = False) -> Wallet:
    opened = Wallet.open(path or default_wallet_path(), passphrase(), accept_rollback=accept_rollback)
    _tell(opened)
    return opened


def _tell(opened: Wallet) -> None:
    """On stderr (stdout stays clean for --json): when the wallet was saved and what it holds, so an old copy shows."""
    err_console.print(Text(f"wallet {opened.path}: {opened.state.describe()}", style="dim"))
    if opened.warning:
        err_console.print(f"[yellow]warning:[/] {opened.warning}")


def parse_duration(text: str) -> timedelta:
    """``48h``, ``2d``, ``90m`` → a timedelta."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([mhd])\s*", text)
    if not match:
        raise UsageError(f"cannot read the duration {text!r}", hint="use e.g. 90m, 48h or 7d")
    amount, unit = int(match.group(1)), match.group(2)
    return (
        timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
    )


@wallet_app.command("init")
def init(
    wallet: WalletOption = None,
    force: Annotated[bool, typer.Option(help="Replace an existing wallet.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Create a wallet with a new holder key (did:key).

    Example: VCRED_PASSPHRASE=… vcred wallet init --wallet ~/dr-okafor.vcw
    """
    created = Wallet.create(wallet or default_wallet_path(), passphrase(confirm=True), overwrite=force)
    if json_output:
        emit_json({"wallet": str(created.path), "holder": created.holder_did})
    else:
        console.print(
            Text.assemble(
                "Wallet created at ", (str(created.path), "bold"), "\nYour DID: ", (created.holder_did, "cyan")
            )
        )


@wallet_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Credential files (JSON or vc+jwt).")],
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    allow_foreign: Annotated[bool, typer.Option(help="Keep credentials issued to someone else, flagged.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Verify and add credentials; each one is stored durably before the next.

    An issuer's anchor proof next to a credential (FILE.anchor.json, as `vcred issue -o FILE` writes it) is
    verified and kept with it, and presented with it later.

    Example: vcred wallet import diploma.json board.json cme-*.json
    """
    import vcred
    from vcred.cli.context import verifier_environment

    opened = _open(wallet, accept_rollback)
    env = verifier_environment()
    texts = [read_input(f) for f in files]
    proofs = [read_anchor_proof(f) for f in files]
    with Progress(console=console, transient=True, disable=json_output) as progress:
        task = progress.add_task("importing", total=len(texts))
        results = opened.import_many(
            texts,
            allow_foreign=allow_foreign,
            anchor_proofs=proofs,
            verify=lambda c: vcred.verify_credential(c, **env),
            progress=lambda n: progress.update(task, completed=n),
        )
    rows = []
    for path, result in zip(files, results, strict=True):
        if isinstance(result, Exception):
            rows.append({"file": str(path), "imported": False, "reason": str(result)})
        else:
            rows.append(
                {
                    "file": str(path),
                    "imported": True,
                    "id": result.id,
                    "category": result.category,
                    "flagged": result.flagged,
                }
            )
    if json_output:
        emit_json(rows)
    else:
        for row in rows:
            mark = ("✔", "green") if row["imported"] else ("✘", "red")
            detail = f"{row['id']} ({row['category']})" if row["imported"] else row["reason"]
            console.print(Text.assemble(mark, f" {row['file']}: {detail}"))
    if not all(r["imported"] for r in rows):
        raise typer.Exit(EXIT_FAILED)


@wallet_app.command("list")
def list_(
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    category: Annotated[str | None, typer.Option(help="education, board, cme, malpractice or license.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """List the credentials in the wallet (optionally one category).

    Example: vcred wallet list --category cme
    """
    items = [c for c in _open(wallet, accept_rollback).credentials if category is None or c.category == category]
    if json_output:
        rows = [{k: v for k, v in c.to_json().items() if k not in ("credential", "anchorProof")} for c in items]
        emit_json([{**row, "anchored": c.anchor_proof is not None} for row, c in zip(rows, items, strict=True)])
        return
    table = Table(title=f"{len(items)} credential(s)")
    for column in ("id", "category", "type", "issuer", "form", "added", "anchored"):
        table.add_column(column)
    for c in items:
        table.add_row(
            c.id,
            c.category or "-",
            Text.assemble(c.name, (" (flagged)", "red") if c.flagged else ""),
            (c.issuer or "")[:40],
            c.form,
            c.added_at,
            "yes" if c.anchor_proof else "no",
        )
    console.print(table)


@wallet_app.command("show")
def show(
    credential_id: Annotated[str, typer.Argument(help="Credential id (or a unique prefix).")],
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    json_output: JsonFlag = False,
) -> None:
    """Show one credential in full.

    Example: vcred wallet show c-3f2a
    """
    item = _open(wallet, accept_rollback).get(credential_id)
    if json_output:
        emit_json(item.to_json())
    else:
        console.print_json(
            json.dumps(item.credential)
            if isinstance(item.credential, dict)
            else json.dumps({"vc+jwt": item.credential})
        )


@wallet_app.command("remove")
def remove(
    credential_id: Annotated[str, typer.Argument(help="Credential id (or a unique prefix).")],
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    json_output: JsonFlag = False,
) -> None:
    """Remove a credential from the wallet.

    Example: vcred wallet remove c-3f2a
    """
    removed = _open(wallet, accept_rollback).remove(credential_id)
    if json_output:
        emit_json({"removed": removed.id})
    else:
        console.print(f"removed {removed.id} ({removed.name})")


@wallet_app.command("present")
def present(
    domain: Annotated[str, typer.Option(help="The verifier's domain, as it gave it to you.")],
    challenge: Annotated[str, typer.Option(help="The verifier's challenge (nonce).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the presentation.")],
    categories: Annotated[str, typer.Option(help="Comma-separated: education,board,cme,malpractice,license.")] = "",
    types: Annotated[str, typer.Option(help="Comma-separated credential types.")] = "",
    ids: Annotated[str, typer.Option(help="Comma-separated credential ids.")] = "",
    expires: Annotated[str, typer.Option(help="How long the verifier may use it: 90m, 48h, 7d.")] = "48h",
    format: Annotated[str, typer.Option("--format", help="di (Data Integrity) or jwt (vp+jwt).")] = "di",
    suite: Annotated[str, typer.Option(help="For --format di: eddsa-rdfc-2022 or eddsa-jcs-2022.")] = "eddsa-rdfc-2022",
    purpose: Annotated[str, typer.Option(help="Why you are presenting (kept in your log).")] = "",
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    json_output: JsonFlag = False,
) -> None:
    """Present chosen credential categories to one verifier, for a limited time, bound to its challenge.

    Example: vcred wallet present --categories board,cme --domain credentialing.stmarys.example
    --challenge n-4711 --expires 48h -o vp.json
    """
    if format not in ("di", "jwt"):
        raise UsageError("--format is di or jwt")
    split = [x.strip() for x in categories.split(",") if x.strip()]
    opened = _open(wallet, accept_rollback)
    vp = opened.present(
        challenge=challenge,
        domain=domain,
        expires=parse_duration(expires),
        categories=split,
        types=[t for t in types.split(",") if t],
        ids=[i for i in ids.split(",") if i],
        suite="vp+jwt" if format == "jwt" else suite,
        purpose=purpose,
    )
    write_atomically(output, (vp if isinstance(vp, str) else json.dumps(vp, indent=2)).encode("utf-8"))
    record = opened.log[-1]
    if json_output:
        emit_json({"output": str(output), **record})
    else:
        console.print(
            f"Presentation of {len(record['credentials'])} credential(s) "
            f"({', '.join(record['categories'])}) for {domain}, valid until {record['expires']}: {output}"
        )


@wallet_app.command("log")
def log(wallet: WalletOption = None, accept_rollback: AcceptRollback = False, json_output: JsonFlag = False) -> None:
    """What you presented, to whom, when, and until when.

    Example: vcred wallet log
    """
    records = _open(wallet, accept_rollback).log
    if json_output:
        emit_json(records)
        return
    table = Table(title="presentations")
    for column in ("when", "to", "categories", "credentials", "valid until", "purpose"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r["at"],
            r["domain"],
            ", ".join(r["categories"]),
            str(len(r["credentials"])),
            r["expires"],
            r.get("purpose", ""),
        )
    console.print(table)


@wallet_app.command("backup")
def backup(
    destination: Annotated[Path, typer.Argument(help="Backup file to write (stays encrypted).")],
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    json_output: JsonFlag = False,
) -> None:
    """Write an encrypted copy of the wallet (export).

    Example: vcred wallet backup /media/usb/wallet-2026-11.vcw
    """
    written = _open(wallet, accept_rollback).backup(destination)
    if json_output:
        emit_json({"backup": str(written)})
    else:
        console.print(f"backup written to {written}")


wallet_app.command("export", help="Same as backup: write an encrypted copy of the wallet.")(backup)


@wallet_app.command("restore")
def restore(
    source: Annotated[Path, typer.Argument(help="Backup file to restore.")],
    wallet: WalletOption = None,
    force: Annotated[bool, typer.Option(help="Replace the existing wallet.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Restore the wallet from a backup (it must open with your passphrase first).

    The restored copy is saved as the newest generation, so the wallet it replaced is refused as an older copy later.

    Example: vcred wallet restore /media/usb/wallet-2026-11.vcw --force
    """
    restored = Wallet.restore(source, wallet or default_wallet_path(), passphrase(), overwrite=force)
    _tell(restored)
    if json_output:
        emit_json({"wallet": str(restored.path), "credentials": len(restored.credentials)})
    else:
        console.print(f"restored {len(restored.credentials)} credential(s) into {restored.path}")


@wallet_app.command("verify")
def reverify(
    wallet: WalletOption = None, accept_rollback: AcceptRollback = False, json_output: JsonFlag = False
) -> None:
    """Re-verify every credential in the wallet (status, expiry, signatures) with a progress bar.

    Example: vcred wallet verify
    """
    import vcred
    from vcred.cli.context import verifier_environment

    opened = _open(wallet, accept_rollback)
    env = verifier_environment()
    results = []
    with Progress(console=console, transient=True, disable=json_output) as progress:
        task = progress.add_task("verifying", total=len(opened.credentials))
        for item in opened.credentials:
            report = vcred.verify_credential(item.credential, **env)
            results.append((item, report))
            progress.advance(task)
    if json_output:
        emit_json(
            [{"id": i.id, "verified": r.verified, "failures": [c.reason for c in r.failures]} for i, r in results]
        )
    else:
        for item, report in results:
            mark = ("✔", "green") if report.verified else ("✘", "red")
            why = "" if report.verified else f" — {report.failures[0].reason if report.failures else ''}"
            console.print(Text.assemble(mark, f" {item.id} {item.name}{why}"))
    if not all(r.verified for _, r in results):
        raise typer.Exit(EXIT_FAILED)
