"""Verification reports: every check named, ordered and coded, with a human reason.

Pure data. A verifier builds a report and never raises for bad input; ``raise_for_failure()`` is there for callers
who prefer exceptions.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vcred.errors import VerificationFailed


class CheckStatus(StrEnum):
    """Outcome of one check."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class Check(BaseModel):
    """One named check: ``id`` is stable (e.g. ``vc.proof.signature``), ``reason`` is for people."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: CheckStatus
    reason: str
    code: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the check passed. A skipped check is not a pass."""
        return self.status is CheckStatus.PASSED

    @classmethod
    def _make(cls, id: str, status: CheckStatus, reason: str, code: str | None, details: dict[str, Any]) -> Check:
        # Verifiers build many checks per document from trusted arguments: skip validation (model_construct is
        # itself ~5x slower than this and does the same for a model without defaults to fill).
        check = cls.__new__(cls)
        object.__setattr__(
            check, "__dict__", {"id": id, "status": status, "reason": reason, "code": code, "details": details}
        )
        object.__setattr__(check, "__pydantic_fields_set__", {"id", "status", "reason", "code", "details"})
        object.__setattr__(check, "__pydantic_extra__", None)
        object.__setattr__(check, "__pydantic_private__", None)
        return check

    @classmethod
    def passed(cls, id: str, reason: str, **details: Any) -> Check:
        """A passed check."""
        return cls._make(id, CheckStatus.PASSED, reason, None, details)

    @classmethod
    def failed(cls, id: str, reason: str, code: str | None = None, **details: Any) -> Check:
        """A failed check with the spec's problem code when there is one."""
        return cls._make(id, CheckStatus.FAILED, reason, code, details)

    @classmethod
    def skipped(cls, id: str, reason: str, **details: Any) -> Check:
        """A check that could not run, with why."""
        return cls._make(id, CheckStatus.SKIPPED, reason, None, details)


class _Report(BaseModel):
    checks: list[Check] = Field(default_factory=list)

    def check(self, check_id: str) -> Check | None:
        """The check with this id, or None."""
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def failures(self) -> list[Check]:
        """The checks that failed, in order."""
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON."""
        return json.dumps(self.model_dump(mode="json"), indent=indent)

    def raise_for_failure(self) -> None:
        """Raise :class:`vcred.errors.VerificationFailed` unless the report verified."""
        if not getattr(self, "verified", False):
            first = self.failures[0].reason if self.failures else "no check passed"
            raise VerificationFailed(f"verification failed: {first}", report=self)


class VerificationReport(_Report):
    """The result of verifying one credential.

    ``verified`` is true only when no check failed and the required checks passed.
    """

    verified: bool = False
    credential_id: str | None = None
    issuer: str | None = None
    types: list[str] = Field(default_factory=list)
    format: str | None = None
    credential: dict[str, Any] | None = Field(default=None, description="the verified credential's claims")


class PresentationReport(_Report):
    """The result of verifying a presentation, with a report per credential it holds."""

    verified: bool = False
    holder: str | None = None
    format: str | None = None
    credentials: list[VerificationReport] = Field(default_factory=list)
