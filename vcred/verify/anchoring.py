"""Ledger checks in verify_credential: the issuer's DID history and the status lists' anchored versions."""

from __future__ import annotations

from typing import Any

from vcred._time import parse_datetime_stamp
from vcred.report import Check, CheckStatus, VerificationReport


def _issued_at(document: dict[str, Any]) -> Any:
    proof = document.get("proof")
    first = proof[0] if isinstance(proof, list) and proof else proof
    for value in ((first or {}).get("created") if isinstance(first, dict) else None, document.get("validFrom")):
        if isinstance(value, str):
            try:
                return parse_datetime_stamp(value)
            except ValueError:
                continue
    return None


def ledger_checks(document: dict[str, Any], client: Any, report: VerificationReport) -> list[Check]:
    """``vc.ledger.issuer`` and one ``vc.ledger.status_list`` per status list the report consulted."""
    from vcred.ledger.checks import check_issuer_anchored, check_status_list_anchored

    checks = [check_issuer_anchored(client, report.issuer, _issued_at(document))]
    for status in [c for c in report.checks if c.id.startswith("vc.status.")]:
        if status.status is CheckStatus.SKIPPED or "sha256" not in status.details:
            continue
        checks.append(check_status_list_anchored(client, status.details["list"], status.details["sha256"]))
    return checks
