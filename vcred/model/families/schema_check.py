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


JSON_SCHEMA = "JsonSchema"
JSON_SCHEMA_CREDENTIAL = "JsonSchemaCredential"
_MALFORMED = "MALFORMED_VALUE_ERROR"


def check_schema(credential: dict[str, Any]) -> Check:
    """Check ``vc.schema``: every ``credentialSchema`` of type JsonSchema, resolved from the bundled copies, and
    always the schema of the credential's family, whether or not it names one.

    Every ``credentialSchema`` needs a type and an ``id`` that is a URL (VC DM 2.0 §4.11). Validity under a schema
    of another type is determined by that type's own rules, which vcred does not implement: such entries are listed
    in the check's ``not_checked`` detail and its reason, never failed and never counted as validated. A check that
    validated nothing is skipped.

    A credential naming two families fails: each family is trusted and judged separately, so one credential cannot
    be two of them.
    """
    from vcred.model.families.registry import FAMILIES, family_types

    families = family_types(credential.get("type"))
    if len(families) > 1:
        return Check.failed(
            "vc.schema",
            f"the credential names {len(families)} credential families ({', '.join(families)}); one at most",
            _MALFORMED,
        )
    declared = credential.get("credentialSchema")
    if declared is None and not families:
        return Check.skipped("vc.schema", "the credential names no credentialSchema")
    entries = [] if declared is None else declared if isinstance(declared, list) else [declared]
    json_schemas: list[str] = []
    not_checked: list[dict[str, str]] = []
    for index, entry in enumerate(entries):
        types = _types(entry)
        if not types or not is_url(entry.get("id")):
            where = "credentialSchema" if not isinstance(declared, list) else f"credentialSchema[{index}]"
            return Check.failed(
                "vc.schema", f"{where} must be an object with a type and an id that is a URL", _MALFORMED
            )
        if JSON_SCHEMA not in types:
            not_checked.append({"id": entry["id"][:200], "type": ", ".join(types)[:200]})
            continue
        if entry["id"] not in bundled_schemas():
            return Check.failed(
                "vc.schema",
                f"schema {entry['id'][:120]} is not bundled with vcred (schemas are never fetched)",
                _MALFORMED,
            )
        json_schemas.append(entry["id"])
    schema_ids = list(dict.fromkeys([*json_schemas, *(FAMILIES[f].schema_id for f in families)]))
    unchecked = {"not_checked": not_checked} if not_checked else {}
    if not schema_ids:
        return Check.skipped("vc.schema", f"not checked: {_not_checked_reason(not_checked)}", **unchecked)
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
                _MALFORMED,
                path=pointer,
                schema=schema_id,
                problems=[{"path": p, "message": m} for p, m in problems[:20]],
                **unchecked,
            )
    names = ", ".join(c.rsplit("/", 2)[-2] for c in schema_ids)
    also = f"; not checked: {_not_checked_reason(not_checked)}" if not_checked else ""
    return Check.passed("vc.schema", f"the credential matches {names}{also}", **unchecked)


def _types(entry: object) -> list[str]:
    """The type names of a credentialSchema entry, or [] when it has none (or one that is not a string)."""
    if not isinstance(entry, dict):
        return []
    types = entry.get("type")
    items = types if isinstance(types, list) else [types]
    names = [t for t in items if isinstance(t, str) and t]
    return names if names and len(names) == len(items) else []


def _not_checked_reason(entries: list[dict[str, str]]) -> str:
    """Why the schemas in ``entries`` were not checked, naming each."""
    named = "; ".join(f"{e['id']} ({e['type']})" for e in entries[:3]) + (" …" if len(entries) > 3 else "")
    if all(e["type"] == JSON_SCHEMA_CREDENTIAL for e in entries):
        why = "a JsonSchemaCredential holds its schema in another credential, which vcred does not retrieve"
    else:
        why = "vcred validates credentialSchema of type JsonSchema only; other types follow their own rules"
    return f"{why}: {named}"


def _named(schema_id: str) -> dict[str, str]:
    return {"id": schema_id, "type": "JsonSchema"}
