"""XML Schema dateTimeStamp parsing and formatting (timezone required, as VC 2.0 and Data Integrity demand)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DATE_TIME_STAMP = re.compile(
    r"^-?(?P<year>[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


def parse_datetime_stamp(value: object) -> datetime:
    """A timezone-aware datetime from an XSD dateTimeStamp string; ValueError for anything else."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("expected an XML Schema dateTimeStamp string")
    match = _DATE_TIME_STAMP.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an XML Schema dateTimeStamp (a timezone is required)")
    text = value.replace("Z", "+00:00")
    fraction = match.group("fraction")
    if fraction and len(fraction) > 7:  # Python keeps microseconds; extra precision is truncated, not an error
        text = text.replace(fraction, fraction[:7])
    if match.group("hour") == "24":
        raise ValueError(f"{value!r}: hour 24 is not supported")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date and time") from None
    return parsed


def format_datetime_stamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (whole seconds), the form vcred emits."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    """The current time; called only at the public API boundary when the caller passes no ``now``."""
    return datetime.now(UTC)


def require_aware(moment: datetime, name: str = "now") -> datetime:
    """Reject naive datetimes: a credential's validity depends on the zone."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        from vcred.errors import UsageError

        raise UsageError(f"{name} must be a timezone-aware datetime", hint="use datetime.now(timezone.utc)")
    return moment
