"""``vcred wallet``: the radiologist's side."""

from __future__ import annotations

import json
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from vcred._files import write_atomically
from vcred.cli.app import (
    EXIT_FAILED,
    ForceFlag,
    JsonFlag,
    app,
    check_output,
    console,
    emit_json,
    err_console,
    expand_paths,
    group,
    read_anchor_proof,
    read_input,
    require_files,
)
from vcred.cli.context import passphrase, setting, verification_kwargs, with_anchor_proofs
from vcred.errors import UsageError
from vcred.wallet import StoredCredential, Wallet, default_wallet_path

wallet_app = group("Your encrypted wallet: import, list, present, back up.")
app.add_typer(wallet_app, name="wallet")

MAX_LIFETIME = timedelta(days=30)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="VCRED_DATA_DIR", help="vcred data directory (status lists, ledger) to verify against."
    ),
]

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
    target = path or default_wallet_path()
    if not target.exists():  # said before the passphrase is asked for
        raise UsageError(f"no wallet at {target}", hint="create one with: vcred wallet init (or pass --wallet FILE)")
    opened = Wallet.open(target, passphrase(), accept_rollback=accept_rollback)
    _tell(opened)
    return opened


def _tell(opened: Wallet) -> None:
    """On stderr (stdout stays clean for --json): when the wallet was saved and what it holds, so an old copy shows."""
    err_console.print(Text(f"wallet {opened.path}: {opened.state.describe()}", style="dim"))
    if opened.warning:
        err_console.print(Text.assemble(("warning: ", "yellow"), opened.warning))


def parse_duration(text: str) -> timedelta:
    """``48h``, ``2d``, ``90m`` → a timedelta."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([mhd])\s*", text)
    if not match:
        raise UsageError(f"cannot read the duration {text!r}", hint="use e.g. 90m, 48h or 7d")
    amount, unit = int(match.group(1)), match.group(2)
    lifetime = (
        timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
    )
    if lifetime <= timedelta(0):
        raise UsageError(f"the duration {text!r} is not in the future", hint="use e.g. 90m, 48h or 7d")
    return lifetime


@wallet_app.command("init")
def init(
    wallet: WalletOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing wallet.")] = False,
    weak_passphrase_ok: Annotated[
        bool, typer.Option("--weak-passphrase-ok", help="Accept a passphrase that is easy to guess.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Create a wallet with a new holder key (did:key) and print its DID: give it to your issuers (--subject).

    The passphrase (VCRED_PASSPHRASE, else asked twice) must be hard to guess: a few unrelated words.
    `vcred wallet did` prints the DID again later.

    Example: VCRED_PASSPHRASE=… vcred wallet init --wallet ~/dr-okafor.vcw
    """
    target = wallet or default_wallet_path()
    if target.exists() and not force:  # said before the passphrase is asked for
        raise UsageError(f"a wallet already exists at {target}", hint="use --wallet for another file (or --force)")
    created = Wallet.create(target, passphrase(confirm=True, new=True, weak_ok=weak_passphrase_ok), overwrite=force)
    if json_output:
        emit_json({"wallet": str(created.path), "did": created.holder_did, "holder": created.holder_did})
    else:
        console.print(Text.assemble("Wallet created at ", (str(created.path), "bold")))
        console.print(Text.assemble("Your DID (give it to your issuers): ", (created.holder_did, "bold cyan")))


@wallet_app.command("did")
def did(wallet: WalletOption = None, accept_rollback: AcceptRollback = False, json_output: JsonFlag = False) -> None:
    """Print your DID (the holder key's did:key), for issuers to issue credentials to (--subject).

    Example: vcred issue BoardCertificationCredential --subject "$(vcred wallet did)" …
    """
    opened = _open(wallet, accept_rollback)
    if json_output:
        emit_json({"wallet": str(opened.path), "did": opened.holder_did})
    else:
        sys.stdout.write(opened.holder_did + "\n")  # bare, for $(vcred wallet did)


@wallet_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Credential files (JSON or vc+jwt); a quoted glob works too.")],
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    allow_foreign: Annotated[
        bool, typer.Option("--allow-foreign", help="Keep credentials issued to someone else, flagged.")
    ] = False,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Verify and add credentials; each one is stored durably before the next.

    An issuer's anchor proof next to a credential (FILE.anchor.json, as `vcred issue -o FILE` writes it) is
    verified and kept with it, and presented with it later.

    Example: vcred wallet import diploma.json board.json cme-*.json
    """
    import vcred
    from vcred.errors import WalletError

    files = expand_paths(files)
    # `cme-*.json` also matches cme-1.json.anchor.json: an anchor proof beside a credential given here goes with it
    given = {str(f) for f in files}
    files = [f for f in files if not (f.name.endswith(".anchor.json") and str(f)[: -len(".anchor.json")] in given)]
    require_files(files)
    # every file read (and refused if unreadable) before the passphrase is asked for
    texts = [read_input(f) for f in files]
    proofs = [read_anchor_proof(f) for f in files]
    base = verification_kwargs(data_dir)  # a data directory it cannot verify against is said before the prompt
    opened = _open(wallet, accept_rollback)
    results: list[StoredCredential | WalletError] = []
    with Progress(console=console, transient=True, disable=json_output) as progress:
        task = progress.add_task("importing", total=len(texts))
        for text, proof in zip(texts, proofs, strict=True):
            # verified as every verifying command does: this data directory, and the issuance anchor proof
            env = with_anchor_proofs(base, [proof])
            try:
                results.append(
                    opened.import_credential(
                        text,
                        allow_foreign=allow_foreign,
                        anchor_proof=proof,
                        verify=lambda c, env=env: vcred.verify_credential(c, **env),  # type: ignore[misc]
                    )
                )
            except WalletError as error:
                results.append(error)
            progress.advance(task)
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
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="VCRED_DATA_DIR", help="vcred data directory (names of local issuers)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """List the credentials in the wallet (optionally one category).

    Example: vcred wallet list --category cme
    """
    items = [c for c in _open(wallet, accept_rollback).credentials if category is None or c.category == category]
    local = setting(data_dir).local_issuers()
    if json_output:
        emit_json([{**_row(c), "issuer_name": _issuer_name(c, local)} for c in items])
        return
    table = Table(title=f"{len(items)} credential(s)")
    for column in ("id", "category", "type", "issuer", "form", "added", "anchored"):
        table.add_column(column)
    for c in items:
        table.add_row(
            Text(c.id),
            Text(c.category or "-"),
            Text.assemble(c.name, (" (flagged)", "red") if c.flagged else ""),
            Text(_issuer_name(c, local) or _short(c.issuer)),
            Text(c.form),
            Text(c.added_at),
            Text("yes" if c.anchor_proof else "no"),
        )
    console.print(table)


def _issuer_name(item: StoredCredential, local: dict[str, str]) -> str | None:
    """The name the credential gives its issuer (signed), else the local issuer account's name for its DID."""
    return item.issuer_name or (local.get(item.issuer) if item.issuer else None)


def _short(did: str | None) -> str:
    if not did:
        return "-"
    return did if len(did) <= 40 else f"{did[:24]}…{did[-12:]}"


def _row(item: StoredCredential) -> dict[str, object]:
    """What --json shows of a stored credential, snake_case, without the credential itself."""
    return {
        "id": item.id,
        "form": item.form,
        "types": list(item.types),
        "issuer": item.issuer,
        "subject": item.subject,
        "category": item.category,
        "added_at": item.added_at,
        "flagged": item.flagged,
        "anchored": item.anchor_proof is not None,
    }


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
        emit_json({**_row(item), "credential": item.credential, "anchor_proof": item.anchor_proof})
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
    force: ForceFlag = False,
    categories: Annotated[str, typer.Option(help="Comma-separated: education,board,cme,malpractice,license.")] = "",
    types: Annotated[str, typer.Option(help="Comma-separated credential types.")] = "",
    ids: Annotated[str, typer.Option(help="Comma-separated credential ids.")] = "",
    expires: Annotated[str, typer.Option(help="How long the verifier may use it: 90m, 48h, 7d (at most 30d).")] = "48h",
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="Present what there is when a category, type or id matches nothing."),
    ] = False,
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
    lifetime = parse_duration(expires)
    if lifetime > MAX_LIFETIME:
        raise UsageError(
            f"--expires {expires}: a presentation may be valid for at most 30 days",
            hint="use --expires 30d or less; present again when it ends",
        )
    check_output(output, force=force)
    split = [x.strip() for x in categories.split(",") if x.strip()]
    opened = _open(wallet, accept_rollback)
    vp = opened.present(
        challenge=challenge,
        domain=domain,
        expires=lifetime,
        categories=split,
        types=[t.strip() for t in types.split(",") if t.strip()],
        ids=[i.strip() for i in ids.split(",") if i.strip()],
        suite="vp+jwt" if format == "jwt" else suite,
        purpose=purpose,
        allow_missing=allow_missing,
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
    force: ForceFlag = False,
    json_output: JsonFlag = False,
) -> None:
    """Write an encrypted copy of the wallet (export).

    Example: vcred wallet backup /media/usb/wallet-2026-11.vcw
    """
    check_output(destination, force=force, inputs=[wallet or default_wallet_path()])
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
    force: Annotated[bool, typer.Option("--force", help="Replace the existing wallet.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Restore the wallet from a backup (it must open with your passphrase first).

    The restored copy is saved as the newest generation, so the wallet it replaced is refused as an older copy later.

    Example: vcred wallet restore /media/usb/wallet-2026-11.vcw --force
    """
    require_files([source])
    target = wallet or default_wallet_path()
    if target.exists() and not force:  # said before the passphrase is asked for
        raise UsageError(f"a wallet already exists at {target}", hint="pass --force to replace it")
    restored = Wallet.restore(source, wallet or default_wallet_path(), passphrase(), overwrite=force)
    _tell(restored)
    if json_output:
        emit_json({"wallet": str(restored.path), "credentials": len(restored.credentials)})
    else:
        console.print(f"restored {len(restored.credentials)} credential(s) into {restored.path}")


@wallet_app.command("verify")
def reverify(
    wallet: WalletOption = None,
    accept_rollback: AcceptRollback = False,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Re-verify every credential in the wallet (status, expiry, signatures, issuance anchors) with a progress bar.

    Each credential is verified with the issuance anchor proof stored with it, as a verifier does when you present
    it, so an issuer's key rotation does not fail credentials whose issuance is anchored.

    Example: vcred wallet verify
    """
    import vcred

    base = verification_kwargs(data_dir)  # a data directory it cannot verify against is said before the prompt
    opened = _open(wallet, accept_rollback)
    results = []
    with Progress(console=console, transient=True, disable=json_output) as progress:
        task = progress.add_task("verifying", total=len(opened.credentials))
        for item in opened.credentials:
            env = with_anchor_proofs(base, [item.anchor_proof])
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
