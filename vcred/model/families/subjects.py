"""The credentialSubject of each radiology credential family, as primary sources state it.

Each model is paired with a JSON Schema in ``schemas/`` generated from it (``python -m vcred.model.families.generate``);
a test keeps the committed schemas equal to the generated ones, and the two cross-field rules below are written
into the schemas as ``if``/``then``, so model and schema accept exactly the same documents. Rules JSON Schema cannot
express (date order, the NPI check digit) live in :mod:`vcred.model.families.semantics`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from vcred.model.families.common import (
    DID,
    Country,
    DecimalText,
    Money,
    Organization,
    Strict,
    Subject,
    Text,
)

RadiologySpecialty = Literal[
    "Diagnostic Radiology",
    "Interventional Radiology and Diagnostic Radiology",
    "Radiation Oncology",
    "Medical Physics",
    "Nuclear Medicine",
]
RadiologySubspecialty = Literal[
    "Neuroradiology",
    "Pediatric Radiology",
    "Nuclear Radiology",
    "Vascular and Interventional Radiology",
    "Body Imaging",
    "Breast Imaging",
    "Musculoskeletal Radiology",
    "Cardiothoracic Radiology",
    "Hospice and Palliative Medicine",
    "Pain Medicine",
]


class MedicalDegreeSubject(Subject):
    """A medical degree conferred by a school, with the school's accreditor."""

    degree: Literal["MD", "DO", "MBBS", "MBChB", "MBBCh", "BMBS"]
    school: Organization
    schoolAccreditor: Organization = Field(description="e.g. LCME (MD), COCA (DO), or a national equivalent")
    conferralDate: dt.date
    country: Country


class GraduateTrainingSubject(Subject):
    """Residency or fellowship training in a program, as the program states it."""

    trainingType: Literal["residency", "fellowship"]
    program: Organization
    programId: Text = Field(description="ACGME (or equivalent) program identifier")
    programAccreditor: Organization
    specialty: RadiologySpecialty
    subspecialty: RadiologySubspecialty | None = None
    startDate: dt.date
    completionDate: dt.date | None = None
    completionStatus: Literal["completed", "in-progress", "withdrawn", "dismissed"]

    @model_validator(mode="after")
    def _completed_has_date(self) -> GraduateTrainingSubject:
        if self.completionStatus == "completed" and self.completionDate is None:
            raise ValueError("completionDate: required when completionStatus is 'completed'")
        return self


class MaintenanceOfCertification(Strict):
    """Continuing certification (MOC / OLA) participation and its current period."""

    participating: bool
    meetingRequirements: bool
    periodStart: dt.date
    periodEnd: dt.date


class BoardCertificationSubject(Subject):
    """A board's statement of a radiologist's certification."""

    certifyingBoard: Organization
    specialty: RadiologySpecialty
    subspecialty: RadiologySubspecialty | None = None
    initialCertificationDate: dt.date
    certificationStatus: Literal["certified", "not-certified", "expired", "revoked", "suspended", "inactive"]
    maintenanceOfCertification: MaintenanceOfCertification | None = None


class CreditAward(Strict):
    """Credits of one type awarded for an activity (exact decimal)."""

    creditType: Literal["AMA PRA Category 1 Credit", "AMA PRA Category 2 Credit", "SA-CME"]
    amount: DecimalText

    @property
    def value(self) -> Decimal:
        """The amount as a Decimal."""
        return Decimal(self.amount)


class CMESubject(Subject):
    """A CME certificate for one completed activity."""

    activityTitle: Text
    activityId: Text
    provider: Organization
    providerAccreditor: Organization = Field(description="e.g. ACCME")
    credits: list[CreditAward] = Field(min_length=1, max_length=4)
    completionDate: dt.date
    topic: Text


class CoveragePeriod(Strict):
    """A policy period with its limits."""

    startDate: dt.date
    endDate: dt.date
    perClaimLimit: Money
    aggregateLimit: Money


class MalpracticeClaim(Strict):
    """One professional liability claim."""

    incidentDate: dt.date
    reportDate: dt.date
    claimStatus: Literal["open", "closed"]
    outcome: Literal["pending", "dismissed", "withdrawn", "settled", "judgment-for-plaintiff", "judgment-for-defendant"]
    paidAmount: Money


class MalpracticeHistorySubject(Subject):
    """An insurer's claims history for a radiologist: coverage, claims, or an explicit no-claims attestation."""

    carrier: Organization
    policyNumber: Text
    coveragePeriods: list[CoveragePeriod] = Field(min_length=1, max_length=50)
    reportPeriodStart: dt.date
    reportPeriodEnd: dt.date
    asOfDate: dt.date
    claims: list[MalpracticeClaim] = Field(max_length=200)
    noClaimsInPeriod: bool = Field(description="true exactly when the report period has no claims")

    @model_validator(mode="after")
    def _attestation(self) -> MalpracticeHistorySubject:
        if self.noClaimsInPeriod != (not self.claims):
            raise ValueError("noClaimsInPeriod: must be true exactly when claims is empty")
        return self


class MedicalLicenseSubject(Subject):
    """A licensing board's statement of a license to practise medicine."""

    issuingBoard: Organization
    jurisdiction: str = Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", description="ISO 3166 code, e.g. US-NY")
    licenseNumber: Text
    licenseType: Literal["full", "training", "temporary", "telemedicine", "limited"]
    licenseStatus: Literal["active", "inactive", "expired", "suspended", "revoked", "probation"]
    restrictions: list[Text] = Field(default_factory=list, max_length=20)
    issueDate: dt.date
    expiryDate: dt.date


class AccreditationSubject(Strict):
    """An accreditor's statement that an organisation (CME provider, school, program) is accredited."""

    id: DID = Field(description="the accredited organisation's DID")
    name: Text
    accreditationScope: Literal["cme-provider", "medical-school", "residency-program"]
    accreditationStatus: Literal["accredited", "provisional", "probation", "withdrawn"]
    accreditationId: Text | None = None
