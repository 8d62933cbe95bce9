"""``vcred issuer``, ``vcred issue``, ``vcred revoke | suspend | reinstate``: enough issuer side to run the demo."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from vcred._files import write_atomically
from vcred.cli.app import (
    ForceFlag,
    JsonFlag,
    anchor_proof_path,
    app,
    check_output,
    console,
    emit_json,
    group,
    read_json,
    read_json_or_text,
    require_files,
)
from vcred.cli.context import recovery_passphrase, setting
from vcred.errors import NotInIssuanceRecordError, UsageError
from vcred.issuer import ForeignRevocation, IssuerAccount
from vcred.local import LocalSetting
from vcred.model.families import FAMILIES

issuer_app = group("Issuer accounts (keys, DIDs, status lists).")
app.add_typer(issuer_app, name="issuer")


def _require_issuer(local: LocalSetting, name: str) -> None:
    """Said before any passphrase is asked for: the issuer account must exist here."""
    if not (local.issuers_dir / f"{name}.json").exists():
        raise UsageError(
            f"no issuer named {name!r} in {local.root}", hint="create it with: vcred issuer init NAME (see --data-dir)"
        )


DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR", help="vcred data directory.")]
RecoveryFile = Annotated[
    Path | None,
    typer.Option(
        "--recovery-file",
        help="The sealed next-key file (default: the issuers directory's NAME.recovery.json). Keep a copy offline.",
    ),
]


@issuer_app.command("init")
def issuer_init(
    name: Annotated[str, typer.Argument(help="Short name, e.g. abr, northbridge-som.")],
    anchored: Annotated[bool, typer.Option(help="Anchor the DID in the local ledger (did:vcred).")] = True,
    recovery_file: RecoveryFile = None,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Create an issuer: a key, a DID (ledger-anchored by default) and its status lists.

    A did:vcred issuer's next key is sealed under a recovery passphrase (VCRED_RECOVERY_PASSPHRASE, else asked)
    in a recovery file; rotating and deactivating need both. Keep a copy of the file away from the data directory.

    Example: vcred issuer init abr --recovery-file /media/offline/abr.recovery.json
    """
    local = setting(data_dir)
    if (local.issuers_dir / f"{name}.json").exists():
        raise UsageError(f"an issuer named {name!r} already exists in {local.root}")
    if recovery_file is not None:
        check_output(recovery_file, force=False)
    recovery = recovery_passphrase(confirm=True) if anchored else None
    account = IssuerAccount.create(local, name, anchored=anchored, recovery=recovery, recovery_file=recovery_file)
    sealed = (recovery_file or IssuerAccount.recovery_path(local, name)) if anchored else None
    if json_output:
        emit_json(
            {
                "issuer": account.name,
                "did": account.did,
                "verification_method": account.verification_method,
                "recovery_file": str(sealed) if sealed else None,
            }
        )
    else:
        console.print(Text.assemble("Issuer ", (name, "bold"), ": ", (account.did, "cyan")))
        if sealed:
            console.print(
                Text.assemble("Next key sealed under the recovery passphrase in ", str(sealed), ": keep a copy offline")
            )


@issuer_app.command("rotate")
def issuer_rotate(
    name: Annotated[str, typer.Argument(help="Issuer account name.")],
    recovery_file: RecoveryFile = None,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Rotate the issuer's did:vcred key to the one committed in advance (after a leak, or routinely).

    Needs the recovery passphrase (VCRED_RECOVERY_PASSPHRASE, else asked) and the recovery file; a fresh next key
    is sealed in it. Credentials issued before keep verifying through their issuance anchors; the old key signs
    nothing more. Run again after an interruption, it finishes the rotation the ledger recorded.

    Example: vcred issuer rotate abr
    """
    local = setting(data_dir)
    _require_issuer(local, name)
    require_files([recovery_file])
    recovery = recovery_passphrase()
    with IssuerAccount.editing(local, name) as account:
        account.rotate(local, recovery=recovery, recovery_file=recovery_file)
    if json_output:
        emit_json({"issuer": name, "did": account.did, "verification_method": account.verification_method})
    else:
        console.print(f"{name} now signs with {account.verification_method}")


@issuer_app.command("did")
def issuer_did(
    name: Annotated[str, typer.Argument(help="Issuer account name.")],
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Print the issuer's DID (bare, for scripts: --registry-publisher "$(vcred issuer did stmarys)").

    Example: vcred issuer did abr
    """
    local = setting(data_dir)
    _require_issuer(local, name)
    account = IssuerAccount.load(local, name)
    if json_output:
        emit_json({"issuer": name, "did": account.did, "verification_method": account.verification_method})
    else:
        typer.echo(account.did)


@issuer_app.command("deactivate")
def issuer_deactivate(
    name: Annotated[str, typer.Argument(help="Issuer account name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: deactivation is final.")] = False,
    recovery_file: RecoveryFile = None,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Deactivate the issuer's did:vcred for good (it signs, revokes and publishes nothing more).

    Needs the recovery passphrase (VCRED_RECOVERY_PASSPHRASE, else asked) and the recovery file, as a rotation does:
    a stolen current key alone cannot deactivate the DID. Credentials issued before keep verifying where their
    issuance is anchored.

    Example: vcred issuer deactivate abr --yes
    """
    if not yes:
        raise UsageError("deactivation is final", hint=f"confirm with: vcred issuer deactivate {name} --yes")
    local = setting(data_dir)
    _require_issuer(local, name)
    require_files([recovery_file])
    recovery = recovery_passphrase()
    with IssuerAccount.editing(local, name) as account:
        account.deactivate(local, recovery=recovery, recovery_file=recovery_file)
    if json_output:
        emit_json({"issuer": name, "did": account.did, "deactivated": True})
    else:
        console.print(f"{name}'s DID {account.did} is deactivated")


@app.command("issue")
def issue(
    credential_type: Annotated[str, typer.Argument(help=f"One of: {', '.join(FAMILIES)}.")],
    data: Annotated[Path, typer.Option(help="JSON file with the credential subject's claims.")],
    subject: Annotated[str, typer.Option(help="The radiologist's DID.")],
    issuer: Annotated[str, typer.Option(help="Issuer account name.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the credential here (else stdout), and its anchor proof beside it."),
    ] = None,
    force: ForceFlag = False,
    suite: Annotated[str, typer.Option(help="eddsa-rdfc-2022, eddsa-jcs-2022 or vc+jwt.")] = "eddsa-rdfc-2022",
    valid_days: Annotated[int, typer.Option(help="Days until validUntil (0: no expiry).")] = 365,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Issue a credential of a radiology family to a radiologist, with revocation and suspension entries.

    The credential's hash is anchored in the ledger, proving when it was issued; with -o the anchor proof is
    written next to it (FILE.anchor.json), for the radiologist to import with it.

    Example (claims from `vcred example claims BoardCertificationCredential -o board-claims.json`, the DID from
    the radiologist's `vcred wallet did`):

    \b
      vcred issue BoardCertificationCredential --data board-claims.json \\
          --subject did:key:z6Mk… --issuer abr -o board.json
    """
    from datetime import timedelta

    from vcred._time import utcnow

    if credential_type not in FAMILIES:
        raise UsageError(f"unknown credential type {credential_type!r}", hint=f"one of: {', '.join(FAMILIES)}")
    require_files([data])
    # nothing is issued, anchored or written unless both files may be written (never over the claims file)
    check_output(output, force=force, inputs=[data])
    check_output(anchor_proof_path(output) if output else None, force=force, inputs=[data])
    claims = read_json(data)
    if not isinstance(claims, dict):
        raise UsageError(
            f"{data} must hold a JSON object of claims", hint=f"see: vcred example claims {credential_type}"
        )
    local = setting(data_dir)
    _require_issuer(local, issuer)
    with IssuerAccount.editing(local, issuer) as account:
        now = utcnow()
        credential = account.issue(
            credential_type,
            {**claims, "id": subject},
            suite=suite,
            now=now,
            valid_until=now + timedelta(days=valid_days) if valid_days else None,
        )
        account.publish(local, now=now)
        (proof,) = account.anchor([credential], local, now=now)
    text = credential if isinstance(credential, str) else json.dumps(credential, indent=2)
    sidecar = anchor_proof_path(output) if output else None
    if output and sidecar:
        # the proof first, so a credential file never exists without the proof beside it
        write_atomically(sidecar, json.dumps(proof.to_json(), indent=2).encode("utf-8"))
        write_atomically(output, text.encode("utf-8"))
    if json_output:
        emit_json(
            {
                "credential": credential,
                "anchor_proof": proof.to_json(),
                "output": str(output) if output else None,
                "anchor_proof_file": str(sidecar) if sidecar else None,
            }
        )
    elif output:
        console.print(f"issued {credential_type} to {subject} → {output} (issuance anchored: {sidecar})")
    else:
        print(text)


def _status_command(purpose: str, value: bool, verb: str) -> Callable[..., None]:
    def command(
        credential: Annotated[Path, typer.Argument(help="The credential file.")],
        issuer: Annotated[str, typer.Option(help="Issuer account name.")],
        data_dir: DataDir = None,
        json_output: JsonFlag = False,
    ) -> None:
        document = read_json_or_text(credential)
        local = setting(data_dir)
        _require_issuer(local, issuer)
        with IssuerAccount.editing(local, issuer) as account:
            index = account.set_status(document, purpose, value, setting=local)
            account.publish(local)
        if json_output:
            emit_json({"credential": str(credential), "purpose": purpose, "index": index, "set": value})
        else:
            console.print(f"{verb} {credential} (published {purpose} list version {account.lists[purpose].version})")

    return command


def _foreign_revocation_text(credential: Path, account: IssuerAccount, plan: ForeignRevocation, *, done: bool) -> str:
    """What revoking a credential not issued here does (``done``) or would do."""
    key = "the key in force" if plan.current_key else "a retired key"
    effect = f"revocation index {plan.index} of {plan.list_url}" + (" (already set)" if plan.already_revoked else "")
    return (
        f"{credential} is signed with {plan.signed_by} ({key} of {account.did}), but {account.name} has no record "
        f"of issuing it. {'Revoked' if done else 'Revoking it sets'}: {effect}, which no credential {account.name} "
        "recorded holds and which is never given out again; the account records it as a revoked foreign issuance. "
        "It can never be suspended or reinstated here."
    )


@app.command("revoke")
def revoke(
    credential: Annotated[Path, typer.Argument(help="The credential file.")],
    issuer: Annotated[str, typer.Option(help="Issuer account name.")],
    not_issued_here: Annotated[
        bool,
        typer.Option(
            "--not-issued-here",
            help="Also revoke a credential signed with a key of your DID that you have no record of issuing (one "
            "issued with a key that leaked). Refused if its index is one of your recorded credentials'.",
        ),
    ] = False,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Revoke a credential you issued (final).

    The file must be the credential as issued, verified against your DID and your issuance record. A credential
    someone issued with a leaked key of your DID (any key version, retired ones included) is not in the record: it
    is revoked only with --not-issued-here, and only if its index is not one of your recorded credentials' (that
    would revoke an innocent holder's credential too).

    Example: vcred revoke board.json --issuer abr
    """
    document = read_json_or_text(credential)
    local = setting(data_dir)
    foreign: ForeignRevocation | None = None
    with IssuerAccount.editing(local, issuer) as account:
        try:
            index = account.set_status(document, "revocation", True, setting=local)
        except NotInIssuanceRecordError:
            plan = account.foreign_revocation(document, setting=local)
            if not not_issued_here:
                raise UsageError(
                    _foreign_revocation_text(credential, account, plan, done=False),
                    hint=f"if someone issued it with a key of yours that leaked, revoke it with: vcred revoke "
                    f"{credential} --issuer {issuer} --not-issued-here",
                ) from None
            foreign = account.revoke_not_issued_here(document, setting=local)
            index = foreign.index
        account.publish(local)
    version = account.lists["revocation"].version
    if json_output:
        emit_json(
            {
                "credential": str(credential),
                "purpose": "revocation",
                "index": index,
                "set": True,
                "not_issued_here": foreign is not None,
                **(
                    {"signed_by": foreign.signed_by, "credential_hash": foreign.credential_hash}
                    if foreign is not None
                    else {}
                ),
            }
        )
    else:
        if foreign is not None:
            console.print(_foreign_revocation_text(credential, account, foreign, done=True))
        console.print(f"revoked {credential} (published revocation list version {version})")


app.command("suspend", help="Suspend a credential you issued. Example: vcred suspend board.json --issuer abr")(
    _status_command("suspension", True, "suspended")
)
app.command("reinstate", help="Lift a suspension. Example: vcred reinstate board.json --issuer abr")(
    _status_command("suspension", False, "reinstated")
)
