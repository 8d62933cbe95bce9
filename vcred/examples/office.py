"""An example credentialing office: St. Mary's Hospital's trust registry and its radiology staff policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vcred.examples import ISSUER_NAMES

POLICY: dict[str, Any] = {
    "$schema": "https://w3id.org/vcred/schemas/credentialing-policy/v1.json",
    "id": "https://credentialing.stmarys.example/policies/diagnostic-radiology",
    "version": 3,
    "name": "St. Mary's Hospital — Diagnostic Radiology medical staff",
    "requireTrustedIssuers": True,
    "requirements": [
        {
            "id": "degree",
            "kind": "medical-degree",
            "degrees": ["MD", "DO"],
            "description": "An MD or DO from an accredited medical school",
        },
        {
            "id": "residency",
            "kind": "graduate-training",
            "trainingType": "residency",
            "specialty": "Diagnostic Radiology",
            "description": "Completed residency in diagnostic radiology",
        },
        {
            "id": "board",
            "kind": "board-certification",
            "specialty": "Diagnostic Radiology",
            "requireContinuingCertification": True,
            "description": "Active ABR certification in Diagnostic Radiology, continuing certification current",
        },
        {
            "id": "cme",
            "kind": "cme",
            "creditType": "AMA PRA Category 1 Credit",
            "minimum": "50",
            "windowMonths": 24,
            "description": "At least 50 AMA PRA Category 1 credits in the last 24 months",
        },
        {
            "id": "license",
            "kind": "license",
            "jurisdiction": "US-NY",
            "licenseTypes": ["full"],
            "unrestricted": True,
            "description": "An active, unrestricted New York medical license",
        },
        {
            "id": "malpractice",
            "kind": "malpractice",
            "maxOpenClaims": 0,
            "maxPaidClaims": 2,
            "lookbackYears": 10,
            "minPerClaimLimit": "1000000.00",
            "minAggregateLimit": "3000000.00",
            "currency": "USD",
            "description": "No open claims, at most 2 paid claims in 10 years, coverage of at least $1M/$3M",
        },
    ],
}


def trust_registry(issuers: Mapping[str, str]) -> dict[str, Any]:
    """The office's registry, given the DIDs of the example issuers (roles as in :data:`ISSUER_NAMES`)."""

    def named(role: str) -> dict[str, str]:
        return {"did": issuers[role], "name": ISSUER_NAMES[role]}

    return {
        "$schema": "https://w3id.org/vcred/schemas/trust-registry/v1.json",
        "id": "https://credentialing.stmarys.example/trust-registry",
        "version": 7,
        "name": "St. Mary's Hospital credentialing trust registry",
        "accreditors": [
            {**named("accme"), "scopes": ["cme-provider"]},
            {**named("lcme"), "scopes": ["medical-school"]},
            {**named("acgme"), "scopes": ["residency-program"]},
        ],
        "rules": [
            {"credentialType": "BoardCertificationCredential", "issuers": [named("board")]},
            {"credentialType": "MedicalLicenseCredential", "issuers": [named("license-board")]},
            {"credentialType": "MalpracticeHistoryCredential", "issuers": [named("insurer")]},
            {"credentialType": "CMECredential", "accreditedBy": {"scope": "cme-provider"}},
            {"credentialType": "MedicalDegreeCredential", "accreditedBy": {"scope": "medical-school"}},
            {"credentialType": "GraduateTrainingCredential", "accreditedBy": {"scope": "residency-program"}},
        ],
    }
