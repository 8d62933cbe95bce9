"""VC Data Model shape rules (2.0, and 1.1 for verifying legacy credentials): no crypto, no I/O.

``check_well_formed_credential`` returns the list of problems (empty when the document is well formed); each
problem starts with the JSON path it concerns, so callers can name the field.
"""

from __future__ import annotations

import re
from typing import Any

from vcred._time import parse_datetime_stamp

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+\Z")
_LANGUAGE_KEYS = {"@value", "@language", "@direction"}
_TYPED_OBJECTS = ("credentialStatus", "credentialSchema", "termsOfUse", "evidence", "refreshService")


def is_url(value: Any) -> bool:
    """True for an absolute URL/IRI string (scheme, colon, no whitespace)."""
    return isinstance(value, str) and len(value) <= 8192 and _URL.match(value) is not None


def as_list(value: Any) -> list[Any]:
    """A JSON value as a list (a single value becomes a one-item list)."""
    return value if isinstance(value, list) else [value]


def types_of(document: dict[str, Any]) -> list[str]:
    """The ``type`` values of a document that are strings."""
    return [t for t in as_list(document.get("type")) if isinstance(t, str)]


def _check_context(doc: dict[str, Any], problems: list[str]) -> str | None:
    context = doc.get("@context")
    if context is None:
        problems.append("@context: missing")
        return None
    items = as_list(context)
    if not items or items[0] not in (VC_V2, VC_V1):
        problems.append(f"@context: the first item must be {VC_V2}")
        return None
    for index, item in enumerate(items):
        if not (is_url(item) or isinstance(item, dict)):
            problems.append(f"@context[{index}]: must be a URL or a context object")
    return str(items[0])


def _check_language_value(path: str, value: Any, problems: list[str]) -> None:
    for item in as_list(value):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or "@value" not in item or set(item) - _LANGUAGE_KEYS:
            problems.append(f"{path}: must be a string or language value objects (@value, @language, @direction)")
            return


def _check_id(path: str, value: Any, problems: list[str]) -> None:
    if not is_url(value):
        problems.append(f"{path}: must be a single URL")


def _check_typed(path: str, value: Any, problems: list[str], *, need_id: bool = False) -> None:
    items = as_list(value)
    if not items:
        problems.append(f"{path}: must not be empty")
    for index, item in enumerate(items):
        where = path if not isinstance(value, list) else f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        if not item.get("type") or not all(isinstance(t, str) for t in as_list(item.get("type"))):
            problems.append(f"{where}.type: missing")
        if "id" in item or need_id:
            _check_id(f"{where}.id", item.get("id"), problems)


def check_well_formed_credential(doc: Any) -> list[str]:
    """Problems with a credential's shape under VC DM 2.0 (or 1.1 when its first context is the 1.1 one)."""
    if not isinstance(doc, dict):
        return ["credential: must be a JSON object"]
    problems: list[str] = []
    version = _check_context(doc, problems)
    if "id" in doc:
        _check_id("id", doc["id"], problems)
    types = doc.get("type")
    if types is None:
        problems.append("type: missing")
    elif not all(isinstance(t, str) for t in as_list(types)) or "VerifiableCredential" not in as_list(types):
        problems.append("type: must include VerifiableCredential")
    issuer = doc.get("issuer")
    if issuer is None:
        problems.append("issuer: missing")
    elif isinstance(issuer, dict):
        _check_id("issuer.id", issuer.get("id"), problems)
        for field in ("name", "description"):
            if field in issuer:
                _check_language_value(f"issuer.{field}", issuer[field], problems)
    else:
        _check_id("issuer", issuer, problems)
    _check_subjects(doc.get("credentialSubject"), problems)
    for field in ("name", "description"):
        if field in doc:
            _check_language_value(field, doc[field], problems)
    _check_validity(doc, version, problems)
    for field in _TYPED_OBJECTS:
        if field in doc:
            _check_typed(field, doc[field], problems, need_id=field == "credentialSchema")
    if "relatedResource" in doc:
        _check_related(doc["relatedResource"], problems)
    if "proof" in doc:
        _check_typed("proof", doc["proof"], problems)
    return problems


def _check_subjects(subjects: Any, problems: list[str]) -> None:
    if subjects is None:
        problems.append("credentialSubject: missing")
        return
    items = as_list(subjects)
    if not items:
        problems.append("credentialSubject: must not be empty")
    for index, subject in enumerate(items):
        where = "credentialSubject" if not isinstance(subjects, list) else f"credentialSubject[{index}]"
        if not isinstance(subject, dict) or not subject:
            problems.append(f"{where}: must be an object with at least one claim")
        elif "id" in subject:
            _check_id(f"{where}.id", subject["id"], problems)


def _check_validity(doc: dict[str, Any], version: str | None, problems: list[str]) -> None:
    names = ("validFrom", "validUntil") if version != VC_V1 else ("issuanceDate", "expirationDate")
    if version == VC_V1 and "issuanceDate" not in doc:
        problems.append("issuanceDate: required by VC 1.1")
    moments = {}
    for name in names:
        if name in doc:
            try:
                moments[name] = parse_datetime_stamp(doc[name])
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    if len(moments) == 2 and moments[names[0]] > moments[names[1]]:
        problems.append(f"{names[1]}: must not be before {names[0]}")


def _check_related(value: Any, problems: list[str]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(as_list(value)):
        where = f"relatedResource[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        _check_id(f"{where}.id", item.get("id"), problems)
        if item.get("id") in seen:
            problems.append(f"{where}.id: must be unique")
        seen.add(str(item.get("id")))
        if "digestSRI" not in item and "digestMultibase" not in item:
            problems.append(f"{where}: needs digestSRI or digestMultibase")


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer's id (``issuer`` may be a URL or an object with an ``id``)."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None
