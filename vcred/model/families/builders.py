"""Builders: typed subject data in, an unsigned VC 2.0 credential out (or a typed error naming the field)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from vcred._time import format_datetime_stamp, require_aware
from vcred.errors import InvalidCredentialError
from vcred.model.families.registry import FAMILIES, VC_V2, VCRED_CONTEXT
from vcred.model.families.semantics import semantic_problems


def _field_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    message = first["msg"]
    if message.startswith("Value error, ") and ":" in message:
        # model validators name their field first: "completionDate: must not be before startDate"
        named, _, rest = message[len("Value error, ") :].partition(":")
        path = ".".join(p for p in (path, named.strip()) if p)
        message = rest.strip()
    return path, message


def validate_subject(credential_type: str, subject: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """The subject as JSON data after checking it against its family model.

    Raises InvalidCredentialError with ``field`` set to ``credentialSubject.<path>``.
    """
    family = FAMILIES.get(credential_type)
    if family is None:
        raise InvalidCredentialError(f"unknown credential type {credential_type!r}", field="type")
    data = subject.model_dump(mode="json", exclude_none=True) if isinstance(subject, BaseModel) else subject
    try:
        model = family.subject_model.model_validate(data)
    except ValidationError as exc:
        path, message = _field_of(exc)
        field = f"credentialSubject.{path}" if path else "credentialSubject"
        raise InvalidCredentialError(f"{field}: {message}", field=field) from None
    result: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    problems = semantic_problems(credential_type, result)
    if problems:
        field, message = problems[0]
        raise InvalidCredentialError(f"{field}: {message}", field=field)
    return result


def build_credential(
    credential_type: str,
    subject: BaseModel | dict[str, Any],
    *,
    issuer: str | dict[str, Any],
    valid_from: datetime,
    valid_until: datetime | None = None,
    id: str | None = None,
    name: str | None = None,
    description: str | None = None,
    status: dict[str, Any] | list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 credential of a radiology family, referencing its JSON Schema.

    >>> from datetime import datetime, timezone
    >>> vc = build_credential("MedicalLicenseCredential", {
    ...     "id": "did:example:dr", "name": "Dr. A", "issuingBoard": {"name": "NY Board"}, "jurisdiction": "US-NY",
    ...     "licenseNumber": "123", "licenseType": "full", "licenseStatus": "active",
    ...     "issueDate": "2020-01-01", "expiryDate": "2027-01-01"},
    ...     issuer="did:example:board", valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> vc["type"]
    ['VerifiableCredential', 'MedicalLicenseCredential']
    """
    family = FAMILIES.get(credential_type)
    if family is None:
        raise InvalidCredentialError(f"unknown credential type {credential_type!r}", field="type")
    subject_data = validate_subject(credential_type, subject)
    start = require_aware(valid_from, "valid_from")
    credential: dict[str, Any] = {
        "@context": [VC_V2, VCRED_CONTEXT],
        "id": id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", credential_type],
        "issuer": issuer,
        "name": name or family.title,
        "validFrom": format_datetime_stamp(start),
    }
    if description:
        credential["description"] = description
    if valid_until is not None:
        end = require_aware(valid_until, "valid_until")
        if end < start:
            raise InvalidCredentialError("validUntil must not be before validFrom", field="validUntil")
        credential["validUntil"] = format_datetime_stamp(end)
    credential["credentialSubject"] = subject_data
    credential["credentialSchema"] = {"id": family.schema_id, "type": "JsonSchema"}
    if status is not None:
        credential["credentialStatus"] = status
    return credential
