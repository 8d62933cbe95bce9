"""evaluate(): a verified presentation against an office's credentialing policy, requirement by requirement.

Only credentials that verified (and, unless the policy says otherwise, whose issuer the trust registry accepted)
count as evidence. Each requirement is met, not met (with the reason, including a presented credential that failed
verification — suspended, revoked, expired) or not evidenced. Money and credits are exact decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from vcred._time import require_aware
from vcred.errors import UsageError
from vcred.model.families.cme import cme_credits, completion_date
from vcred.policy.documents import (
    BoardRequirement,
    CMERequirement,
    CredentialingPolicy,
    DegreeRequirement,
    LicenseRequirement,
    MalpracticeRequirement,
    TrainingRequirement,
    load_policy,
)
from vcred.report import CheckStatus, PresentationReport, VerificationReport


class Outcome(StrEnum):
    """A requirement's outcome."""

    MET = "met"
    NOT_MET = "not met"
    NOT_EVIDENCED = "not evidenced"


class Evidence(BaseModel):
    """A credential used as evidence."""

    credential_id: str | None
    types: list[str]
    issuer: str | None
    detail: str = ""


class RequirementResult(BaseModel):
    """One requirement's outcome, with the evidence and a plain-language reason."""

    id: str
    description: str
    outcome: Outcome
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class CredentialingDecision(BaseModel):
    """The office's decision: approved only when the presentation verified and every requirement is met."""

    approved: bool
    policy: str
    policy_version: int
    holder: str | None
    decided_at: str
    presentation_verified: bool
    presentation_problems: list[str] = Field(default_factory=list)
    requirements: list[RequirementResult]
    warnings: list[str] = Field(default_factory=list)

    @property
    def unmet(self) -> list[RequirementResult]:
        """Requirements that are not met or not evidenced."""
        return [r for r in self.requirements if r.outcome is not Outcome.MET]


def _subject(report: VerificationReport) -> dict[str, Any]:
    subject = (report.credential or {}).get("credentialSubject")
    return subject if isinstance(subject, dict) else {}


def _trusted(report: VerificationReport) -> bool | None:
    check = report.check("vc.trust")
    return None if check is None else check.status is CheckStatus.PASSED


def _evidence(report: VerificationReport, detail: str = "") -> Evidence:
    return Evidence(credential_id=report.credential_id, types=report.types, issuer=report.issuer, detail=detail)


class _Pool:
    """The presented credentials, split into usable evidence and the ones that failed (with why)."""

    def __init__(self, report: PresentationReport, require_trust: bool) -> None:
        self.usable: list[VerificationReport] = []
        self.rejected: list[tuple[VerificationReport, str]] = []
        self.trust_unchecked = False
        seen: set[tuple[str, str]] = set()
        for cred in report.credentials:
            trusted = _trusted(cred)
            if cred.verified and _seen_before(cred, seen):
                continue  # the same credential presented again is the same evidence, counted once
            if not cred.verified:
                why = cred.failures[0].reason if cred.failures else "it did not verify"
                self.rejected.append((cred, why))
            elif require_trust and trusted is None:
                self.trust_unchecked = True
                self.rejected.append((cred, "its issuer's trust was not checked (no trust registry given)"))
            else:
                self.usable.append(cred)

    def of(self, credential_type: str) -> list[VerificationReport]:
        return [c for c in self.usable if credential_type in c.types]

    def failed(self, credential_type: str) -> list[tuple[VerificationReport, str]]:
        return [(c, why) for c, why in self.rejected if credential_type in c.types]


def _seen_before(report: VerificationReport, seen: set[tuple[str, str]]) -> bool:
    """True when a credential with the same id or the same content was already taken (and remember this one)."""
    from vcred.ledger.anchors import credential_hash

    credential = report.credential or {}
    names = {("hash", credential_hash(credential).hex())}
    if isinstance(credential.get("id"), str):
        names.add(("id", credential["id"]))
    repeated = bool(names & seen)
    seen |= names
    return repeated


def _missing(requirement: Any, pool: _Pool, credential_type: str, what: str) -> RequirementResult:
    failed = pool.failed(credential_type)
    if failed:
        cred, why = failed[0]
        return RequirementResult(
            id=requirement.id,
            description=requirement.description,
            outcome=Outcome.NOT_MET,
            reason=f"the {what} presented cannot be relied on: {why}",
            evidence=[_evidence(cred, why)],
        )
    return RequirementResult(
        id=requirement.id,
        description=requirement.description,
        outcome=Outcome.NOT_EVIDENCED,
        reason=f"no {what} was presented",
    )


def _result(requirement: Any, met: bool, reason: str, evidence: list[Evidence], **data: Any) -> RequirementResult:
    return RequirementResult(
        id=requirement.id,
        description=requirement.description,
        outcome=Outcome.MET if met else Outcome.NOT_MET,
        reason=reason,
        evidence=evidence,
        data=data,
    )


def _degree(req: DegreeRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = pool.of("MedicalDegreeCredential")
    if not creds:
        return _missing(req, pool, "MedicalDegreeCredential", "medical degree")
    good = [c for c in creds if _subject(c).get("degree") in req.degrees]
    if good:
        s = _subject(good[0])
        school = (s.get("school") or {}).get("name", "the school")
        return _result(
            req, True, f"{s.get('degree')} from {school}, conferred {s.get('conferralDate')}", [_evidence(good[0])]
        )
    found = ", ".join(sorted({str(_subject(c).get("degree")) for c in creds}))
    return _result(req, False, f"degree {found} is not one of {', '.join(req.degrees)}", [_evidence(creds[0])])


def _training(req: TrainingRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = [c for c in pool.of("GraduateTrainingCredential") if _subject(c).get("trainingType") == req.trainingType]
    if not creds:
        return _missing(req, pool, "GraduateTrainingCredential", req.trainingType)
    for cred in creds:
        s = _subject(cred)
        if s.get("specialty") == req.specialty and (req.subspecialty in (None, s.get("subspecialty"))):
            if s.get("completionStatus") == "completed":
                program = (s.get("program") or {}).get("name", "the program")
                return _result(
                    req,
                    True,
                    f"{req.trainingType} in {req.specialty} completed {s.get('completionDate')} at {program}",
                    [_evidence(cred)],
                )
            return _result(
                req, False, f"the {req.trainingType} is {s.get('completionStatus')}, not completed", [_evidence(cred)]
            )
    return _result(req, False, f"no {req.trainingType} in {req.specialty}", [_evidence(c) for c in creds])


def _board(req: BoardRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = [
        c
        for c in pool.of("BoardCertificationCredential")
        if not req.certifyingBoards or c.issuer in req.certifyingBoards
    ]
    if not creds:
        return _missing(req, pool, "BoardCertificationCredential", f"board certification in {req.specialty}")
    matching = [
        c
        for c in creds
        if _subject(c).get("specialty") == req.specialty and req.subspecialty in (None, _subject(c).get("subspecialty"))
    ]
    if not matching:
        return _result(req, False, f"no certification in {req.specialty}", [_evidence(c) for c in creds])
    cred = matching[0]
    s = _subject(cred)
    board = (s.get("certifyingBoard") or {}).get("name", "the board")
    if s.get("certificationStatus") != "certified":
        return _result(
            req, False, f"{board} reports the certification as {s.get('certificationStatus')}", [_evidence(cred)]
        )
    if req.requireContinuingCertification:
        moc = s.get("maintenanceOfCertification") or {}
        end = moc.get("periodEnd")
        if not (
            moc.get("participating")
            and moc.get("meetingRequirements")
            and isinstance(end, str)
            and end >= today.isoformat()
        ):
            return _result(req, False, f"{board} does not report current continuing certification", [_evidence(cred)])
    return _result(
        req,
        True,
        f"certified by {board} in {req.specialty} since {s.get('initialCertificationDate')}"
        + (", continuing certification current" if req.requireContinuingCertification else ""),
        [_evidence(cred)],
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def _cme(req: CMERequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    start = _add_months(today, -req.windowMonths)
    if not pool.of("CMECredential") and not pool.failed("CMECredential"):
        return _missing(req, pool, "CMECredential", "CME certificate")
    counted: list[tuple[VerificationReport, dt.date, Decimal]] = []
    outside = Decimal(0)
    activities: set[str] = set()
    for cred in pool.of("CMECredential"):
        activity = str(_subject(cred).get("activityId"))
        if activity in activities:
            continue  # one activity earns its credits once, however many certificates name it
        activities.add(activity)
        done = completion_date(cred.credential or {})
        credits = cme_credits(cred.credential or {}, req.creditType)
        if done is None or credits == 0:
            continue
        if start <= done <= today:
            counted.append((cred, done, credits))
        else:
            outside += credits
    total = sum((c for _, _, c in counted), Decimal(0))
    minimum = Decimal(req.minimum)
    reason = f"{total} {req.creditType} credits completed since {start.isoformat()} (minimum {minimum})"
    if outside:
        reason += f"; {outside} more fall outside the {req.windowMonths}-month window"
    failed = pool.failed("CMECredential")
    if total < minimum and failed:
        reason += f"; {len(failed)} CME certificate(s) could not be relied on ({failed[0][1]})"
    evidence = [
        _evidence(c, f"{credits} on {done.isoformat()}") for c, done, credits in sorted(counted, key=lambda x: x[1])
    ]
    return _result(
        req,
        total >= minimum,
        reason,
        evidence,
        total=str(total),
        minimum=str(minimum),
        window_start=start.isoformat(),
        series=[{"date": d.isoformat(), "credits": str(c)} for _, d, c in sorted(counted, key=lambda x: x[1])],
    )


def _license(req: LicenseRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = [c for c in pool.of("MedicalLicenseCredential") if _subject(c).get("jurisdiction") == req.jurisdiction]
    if not creds:
        return _missing(req, pool, "MedicalLicenseCredential", f"license in {req.jurisdiction}")
    cred = creds[0]
    s = _subject(cred)
    if s.get("licenseStatus") != "active":
        return _result(req, False, f"the {req.jurisdiction} license is {s.get('licenseStatus')}", [_evidence(cred)])
    if s.get("licenseType") not in req.licenseTypes:
        return _result(req, False, f"a {s.get('licenseType')} license is not accepted", [_evidence(cred)])
    if req.unrestricted and s.get("restrictions"):
        return _result(req, False, f"the license is restricted: {'; '.join(s['restrictions'])}", [_evidence(cred)])
    if str(s.get("expiryDate", "")) < today.isoformat():
        return _result(req, False, f"the license expired on {s.get('expiryDate')}", [_evidence(cred)])
    return _result(
        req,
        True,
        f"active {s.get('licenseType')} license {s.get('licenseNumber')} in {req.jurisdiction}"
        f", expires {s.get('expiryDate')}",
        [_evidence(cred)],
    )


def _malpractice(req: MalpracticeRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = pool.of("MalpracticeHistoryCredential")
    if not creds:
        return _missing(req, pool, "MalpracticeHistoryCredential", "malpractice history")
    cred = max(creds, key=lambda c: str(_subject(c).get("asOfDate", "")))
    s = _subject(cred)
    problems = []
    as_of = str(s.get("asOfDate", ""))
    if as_of < (today - dt.timedelta(days=req.maxReportAgeDays)).isoformat():
        problems.append(f"the history is as of {as_of}, older than {req.maxReportAgeDays} days")
    lookback = _add_months(today, -12 * req.lookbackYears).isoformat()
    claims = [c for c in s.get("claims", []) if isinstance(c, dict)]
    open_claims = [c for c in claims if c.get("claimStatus") == "open"]
    paid = [
        c
        for c in claims
        if Decimal(str((c.get("paidAmount") or {}).get("amount", "0"))) > 0 and str(c.get("reportDate", "")) >= lookback
    ]
    if len(open_claims) > req.maxOpenClaims:
        problems.append(f"{len(open_claims)} open claim(s) (at most {req.maxOpenClaims})")
    if len(paid) > req.maxPaidClaims:
        problems.append(f"{len(paid)} paid claim(s) in {req.lookbackYears} years (at most {req.maxPaidClaims})")
    current = [
        p
        for p in s.get("coveragePeriods", [])
        if isinstance(p, dict) and str(p.get("startDate", "")) <= today.isoformat() <= str(p.get("endDate", ""))
    ]
    adequate = [
        p
        for p in current
        if (p.get("perClaimLimit") or {}).get("currency") == req.currency
        and Decimal(str(p["perClaimLimit"]["amount"])) >= Decimal(req.minPerClaimLimit)
        and (p.get("aggregateLimit") or {}).get("currency") == req.currency
        and Decimal(str(p["aggregateLimit"]["amount"])) >= Decimal(req.minAggregateLimit)
    ]
    if not current:
        problems.append("no coverage period covers today")
    elif not adequate:
        problems.append(f"current limits are below {req.minPerClaimLimit}/{req.minAggregateLimit} {req.currency}")
    carrier = (s.get("carrier") or {}).get("name", "the carrier")
    if problems:
        return _result(req, False, "; ".join(problems), [_evidence(cred)])
    limits = adequate[0]
    return _result(
        req,
        True,
        f"{carrier}: {len(open_claims)} open and {len(paid)} paid claim(s) in "
        f"{req.lookbackYears} years; coverage {limits['perClaimLimit']['amount']}/"
        f"{limits['aggregateLimit']['amount']} {req.currency} until {limits['endDate']}",
        [_evidence(cred)],
    )


_RULES = {
    "medical-degree": _degree,
    "graduate-training": _training,
    "board-certification": _board,
    "cme": _cme,
    "license": _license,
    "malpractice": _malpractice,
}


def evaluate(
    presentation_report: PresentationReport,
    policy: CredentialingPolicy | str | dict[str, Any],
    *,
    now: dt.datetime,
) -> CredentialingDecision:
    """Evaluate a verified presentation against a policy; every requirement gets an outcome and a reason.

    ``policy`` may be a loaded policy, a path, or parsed JSON. Raises UsageError for an invalid policy (a policy
    with no requirements is invalid: emptiness never approves anyone).
    """
    moment = require_aware(now)
    loaded = policy if isinstance(policy, CredentialingPolicy) else load_policy(policy)
    if not isinstance(presentation_report, PresentationReport):
        raise UsageError("evaluate() needs the PresentationReport from verify_presentation")
    today = moment.date()
    presentation_problems = [
        c.reason
        for c in presentation_report.checks
        if c.status is CheckStatus.FAILED and c.id not in ("vp.credentials", "vp.subject_binding")
    ]
    binding = presentation_report.check("vp.subject_binding")
    if binding is not None and binding.status is CheckStatus.FAILED:
        presentation_problems.append(binding.reason)
    pool = _Pool(presentation_report, loaded.requireTrustedIssuers)
    if presentation_problems:
        # nothing in a presentation that fails its own checks can be relied on
        why = f"the presentation failed its own checks ({presentation_problems[0]})"
        results = [
            RequirementResult(id=r.id, description=r.description, outcome=Outcome.NOT_EVIDENCED, reason=why)
            for r in loaded.requirements
        ]
    else:
        results = [_RULES[req.kind](req, pool, today) for req in loaded.requirements]  # type: ignore[operator]
    warnings = []
    if pool.trust_unchecked:
        warnings.append("issuer trust was not checked: pass a trust registry to verify_presentation")
    approved = not presentation_problems and all(r.outcome is Outcome.MET for r in results)
    return CredentialingDecision(
        approved=approved,
        policy=loaded.name,
        policy_version=loaded.version,
        holder=presentation_report.holder,
        decided_at=moment.isoformat(),
        presentation_verified=not presentation_problems,
        presentation_problems=presentation_problems,
        requirements=results,
        warnings=warnings,
    )
