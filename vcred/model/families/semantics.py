"""Rules JSON Schema cannot express: date order and the NPI check digit. Builders enforce them."""

from __future__ import annotations

from typing import Any

from vcred.model.families.common import npi_is_valid

# (earlier field, later field) pairs, per subject path
_ORDER = {
    "GraduateTrainingCredential": [("startDate", "completionDate")],
    "MalpracticeHistoryCredential": [("reportPeriodStart", "reportPeriodEnd")],
    "MedicalLicenseCredential": [("issueDate", "expiryDate")],
    "BoardCertificationCredential": [],
}


def semantic_problems(credential_type: str, subject: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every rule the subject breaks; dates are ISO strings, so string order is date order."""
    problems: list[tuple[str, str]] = []
    npi = subject.get("npi")
    if isinstance(npi, str) and not npi_is_valid(npi):
        problems.append(("credentialSubject.npi", "not a valid NPI (wrong check digit)"))
    for earlier, later in _ORDER.get(credential_type, []):
        if earlier in subject and later in subject and subject[later] < subject[earlier]:
            problems.append((f"credentialSubject.{later}", f"must not be before {earlier}"))
    for index, period in enumerate(subject.get("coveragePeriods", []) or []):
        if isinstance(period, dict) and period.get("endDate", "") < period.get("startDate", ""):
            problems.append((f"credentialSubject.coveragePeriods.{index}.endDate", "must not be before startDate"))
    moc = subject.get("maintenanceOfCertification")
    if isinstance(moc, dict) and moc.get("periodEnd", "") < moc.get("periodStart", ""):
        problems.append(("credentialSubject.maintenanceOfCertification.periodEnd", "must not be before periodStart"))
    return problems
