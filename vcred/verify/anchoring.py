"""Ledger checks in verify_credential: the issuer's DID history and the status lists' anchored versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vcred.report import Check, VerificationReport
from vcred.verify.common import ListSeen


def ledger_checks(
    document: dict[str, Any],
    client: Any,
    report: VerificationReport,
    *,
    secured: dict[str, Any] | str,
    now: datetime | None = None,
    anchor_proofs: Sequence[Any] = (),
    trust_claimed_issuance_time: bool = False,
    key_moment: datetime | None = None,
    lists_seen: Sequence[ListSeen] = (),
) -> list[Check]:
    """``vc.ledger.issuer``, ``vc.ledger.anchor`` and one ``vc.ledger.status_list`` per status list consulted.

    ``secured`` is the credential as signed (the document with its proof, or the vc+jwt token); ``anchor_proofs``
    are batch proofs the holder presented (BatchProof or their JSON), matched to it by its hash. ``key_moment`` is
    the moment the proof step looked the signing key up for (one time per decision): the issuer's history is checked
    for exactly that key, never for a moment another claim (an ``iat`` beside a Data Integrity proof) suggests.
    """
    from vcred.ledger.checks import check_issuance_time, check_issuer_anchored, check_status_list_anchored

    issuer_check = check_issuer_anchored(client, report.issuer, key_moment)
    checks = [issuer_check]
    if issuer_check.ok and report.issuer and "version" in issuer_check.details:
        proofs, bad = _parse_proofs(anchor_proofs)
        if bad:
            checks.append(Check.failed("vc.ledger.anchor", bad, "MALFORMED_VALUE_ERROR"))
        else:
            checks.append(
                check_issuance_time(
                    client,
                    report.issuer,
                    int(issuer_check.details["version"]),
                    secured,
                    proofs,
                    now=now,
                    trust_claimed_time=trust_claimed_issuance_time,
                )
            )
    for seen in lists_seen:
        checks.append(check_status_list_anchored(client, seen.url, seen.sha256, issuer=seen.issuer))
    return checks


def _parse_proofs(values: Sequence[Any]) -> tuple[list[Any], str | None]:
    from vcred.errors import LedgerError
    from vcred.ledger.anchors import BatchProof

    proofs = []
    for value in values:
        try:
            proofs.append(BatchProof.coerce(value))
        except LedgerError as exc:
            return [], f"an anchor proof is malformed: {exc.message}"
    return proofs, None
