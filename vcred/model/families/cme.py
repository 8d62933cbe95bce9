"""Exact CME arithmetic: credits are decimals, summed over a completion-date window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from vcred.model.families.common import parse_amount


def cme_credits(credential: dict[str, Any], credit_type: str) -> Decimal:
    """Credits of ``credit_type`` one CME credential awards (0 when none; a malformed amount counts nothing)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return Decimal(0)
    total = Decimal(0)
    for award in subject.get("credits", []) or []:
        if isinstance(award, dict) and award.get("creditType") == credit_type:
            try:
                total += parse_amount(award.get("amount"))
            except ValueError:  # never "Infinity", "NaN" or a float: only the families' exact format counts
                continue
    return total


def completion_date(credential: dict[str, Any]) -> dt.date | None:
    """The CME activity's completion date, if well formed."""
    subject = credential.get("credentialSubject")
    value = subject.get("completionDate") if isinstance(subject, dict) else None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def sum_cme_credits(
    credentials: Iterable[dict[str, Any]], *, credit_type: str, window_start: dt.date, window_end: dt.date
) -> Decimal:
    """Exact sum of ``credit_type`` credits from CME credentials completed within [window_start, window_end].

    >>> c = {"type": ["VerifiableCredential", "CMECredential"], "credentialSubject": {"completionDate": "2026-01-05",
    ...      "credits": [{"creditType": "AMA PRA Category 1 Credit", "amount": "0.25"}]}}
    >>> sum_cme_credits([c, c, c], credit_type="AMA PRA Category 1 Credit",
    ...                 window_start=dt.date(2025, 1, 1), window_end=dt.date(2026, 12, 31))
    Decimal('0.75')
    """
    total = Decimal(0)
    for credential in credentials:
        types = credential.get("type")
        if "CMECredential" not in (types if isinstance(types, list) else [types]):
            continue
        done = completion_date(credential)
        if done is not None and window_start <= done <= window_end:
            total += cme_credits(credential, credit_type)
    return total
