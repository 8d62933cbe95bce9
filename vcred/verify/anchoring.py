"""Ledger checks in verify_credential: the issuer's DID history and the status lists' anchored versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vcred.report import Check, CheckStatus, VerificationReport


def _key_moment(report: VerificationReport) -> datetime | None:
    """The moment the proof step looked the signing key up for (one time per decision).

    The issuer's key history is checked for exactly the key that verified the signature: the ``created`` of a Data
    Integrity proof, the ``iat`` of a vc+jwt, as the proof step used them. No other claim (``iat`` beside a Data
    Integrity proof, ``validFrom``) may pick another key version. With a proof set, the earliest moment decides:
    its key is the oldest, and an old key is the one a thief may hold.
    """
    moments: list[datetime] = []
    for check in report.checks:
        if check.status is not CheckStatus.PASSED or not check.id.endswith(".verification_method"):
            continue
        value = check.details.get("key_as_of")
        if isinstance(value, str):
            try:
                moments.append(datetime.fromisoformat(value))
            except ValueError:
                continue
    return min(moments) if moments else None


def ledger_checks(
    document: dict[str, Any],
    client: Any,
    report: VerificationReport,
    *,
    secured: dict[str, Any] | str,
    now: datetime | None = None,
    anchor_proofs: Sequence[Any] = (),
    trust_claimed_issuance_time: bool = False,
) -> list[Check]:
    """``vc.ledger.issuer``, ``vc.ledger.anchor`` and one ``vc.ledger.status_list`` per status list consulted.

    ``secured`` is the credential as signed (the document with its proof, or the vc+jwt token); ``anchor_proofs``
    are batch proofs the holder presented (BatchProof or their JSON), matched to it by its hash.
    """
    from vcred.ledger.checks import check_issuance_time, check_issuer_anchored, check_status_list_anchored

    issuer_check = check_issuer_anchored(client, report.issuer, _key_moment(report))
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
    for status in [c for c in report.checks if c.id.startswith("vc.status.")]:
        if status.status is CheckStatus.SKIPPED or "sha256" not in status.details:
            continue
        checks.append(
            check_status_list_anchored(
                client, status.details["list"], status.details["sha256"], issuer=status.details.get("issuer")
            )
        )
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
