"""Building blocks shared by the credential families: identifiers, organisations, money, dates, NPI."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

DID = Annotated[str, StringConstraints(pattern=r"^did:[a-z0-9]+:[A-Za-z0-9._:%\-]+$", max_length=2048)]
URL = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$", max_length=2048)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=False)]
DECIMAL_PATTERN = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
DecimalText = Annotated[str, StringConstraints(pattern=DECIMAL_PATTERN)]
"""A non-negative decimal with at most two fractional digits, as a string (exact: never a float)."""


def parse_amount(value: object) -> Decimal:
    """An amount of the families' format (credits, money) as an exact Decimal: finite, non-negative, at most two
    decimals, written as a string. ValueError for anything else ("NaN", "Infinity", "1e3", "-1", floats).

    >>> parse_amount("12.50"), parse_amount("0")
    (Decimal('12.50'), Decimal('0'))
    """
    if not isinstance(value, str) or re.fullmatch(DECIMAL_PATTERN, value) is None:
        raise ValueError(f"not an amount of the form 12 or 12.50: {str(value)[:40]!r}")
    return Decimal(value)


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit (Luhn over the 80840 prefix), per CMS's NPI standard."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


NPI = Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
"""Ten digits; the check digit is verified by :mod:`vcred.model.families.semantics` (JSON Schema cannot)."""


class Strict(BaseModel):
    """Base for family models: unknown fields are an error (the schemas say additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Organization(Strict):
    """An institution: its name and, when it has one, its DID or URL."""

    id: URL | None = None
    name: Text


class Money(Strict):
    """An exact amount of money in a currency."""

    amount: DecimalText
    currency: Currency = "USD"

    @property
    def value(self) -> Decimal:
        """The amount as a Decimal."""
        return Decimal(self.amount)


class Subject(Strict):
    """What every radiology credential says about its subject: the radiologist's DID, name and (optional) NPI."""

    id: DID = Field(description="the radiologist's DID")
    name: Text
    npi: NPI | None = None
