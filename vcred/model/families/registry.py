"""The credential families vcred knows: type name, subject model, category, schema identity."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from vcred.model.families import subjects

VCRED_CONTEXT = "https://w3id.org/vcred/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
SCHEMA_BASE = "https://w3id.org/vcred/schemas/"
CATEGORIES = ("education", "board", "cme", "malpractice", "license")


@dataclass(frozen=True)
class Family:
    """One credential type and everything vcred knows about it."""

    type: str
    subject_model: builtins.type[BaseModel]
    category: str | None
    slug: str
    title: str

    @property
    def schema_id(self) -> str:
        """The ``$id`` of the family's JSON Schema (also its ``credentialSchema.id``)."""
        return f"{SCHEMA_BASE}{self.slug}/v1.json"

    @property
    def schema_file(self) -> str:
        """File name of the schema in ``schemas/``."""
        return f"{self.slug}.json"


FAMILIES: dict[str, Family] = {
    f.type: f
    for f in (
        Family(
            "MedicalDegreeCredential",
            subjects.MedicalDegreeSubject,
            "education",
            "medical-degree-credential",
            "Medical degree",
        ),
        Family(
            "GraduateTrainingCredential",
            subjects.GraduateTrainingSubject,
            "education",
            "graduate-training-credential",
            "Residency or fellowship",
        ),
        Family(
            "BoardCertificationCredential",
            subjects.BoardCertificationSubject,
            "board",
            "board-certification-credential",
            "Board certification",
        ),
        Family("CMECredential", subjects.CMESubject, "cme", "cme-credential", "CME certificate"),
        Family(
            "MalpracticeHistoryCredential",
            subjects.MalpracticeHistorySubject,
            "malpractice",
            "malpractice-history-credential",
            "Malpractice history",
        ),
        Family(
            "MedicalLicenseCredential",
            subjects.MedicalLicenseSubject,
            "license",
            "medical-license-credential",
            "Medical license",
        ),
        Family(
            "AccreditationCredential", subjects.AccreditationSubject, None, "accreditation-credential", "Accreditation"
        ),
    )
}


def family_of(credential: Any) -> Family | None:
    """The family of a credential (by its ``type``), or None."""
    if not isinstance(credential, dict):
        return None
    types = credential.get("type")
    for name in types if isinstance(types, list) else [types]:
        if isinstance(name, str) and name in FAMILIES:
            return FAMILIES[name]
    return None


def family_types(types: Any) -> list[str]:
    """The family types named in a credential's ``type`` (a credential may name one family, no more)."""
    names = types if isinstance(types, list) else [types]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n in FAMILIES))


def category_of(credential: Any) -> str | None:
    """The wallet category (education, board, cme, malpractice, license) of a credential, or None."""
    family = family_of(credential)
    return family.category if family else None


def types_in(category: str) -> tuple[str, ...]:
    """The credential types of a category."""
    return tuple(f.type for f in FAMILIES.values() if f.category == category)
