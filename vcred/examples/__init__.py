"""Example credentials for one fictitious radiologist, used by the tests, the demo and the notebooks.

Everyone here is made up: Dr. Amara Okafor, her NPI (a valid check digit, assigned to no one we know of), and
the institutions. The certifying board and the accreditors carry the names of the real bodies whose role they play.
Issuers are given as DIDs by the caller, so each caller signs with its own keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from vcred.model.families import build_credential

RADIOLOGIST_NAME = "Dr. Amara Okafor"
RADIOLOGIST_NPI = "1234567893"

ISSUER_NAMES: dict[str, str] = {
    "school": "Northbridge University School of Medicine",
    "residency": "Lakeview Medical Center Diagnostic Radiology Residency",
    "fellowship": "Lakeview Medical Center Neuroradiology Fellowship",
    "board": "American Board of Radiology",
    "cme-a": "Great Lakes Imaging Education",
    "cme-b": "Society for Neuroimaging Education",
    "insurer": "Keystone Physicians Mutual Insurance",
    "license-board": "State Board for Medicine (New York)",
    "accme": "Accreditation Council for Continuing Medical Education (ACCME)",
    "lcme": "Liaison Committee on Medical Education (LCME)",
    "acgme": "Accreditation Council for Graduate Medical Education (ACGME)",
}
ISSUER_ROLES = tuple(ISSUER_NAMES)
CATEGORY_1 = "AMA PRA Category 1 Credit"

# (title, activity id, provider role, months before now, category 1 credits, SA-CME credits, topic)
CME_ACTIVITIES: tuple[tuple[str, str, str, int, str, str | None, str], ...] = (
    ("Advanced Neuroimaging of Stroke", "GLIE-2024-117", "cme-a", 2, "12.00", "12.00", "Neuroradiology"),
    ("Radiation Safety and Dose Optimization", "GLIE-2024-031", "cme-a", 5, "6.50", None, "Radiation safety"),
    ("Pediatric Neuroradiology Review", "SNE-2024-09", "cme-b", 9, "10.25", "10.25", "Neuroradiology"),
    ("AI in Diagnostic Imaging: Practical Validation", "GLIE-2024-202", "cme-a", 14, "8.00", None, "Informatics"),
    ("Head and Neck Imaging Update", "SNE-2023-22", "cme-b", 20, "15.00", "8.00", "Head and neck"),
    ("Spine MRI Essentials", "SNE-2022-14", "cme-b", 30, "9.00", None, "Spine imaging"),
)


def _months_before(now: dt.datetime, months: int) -> dt.date:
    return (now - dt.timedelta(days=round(30.44 * months))).date()


def _org(role: str, issuers: Mapping[str, str]) -> dict[str, str]:
    return {"id": issuers[role], "name": ISSUER_NAMES[role]}


def radiologist_credentials(issuers: Mapping[str, str], subject: str, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Unsigned credentials of every family for ``subject`` (the radiologist's DID), each with its issuer DID.

    ``issuers`` maps the roles in :data:`ISSUER_ROLES` to DIDs. Dates are relative to ``now``, so CME falls inside
    or outside a 24-month window the same way whenever the examples are built.
    """
    person = {"id": subject, "name": RADIOLOGIST_NAME, "npi": RADIOLOGIST_NPI}
    year = now.year
    start = now - dt.timedelta(days=1)
    out: list[dict[str, Any]] = []

    def add(kind: str, role: str, subject_data: dict[str, Any], **kw: Any) -> None:
        out.append(build_credential(kind, {**person, **subject_data}, issuer=issuers[role], valid_from=start, **kw))

    add(
        "MedicalDegreeCredential",
        "school",
        {
            "degree": "MD",
            "school": _org("school", issuers),
            "schoolAccreditor": _org("lcme", issuers),
            "conferralDate": f"{year - 14}-05-20",
            "country": "US",
        },
    )
    add(
        "GraduateTrainingCredential",
        "residency",
        {
            "trainingType": "residency",
            "program": _org("residency", issuers),
            "programId": "4203521187",
            "programAccreditor": _org("acgme", issuers),
            "specialty": "Diagnostic Radiology",
            "startDate": f"{year - 13}-07-01",
            "completionDate": f"{year - 8}-06-30",
            "completionStatus": "completed",
        },
    )
    add(
        "GraduateTrainingCredential",
        "fellowship",
        {
            "trainingType": "fellowship",
            "program": _org("fellowship", issuers),
            "programId": "4233521090",
            "programAccreditor": _org("acgme", issuers),
            "specialty": "Diagnostic Radiology",
            "subspecialty": "Neuroradiology",
            "startDate": f"{year - 8}-07-01",
            "completionDate": f"{year - 7}-06-30",
            "completionStatus": "completed",
        },
    )
    add(
        "BoardCertificationCredential",
        "board",
        {
            "certifyingBoard": _org("board", issuers),
            "specialty": "Diagnostic Radiology",
            "subspecialty": "Neuroradiology",
            "initialCertificationDate": f"{year - 7}-06-01",
            "certificationStatus": "certified",
            "maintenanceOfCertification": {
                "participating": True,
                "meetingRequirements": True,
                "periodStart": f"{year - 1}-01-01",
                "periodEnd": f"{year + 3}-12-31",
            },
        },
        valid_until=now + dt.timedelta(days=365),
    )
    for title, activity, role, months, cat1, sa, topic in CME_ACTIVITIES:
        credits = [{"creditType": CATEGORY_1, "amount": cat1}]
        if sa:
            credits.append({"creditType": "SA-CME", "amount": sa})
        add(
            "CMECredential",
            role,
            {
                "activityTitle": title,
                "activityId": activity,
                "provider": _org(role, issuers),
                "providerAccreditor": _org("accme", issuers),
                "credits": credits,
                "completionDate": _months_before(now, months).isoformat(),
                "topic": topic,
            },
        )
    add(
        "MalpracticeHistoryCredential",
        "insurer",
        {
            "carrier": _org("insurer", issuers),
            "policyNumber": "KPM-NY-0048213",
            "coveragePeriods": [
                {
                    "startDate": f"{year - 1}-01-01",
                    "endDate": f"{year}-12-31",
                    "perClaimLimit": {"amount": "1000000.00", "currency": "USD"},
                    "aggregateLimit": {"amount": "3000000.00", "currency": "USD"},
                },
                {
                    "startDate": f"{year - 6}-01-01",
                    "endDate": f"{year - 2}-12-31",
                    "perClaimLimit": {"amount": "1000000.00", "currency": "USD"},
                    "aggregateLimit": {"amount": "3000000.00", "currency": "USD"},
                },
            ],
            "reportPeriodStart": f"{year - 10}-01-01",
            "reportPeriodEnd": now.date().isoformat(),
            "asOfDate": now.date().isoformat(),
            "claims": [
                {
                    "incidentDate": f"{year - 5}-03-14",
                    "reportDate": f"{year - 5}-09-02",
                    "claimStatus": "closed",
                    "outcome": "dismissed",
                    "paidAmount": {"amount": "0.00", "currency": "USD"},
                }
            ],
            "noClaimsInPeriod": False,
        },
        valid_until=now + dt.timedelta(days=180),
    )
    add(
        "MedicalLicenseCredential",
        "license-board",
        {
            "issuingBoard": _org("license-board", issuers),
            "jurisdiction": "US-NY",
            "licenseNumber": "298811",
            "licenseType": "full",
            "licenseStatus": "active",
            "restrictions": [],
            "issueDate": f"{year - 8}-08-15",
            "expiryDate": f"{year + 1}-08-31",
        },
        valid_until=now + dt.timedelta(days=400),
    )
    return out


def accreditation_credentials(issuers: Mapping[str, str], *, now: dt.datetime) -> list[dict[str, Any]]:
    """Accreditations of the school (LCME), the programs (ACGME) and the CME providers (ACCME)."""
    start = now - dt.timedelta(days=3 * 365)
    until = now + dt.timedelta(days=2 * 365)
    grants = [
        ("lcme", "school", "medical-school"),
        ("acgme", "residency", "residency-program"),
        ("acgme", "fellowship", "residency-program"),
        ("accme", "cme-a", "cme-provider"),
        ("accme", "cme-b", "cme-provider"),
    ]
    return [
        build_credential(
            "AccreditationCredential",
            {
                "id": issuers[org],
                "name": ISSUER_NAMES[org],
                "accreditationScope": scope,
                "accreditationStatus": "accredited",
                "accreditationId": f"{accreditor.upper()}-{index:04d}",
            },
            issuer=issuers[accreditor],
            valid_from=start,
            valid_until=until,
        )
        for index, (accreditor, org, scope) in enumerate(grants, start=1)
    ]


def expected_category_1_credits(now: dt.datetime, months: int = 24) -> Decimal:
    """The example's AMA PRA Category 1 credits completed in the last ``months`` months (for tests)."""
    return sum((Decimal(a[4]) for a in CME_ACTIVITIES if a[3] <= months), Decimal(0))


def board_certification_example(
    *,
    issuer: str,
    subject: str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """One unsigned board certification credential (about 1.5 KB signed), for benchmarks and quick examples."""
    moment = now or dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    issuers = dict.fromkeys(ISSUER_ROLES, issuer)
    return next(
        c for c in radiologist_credentials(issuers, subject, now=moment) if "BoardCertificationCredential" in c["type"]
    )
