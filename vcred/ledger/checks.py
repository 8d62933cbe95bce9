"""Verifier-side ledger checks, each returning a Check (never raising for bad data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from vcred.did.ledger import replay
from vcred.errors import LedgerError, ResolutionError, StorageError
from vcred.ledger.anchors import BatchProof, credential_hash, in_batch
from vcred.ledger.log import LedgerClient, ProvenEntry
from vcred.report import Check


def check_issuer_anchored(client: LedgerClient, issuer: str | None, issued_at: datetime | None) -> Check:
    """``vc.ledger.issuer``: a did:vcred issuer's history is proven against the client's checkpoint."""
    if not issuer or not issuer.startswith("did:vcred:"):
        return Check.skipped("vc.ledger.issuer", "the issuer's DID is not anchored in a ledger")
    try:
        result = client.did_resolver().resolve(issuer, as_of=issued_at)
    except (ResolutionError, LedgerError, StorageError) as exc:
        return Check.failed(
            "vc.ledger.issuer", f"the issuer's DID history is not proven: {exc.message}", "INVALID_VERIFICATION_METHOD"
        )
    version = result.metadata.get("versionId")
    when = f" at {issued_at.isoformat()}" if issued_at else ""
    return Check.passed(
        "vc.ledger.issuer",
        f"issuer DID proven against the ledger checkpoint; key version {version} was in force{when}",
        version=version,
    )


def check_status_list_anchored(client: LedgerClient, url: str, served_sha256: str, *, issuer: str | None) -> Check:
    """``vc.ledger.status_list``: the list the verifier was served is the latest version its issuer anchored.

    ``issuer`` is the verified list credential's issuer (the status check holds it to the credential's issuer).
    Only entries that issuer signed count: anyone may anchor an entry naming the list's URL, and the newest entry
    about the URL by someone else (a huge version of an old list, say) must neither freeze nor vouch for the list.
    """
    if not issuer:
        return Check.failed(
            "vc.ledger.status_list",
            "the list's issuer is unknown, so no anchor can be attributed to it",
            "STATUS_VERIFICATION_ERROR",
            list=url,
        )
    try:
        latest = client.latest(url, "status-list", author=issuer)
    except (LedgerError, StorageError) as exc:
        return Check.failed(
            "vc.ledger.status_list", f"cannot prove the list's anchor: {exc.message}", "STATUS_VERIFICATION_ERROR"
        )
    if latest is None:
        return Check.failed(
            "vc.ledger.status_list",
            f"no publication of {url} by its issuer {issuer} is anchored in the ledger",
            "STATUS_VERIFICATION_ERROR",
            list=url,
        )
    anchored = latest.entry.payload
    if anchored["sha256"] != served_sha256:
        return Check.failed(
            "vc.ledger.status_list",
            f"the list served is not the latest anchored version ({anchored['version']}): stale or split view",
            "STATUS_VERIFICATION_ERROR",
            list=url,
            anchored_version=anchored["version"],
        )
    return Check.passed(
        "vc.ledger.status_list",
        f"the list is version {anchored['version']} as anchored at ledger entry {latest.index}",
        list=url,
        entry=latest.index,
    )


def check_issuance_time(
    client: LedgerClient,
    issuer: str,
    version: int,
    credential: dict[str, Any] | str,
    proofs: Sequence[BatchProof],
    *,
    now: datetime | None = None,
    trust_claimed_time: bool = False,
) -> Check:
    """``vc.ledger.anchor``: when the signing key has since been rotated out, an anchor must prove the issuance.

    A credential's ``created``/``validFrom``/``iat`` is the signer's word. While the key that signed is still in
    force that is as good as the key; once the key was rotated out (or the DID deactivated), only a batch anchor
    entered in the ledger *before* that event shows the credential was not backdated with a leaked old key.
    """
    try:
        events = client.proven_did_events(issuer)
        state = replay(issuer, [(e.entry, e.leaf) for e in events])
    except (LedgerError, StorageError) as exc:
        return Check.failed("vc.ledger.anchor", f"cannot prove the issuer's history: {exc.message}", "LEDGER_ERROR")
    if not 1 <= version <= state.version:
        return Check.failed("vc.ledger.anchor", f"the issuer has no key version {version}", "LEDGER_ERROR")
    # events[0] creates version 1; events[v] is the rotation (or deactivation) that ended version v
    ended_by = events[version] if version < len(events) else None
    if ended_by is not None and now is not None and ended_by.entry.timestamp > now.timestamp():
        ended_by = None  # verifying as of a moment before the retirement
    if ended_by is None:  # the common case: nothing to prove, no anchor to look up, no hash to compute
        presented = " (anchor proofs presented were not needed)" if proofs else ""
        return Check.skipped(
            "vc.ledger.anchor", f"key version {version} is still in force: the issuance time needs no proof{presented}"
        )
    digest = credential_hash(credential)
    matching = [p for p in proofs if p.credential == digest]
    if matching:
        found = _anchor_of(client, issuer, digest, matching)
        if isinstance(found, Check):
            return found
        when = datetime.fromtimestamp(found.entry.timestamp, UTC).isoformat()
        if found.index > ended_by.index:
            return Check.failed(
                "vc.ledger.anchor",
                f"anchored at ledger entry {found.index} ({when}), after key version {version} was retired at entry "
                f"{ended_by.index}: a retired key may not issue",
                "ISSUANCE_TIME_UNPROVEN",
                entry=found.index,
            )
        return Check.passed(
            "vc.ledger.anchor",
            f"issued no later than {when} (ledger entry {found.index}), before key version {version} was retired",
            entry=found.index,
            anchored_at=when,
        )
    retired = datetime.fromtimestamp(ended_by.entry.timestamp, UTC).isoformat()
    if trust_claimed_time:
        return Check.skipped(
            "vc.ledger.anchor",
            f"key version {version} was retired at {retired}; the claimed issuance time is trusted as configured",
        )
    return Check.failed(
        "vc.ledger.anchor",
        f"signed with key version {version}, retired at {retired} (ledger entry {ended_by.index}); without a batch "
        "anchor from before then the claimed issuance time is only the signer's word (a leaked old key could "
        "backdate credentials)",
        "ISSUANCE_TIME_UNPROVEN",
        retired_at=retired,
    )


def _anchor_of(client: LedgerClient, issuer: str, digest: bytes, proofs: Sequence[BatchProof]) -> ProvenEntry | Check:
    """The proven ledger entry anchoring one of ``proofs``' batches, or the failed check saying why not."""
    for proof in proofs:
        if not in_batch(digest, proof):
            return Check.failed(
                "vc.ledger.anchor",
                "the anchor proof does not lead from this credential to its batch root",
                "PROOF_VERIFICATION_ERROR",
            )
    roots = {(p.root.hex(), p.count) for p in proofs}
    try:
        for root, count in roots:
            for anchor in client.batch_anchors(issuer, root):
                if (anchor.entry.payload["root"], anchor.entry.payload["count"]) == (root, count):
                    return anchor
    except (LedgerError, StorageError) as exc:
        return Check.failed("vc.ledger.anchor", f"cannot prove the anchor: {exc.message}", "LEDGER_ERROR")
    return Check.failed(
        "vc.ledger.anchor", "no batch anchored by the issuer has this proof's root", "PROOF_VERIFICATION_ERROR"
    )
