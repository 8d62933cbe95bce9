"""Verifier-side ledger checks, each returning a Check (never raising for bad data)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vcred.errors import LedgerError, ResolutionError, StorageError
from vcred.ledger.anchors import BatchProof, in_batch
from vcred.ledger.log import LedgerClient
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


def check_status_list_anchored(client: LedgerClient, url: str, served_sha256: str) -> Check:
    """``vc.ledger.status_list``: the list the verifier was served is the latest version the issuer anchored."""
    try:
        latest = client.latest(url, "status-list")
    except (LedgerError, StorageError) as exc:
        return Check.failed(
            "vc.ledger.status_list", f"cannot prove the list's anchor: {exc.message}", "STATUS_VERIFICATION_ERROR"
        )
    if latest is None:
        return Check.failed(
            "vc.ledger.status_list",
            f"no publication of {url} is anchored in the ledger",
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


def check_batch_anchor(client: LedgerClient, issuer: str, credential: dict[str, Any] | str, proof: BatchProof) -> Check:
    """``vc.ledger.anchor``: the credential is in a batch whose root the issuer anchored (proves issuance time)."""
    if not in_batch(credential, proof):
        return Check.failed(
            "vc.ledger.anchor", "the credential is not in the batch the proof describes", "PROOF_VERIFICATION_ERROR"
        )
    try:
        anchors = [
            client.prove(s)
            for s in client.source.store.entries_about(issuer, ["batch-anchor"])
            if client.checkpoint and s.index < client.checkpoint.checkpoint.size
        ]
    except (LedgerError, StorageError) as exc:
        return Check.failed("vc.ledger.anchor", f"cannot prove the anchor: {exc.message}", "PROOF_VERIFICATION_ERROR")
    for anchor in anchors:
        if anchor.entry.payload["root"] == proof.root.hex() and anchor.entry.payload["count"] == proof.count:
            when = datetime.fromtimestamp(anchor.entry.timestamp, UTC).isoformat()
            return Check.passed(
                "vc.ledger.anchor",
                f"issued no later than {when} (ledger entry {anchor.index})",
                entry=anchor.index,
                anchored_at=when,
            )
    return Check.failed(
        "vc.ledger.anchor", "no anchored batch of this issuer has that root", "PROOF_VERIFICATION_ERROR"
    )
