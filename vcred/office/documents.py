"""The office's own documents: the trust registry and the credentialing policy (pydantic models + schemas).

Both are data an office keeps under version control; their JSON Schemas in ``schemas/`` are generated from these
models (``python -m vcred.model.families.generate``), so documents and code never disagree.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vcred._files import read_bounded
from vcred._json import DEFAULT_MAX_BYTES, parse_json
from vcred.errors import UsageError
from vcred.model.families.common import DID, URL, DecimalText, Text

SCHEMA_BASE = "https://w3id.org/vcred/schemas/"
Scope = Literal["cme-provider", "medical-school", "residency-program"]
LicenseType = Literal["full", "training", "temporary", "telemedicine", "limited"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NamedIssuer(_Doc):
    """An issuer the office accepts, by DID."""

    did: DID
    name: Text


class Accreditor(_Doc):
    """An accreditor the office trusts for some scopes (e.g. ACCME for CME providers)."""

    did: DID
    name: Text
    scopes: list[Scope] = Field(min_length=1)


class AccreditedBy(_Doc):
    """Accept issuers holding a valid accreditation of ``scope`` from a trusted accreditor."""

    scope: Scope


class TrustRule(_Doc):
    """Which issuers the office accepts for one credential type: listed DIDs and/or accredited issuers."""

    credentialType: Text
    issuers: list[NamedIssuer] = Field(default_factory=list)
    accreditedBy: AccreditedBy | None = None


class TrustRegistryDocument(_Doc):
    """A versioned trust registry."""

    schema_: str | None = Field(default=None, alias="$schema")
    id: URL
    version: int = Field(ge=1)
    name: Text
    accreditors: list[Accreditor] = Field(default_factory=list)
    rules: list[TrustRule] = Field(min_length=1)


class DegreeRequirement(_Doc):
    """A medical degree of an accepted kind (from an accredited school when the registry says so)."""

    id: Text
    kind: Literal["medical-degree"]
    description: Text
    degrees: list[Literal["MD", "DO", "MBBS", "MBChB", "MBBCh", "BMBS"]] = Field(min_length=1)


class TrainingRequirement(_Doc):
    """Completed residency (or fellowship) in a specialty."""

    id: Text
    kind: Literal["graduate-training"]
    description: Text
    trainingType: Literal["residency", "fellowship"]
    specialty: Text
    subspecialty: Text | None = None


class BoardRequirement(_Doc):
    """Active board certification in a specialty, optionally with current continuing certification."""

    id: Text
    kind: Literal["board-certification"]
    description: Text
    specialty: Text
    subspecialty: Text | None = None
    certifyingBoards: list[DID] = Field(default_factory=list, description="empty: any board the registry trusts")
    requireContinuingCertification: bool = True


class CMERequirement(_Doc):
    """At least ``minimum`` credits of a type completed in the last ``windowMonths`` months."""

    id: Text
    kind: Literal["cme"]
    description: Text
    creditType: Literal["AMA PRA Category 1 Credit", "AMA PRA Category 2 Credit", "SA-CME"]
    minimum: DecimalText
    windowMonths: int = Field(ge=1, le=120)


class LicenseRequirement(_Doc):
    """An active license in a jurisdiction, optionally unrestricted and of given types."""

    id: Text
    kind: Literal["license"]
    description: Text
    jurisdiction: str = Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
    licenseTypes: list[LicenseType] = Field(default_factory=lambda: list[LicenseType](["full"]))
    unrestricted: bool = True


class MalpracticeRequirement(_Doc):
    """Claims history and current coverage limits."""

    id: Text
    kind: Literal["malpractice"]
    description: Text
    maxOpenClaims: int = Field(ge=0)
    maxPaidClaims: int = Field(ge=0)
    lookbackYears: int = Field(ge=1, le=30)
    minPerClaimLimit: DecimalText
    minAggregateLimit: DecimalText
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    maxReportAgeDays: int = Field(default=120, ge=1)


Requirement = Annotated[
    DegreeRequirement
    | TrainingRequirement
    | BoardRequirement
    | CMERequirement
    | LicenseRequirement
    | MalpracticeRequirement,
    Field(discriminator="kind"),
]


class CredentialingPolicy(_Doc):
    """An office's requirements for a privilege (e.g. diagnostic radiology medical staff)."""

    schema_: str | None = Field(default=None, alias="$schema")
    id: URL
    version: int = Field(ge=1)
    name: Text
    requireTrustedIssuers: bool = True
    requirements: list[Requirement] = Field(min_length=1)

    def minimum(self, requirement_id: str) -> Decimal:
        """A CME requirement's minimum as a Decimal (for charts)."""
        for requirement in self.requirements:
            if isinstance(requirement, CMERequirement) and requirement.id == requirement_id:
                return Decimal(requirement.minimum)
        raise KeyError(requirement_id)


def _load(model: type[_Doc], source: str | Path | dict[str, object], what: str) -> _Doc:
    if isinstance(source, dict):
        data: object = source
    else:
        try:
            data = parse_json(read_bounded(Path(source), DEFAULT_MAX_BYTES))  # size and nesting bounded
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the {what} {source}: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"the {what} is invalid at {where}: {first['msg']}") from None


def load_policy(source: str | Path | dict[str, object]) -> CredentialingPolicy:
    """Read and validate a credentialing policy (a file path or parsed JSON). UsageError names the problem."""
    policy = _load(CredentialingPolicy, source, "policy")
    assert isinstance(policy, CredentialingPolicy)
    return policy


def load_registry_document(source: str | Path | dict[str, object]) -> TrustRegistryDocument:
    """Read and validate a trust registry document."""
    registry = _load(TrustRegistryDocument, source, "trust registry")
    assert isinstance(registry, TrustRegistryDocument)
    return registry


DOCUMENT_SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "credentialing-policy.json": (CredentialingPolicy, f"{SCHEMA_BASE}credentialing-policy/v1.json"),
    "trust-registry.json": (TrustRegistryDocument, f"{SCHEMA_BASE}trust-registry/v1.json"),
}
