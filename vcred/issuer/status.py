"""An issuer account's status lists: revocation and suspension, foreign revocation, publishing each list version.

Functions of the account rather than a mixin: :class:`~vcred.issuer.account.IssuerAccount` keeps its whole public
face in one place and reads the clock only there, at the boundary, handing each function here the moment to use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vcred.errors import NotInIssuanceRecordError, NotIssuedHereError, UsageError
from vcred.issuer.keys import require_key_in_force, require_usable
from vcred.ledger.anchors import credential_hash
from vcred.ledger.entries import make_entry
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting

if TYPE_CHECKING:
    from vcred.issuer.account import IssuerAccount
    from vcred.report import VerificationReport


@dataclass(frozen=True)
class ForeignRevocation:
    """A revocation of a credential signed with a key of the issuer's DID that the issuer did not issue."""

    index: int  # on the issuer's revocation list
    list_url: str
    credential_hash: str  # hex SHA-256 of the credential (credential_hash), as recorded in the account
    signed_by: str  # the verification method of its signature
    current_key: bool  # signed by the key in force (not yet rotated away from)
    already_revoked: bool


def own_status_indexes(account: IssuerAccount, credential: dict[str, Any]) -> list[tuple[str, int]]:
    """(purpose, index) of each status entry on this account's lists; one index is never given twice."""
    found = []
    for purpose, index in _status_entries(credential):
        status_list = account.lists.get(purpose)
        if status_list is None or index is None:
            continue
        if index in account.issued.get(purpose, {}) or (purpose == "revocation" and index in account.revoked_foreign):
            raise UsageError(
                f"{purpose} index {index} of {account.name} was already given to another credential",
                hint="give each credential fresh entries (attach_status, or issue)",
            )
        status_list.entry(index)  # raises unless this list allocated it
        found.append((purpose, index))
    return found


def attach_status(account: IssuerAccount, credential: dict[str, Any]) -> dict[str, Any]:
    """A copy of an unsigned credential with fresh revocation and suspension entries."""
    return {**credential, "credentialStatus": [sl.entry(sl.allocate()) for sl in account.lists.values()]}


def set_status(
    account: IssuerAccount,
    credential: dict[str, Any] | str,
    purpose: str,
    value: bool,
    *,
    setting: LocalSetting,
    ledger: Ledger | None,
    moment: datetime,
) -> int:
    """Revoke / suspend (``value`` True) or reinstate (False) a credential ``account`` issued (see its method)."""
    claims, _ = _verified_own(account, credential, ledger or setting.ledger(), moment)
    entries = [(p, i) for p, i in _status_entries(claims) if p == purpose]
    if not entries:
        raise UsageError(f"the credential has no {purpose} entry")
    status_list = account.lists.get(purpose)
    index = entries[0][1]
    if status_list is None or index is None or not _on_list(claims, purpose, status_list.url):
        raise NotIssuedHereError(f"the credential's {purpose} entry is not on one of {account.name}'s lists")
    if account.issued.get(purpose, {}).get(index) != credential_hash(credential).hex():
        raise NotInIssuanceRecordError(
            f"{account.name} did not issue this credential with {purpose} index {index}",
            hint="pass the credential file exactly as issued (an edited copy, even of its status, is refused)"
            + (
                "; if someone issued it with a key of yours that leaked, revoke it with revoke_not_issued_here "
                "(CLI: vcred revoke FILE --issuer NAME --not-issued-here)"
                if purpose == "revocation" and value
                else ""
            ),
        )
    if value:
        status_list.set(index)
    else:
        status_list.clear(index)
    return index


def foreign_revocation(
    account: IssuerAccount,
    credential: dict[str, Any] | str,
    *,
    setting: LocalSetting,
    ledger: Ledger | None,
    moment: datetime,
) -> ForeignRevocation:
    """What revoke_not_issued_here would do with ``credential``; changes nothing (see the account's method)."""
    claims, report = _verified_own(account, credential, ledger or setting.ledger(), moment)
    from vcred.report import CheckStatus

    if not any(c.id == "vc.closed_world" and c.status is CheckStatus.PASSED for c in report.checks):
        raise NotIssuedHereError(
            "the credential is outside the closed world: its status entry is not known to be the one signed"
        )
    status_list = account.lists["revocation"]
    indexes = {i for p, i, url in _status_entries_with_list(claims) if p == "revocation" and url == status_list.url}
    if len(indexes) != 1 or None in indexes:
        raise NotIssuedHereError(
            f"the credential has {'no' if not indexes else 'more than one'} revocation entry on {account.name}'s "
            f"list {status_list.url}" + ("" if not indexes else " (or an index that is not a number)")
        )
    (index,) = indexes
    assert index is not None
    digest = credential_hash(credential).hex()
    recorded = account.issued.get("revocation", {}).get(index)
    if recorded == digest:
        raise UsageError(
            f"{account.name} issued this credential (revocation index {index} is recorded for it)",
            hint="revoke it as issued here: set_status (CLI: vcred revoke FILE --issuer NAME)",
        )
    if recorded is not None:
        raise NotIssuedHereError(
            f"revocation index {index} of {account.name} belongs to another credential, one {account.name} issued "
            "and recorded: the credential given here shares that index, so revoking it would also revoke that "
            "innocent holder's credential",
            hint="re-issue the holder's credential with fresh status entries, then revoke the recorded one "
            "(which revokes both)",
        )
    if not 0 <= index < status_list.entries:
        raise NotIssuedHereError(f"revocation index {index} is outside {status_list.url}")
    if status_list.is_allocated(index) and index not in account.revoked_foreign:
        raise NotIssuedHereError(
            f"revocation index {index} of {account.name} was handed out by this account but no credential is "
            "recorded for it (issued before the account kept an issuance record, or signed outside it): it may be an "
            "innocent holder's credential, which revoking this one would also revoke",
            hint="if you know no holder has it, re-issue every credential of yours that might, then revoke those",
        )
    signer = _signed_by(credential)
    return ForeignRevocation(
        index=index,
        list_url=status_list.url,
        credential_hash=digest,
        signed_by=signer,
        current_key=signer == account.verification_method,
        already_revoked=status_list.is_set(index),
    )


def revoke_not_issued_here(
    account: IssuerAccount,
    credential: dict[str, Any] | str,
    *,
    setting: LocalSetting,
    ledger: Ledger | None,
    now: datetime | None,
) -> ForeignRevocation:
    """Revoke a credential signed with a key of the account's DID that it did not issue (see the account's method)."""
    plan = account.foreign_revocation(credential, setting=setting, ledger=ledger, now=now)
    status_list = account.lists["revocation"]
    status_list.reserve(plan.index)
    status_list.set(plan.index)
    hashes = account.revoked_foreign.setdefault(plan.index, [])
    if plan.credential_hash not in hashes:
        hashes.append(plan.credential_hash)
    return plan


def _verified_own(
    account: IssuerAccount, credential: dict[str, Any] | str, ledger: Ledger, now: datetime
) -> tuple[dict[str, Any], VerificationReport]:
    """The credential's claims and report, once it verifies as signed by this issuer (else NotIssuedHereError).

    No ledger client is passed, so no issuance anchor is asked for: the signature checks resolve this DID's
    keys as of the signing time, from every version of its history.
    """
    from vcred.did import default_resolver
    from vcred.jose.vc_jwt import peek_payload
    from vcred.model.credential import issuer_id
    from vcred.report import CheckStatus
    from vcred.verify import VerifyOptions, verify_credential

    # this issuer's own DID resolved from the ledger (its key history), did:key offline; nothing fetched
    resolver = default_resolver().with_method("vcred", ledger.did_resolver())
    report = verify_credential(credential, now=now, resolver=resolver, options=VerifyOptions(check_schema=False))
    signatures = [c for c in report.checks if c.id.endswith(".signature")]
    if not signatures or any(c.status is not CheckStatus.PASSED for c in signatures):
        failed = next((c.reason for c in report.checks if c.status is CheckStatus.FAILED), "no proof")
        raise NotIssuedHereError(f"the credential does not verify as signed by {account.name}: {failed}")
    claims = peek_payload(credential) if isinstance(credential, str) else credential
    if not isinstance(claims, dict) or issuer_id(claims) != account.did:
        raise NotIssuedHereError(f"the credential was not issued by {account.name} ({account.did})")
    return claims, report


def _on_list(claims: dict[str, Any], purpose: str, url: str) -> bool:
    entries = claims.get("credentialStatus") or []
    return any(
        isinstance(e, dict) and e.get("statusPurpose") == purpose and e.get("statusListCredential") == url
        for e in (entries if isinstance(entries, list) else [entries])
    )


def publish(account: IssuerAccount, setting: LocalSetting, *, moment: datetime, ledger: Ledger | None) -> None:
    """Sign and publish a new version of each list, and anchor each version's hash (see the account's method)."""
    require_usable(account)
    require_key_in_force(account, moment)
    signed = {
        purpose: json.dumps(
            status_list.publish(account.key, now=moment, verification_method=account.verification_method), indent=1
        )
        for purpose, status_list in account.lists.items()
    }
    account.save(setting)
    fetcher = setting.fetcher()
    entries = []
    for purpose, text in signed.items():
        status_list = account.lists[purpose]
        fetcher.publish(status_list.url, text)
        entries.append(
            make_entry(
                "status-list",
                {
                    "issuer": account.did,
                    "url": status_list.url,
                    "version": status_list.version,
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                },
                submitter=account.verification_method,
                key=account.key,
                timestamp=int(moment.timestamp()),
            )
        )
    (ledger or setting.ledger()).append(entries, now=moment)


def _signed_by(credential: dict[str, Any] | str) -> str:
    """The verification method of a (verified) credential's signature: the JWS ``kid`` or the proof's."""
    if isinstance(credential, str):
        from vcred.crypto.multibase import b64url_decode
        from vcred.jose.vc_jwt import split_compact

        return str(json.loads(b64url_decode(split_compact(credential)[0])).get("kid"))
    proof = credential.get("proof")
    first = proof[0] if isinstance(proof, list) and proof else proof
    return str(first.get("verificationMethod")) if isinstance(first, dict) else "?"


def _status_entries_with_list(credential: dict[str, Any]) -> list[tuple[str, int | None, Any]]:
    """(purpose, index, statusListCredential) of each status entry (index None when it is not a decimal number)."""
    entries = credential.get("credentialStatus") or []
    out: list[tuple[str, int | None, Any]] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, dict) and isinstance(entry.get("statusPurpose"), str):
            raw = entry.get("statusListIndex")
            index = int(raw) if isinstance(raw, str) and raw.isdecimal() and len(raw) < 12 else None
            out.append((entry["statusPurpose"], index, entry.get("statusListCredential")))
    return out


def _status_entries(credential: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(purpose, index) of each status entry (index None when it is not a decimal number)."""
    return [(purpose, index) for purpose, index, _ in _status_entries_with_list(credential)]
