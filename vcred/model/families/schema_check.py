"""VC JSON Schema check: a credential's ``credentialSchema`` resolved offline from the bundled schemas."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from vcred._time import parse_datetime_stamp
from vcred.model.credential import is_url
from vcred.report import Check


# Our own format checkers: jsonschema's need optional packages, and ours match what the VC data model requires
# (date-time must carry a timezone: XSD dateTimeStamp).
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or (bool(dt.date.fromisoformat(value)) and len(value) == 10)


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(parse_datetime_stamp(value))


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or is_url(value)


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date", raises=ValueError)(_is_date)
_FORMATS.checks("date-time", raises=ValueError)(_is_date_time)
_FORMATS.checks("uri")(_is_uri)


@cache
def bundled_schemas() -> dict[str, dict[str, Any]]:
    """Every bundled schema by its ``$id``."""
    schemas: dict[str, dict[str, Any]] = {}
    for entry in resources.files("vcred").joinpath("schemas").iterdir():
        if entry.name.endswith(".json"):
            schema = json.loads(entry.read_text("utf-8"))
            schemas[schema["$id"]] = schema
    return schemas


def _format(check: Any) -> Any:
    def checked(value: object) -> bool:
        try:
            return bool(check(value))
        except (ValueError, TypeError):
            return False

    return checked


@cache
def _fast_validator(schema_id: str) -> Any:
    """The same schema compiled by jsonschema-rs (Rust, ~50× faster), with the same format checks: it answers
    "valid or not" on the hot path; the reference validator explains a failure path by path."""
    import jsonschema_rs

    formats = {"date": _format(_is_date), "date-time": _format(_is_date_time), "uri": _format(_is_uri)}
    return jsonschema_rs.Draft202012Validator(bundled_schemas()[schema_id], formats=formats, validate_formats=True)


def schema_valid(credential: dict[str, Any], schema_id: str) -> bool:
    """True when ``credential`` matches the bundled schema ``schema_id`` (the fast validator's verdict)."""
    try:
        return bool(_fast_validator(schema_id).is_valid(credential))
    except Exception:  # a value the Rust validator cannot take (say, an integer beyond 64 bits): ask the reference
        return not schema_problems(credential, schema_id)


@cache
def _validator(schema_id: str) -> Draft202012Validator:
    schema = bundled_schemas()[schema_id]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_FORMATS)


def schema_problems(credential: dict[str, Any], schema_id: str) -> list[tuple[str, str]]:
    """(JSON pointer, message) for every violation of the bundled schema ``schema_id``."""
    validator = _validator(schema_id)
    problems = []
    for error in sorted(validator.iter_errors(credential), key=lambda e: list(map(str, e.absolute_path))):
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
        problems.append((pointer, error.message[:300]))
    return problems


def check_schema(credential: dict[str, Any]) -> Check:
    """Check ``vc.schema``: every ``credentialSchema`` of type JsonSchema, resolved from the bundled copies, and
    always the schema of the credential's family, whether or not it names one.

    A credential naming two families fails: each family is trusted and judged separately, so one credential cannot
    be two of them.
    """
    from vcred.model.families.registry import FAMILIES, family_types

    families = family_types(credential.get("type"))
    if len(families) > 1:
        return Check.failed(
            "vc.schema",
            f"the credential names {len(families)} credential families ({', '.join(families)}); one at most",
            "MALFORMED_VALUE_ERROR",
        )
    declared = credential.get("credentialSchema")
    if declared is None and not families:
        return Check.skipped("vc.schema", "the credential names no credentialSchema")
    entries = [] if declared is None else declared if isinstance(declared, list) else [declared]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "JsonSchema" or not isinstance(entry.get("id"), str):
            return Check.failed("vc.schema", "credentialSchema must be {id, type: JsonSchema}", "MALFORMED_VALUE_ERROR")
        if entry["id"] not in bundled_schemas():
            return Check.failed(
                "vc.schema",
                f"schema {entry['id'][:120]} is not bundled with vcred (schemas are never fetched)",
                "MALFORMED_VALUE_ERROR",
            )
    schema_ids = list(dict.fromkeys([*(e["id"] for e in entries), *(FAMILIES[f].schema_id for f in families)]))
    for schema_id in schema_ids:
        # a family schema requires credentialSchema to name it; one that does not is judged as if it did
        subject = credential if declared is not None else {**credential, "credentialSchema": _named(schema_id)}
        if schema_valid(subject, schema_id):
            continue
        # not valid: the reference validator names every problem (and a disagreement still fails, closed)
        problems = schema_problems(subject, schema_id) or [("/", "the credential does not match its schema")]
        if problems:
            pointer, message = problems[0]
            return Check.failed(
                "vc.schema",
                f"{pointer}: {message}",
                "MALFORMED_VALUE_ERROR",
                path=pointer,
                schema=schema_id,
                problems=[{"path": p, "message": m} for p, m in problems[:20]],
            )
    names = ", ".join(c.rsplit("/", 2)[-2] for c in schema_ids)
    return Check.passed("vc.schema", f"the credential matches {names}")


def _named(schema_id: str) -> dict[str, str]:
    return {"id": schema_id, "type": "JsonSchema"}
