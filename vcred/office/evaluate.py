"""evaluate(): a verified presentation against an office's credentialing policy, requirement by requirement.

Evidence is read from the verified per-credential reports only (``report.credential``), never from raw input, and
a credential counts as evidence for a requirement only when:

- it verified, names exactly one credential family, and its subject passes that family's model (amounts are exact
  decimals of the family's format; anything else is malformed evidence, with the reason);
- unless the policy says otherwise, the trust registry accepted its issuer for *that* family type (``vc.trust``
  lists the types a credential is trusted for);
- it is counted once (the same credential presented twice, or two certificates of one CME activity, count once);
- its issuer has not revoked or suspended a credential of the same type in this presentation: a suspended current
  certification cannot be outvoted by last year's;
- it is the newest (by issuance date) of the valid credentials that speak to the requirement.

A decision is approved only when every requirement is met and the presentation verified, or when the only failures
are credentials whose *signed* types no requirement uses (the decision then says so in its warnings). A credential
that failed its proof or the closed world has no known type: its failure touches every requirement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from vcred._time import require_aware
from vcred.errors import InvalidCredentialError, UsageError
from vcred.model.credential import issuer_id
from vcred.model.families.builders import validate_subject
from vcred.model.families.common import parse_amount
from vcred.model.families.registry import family_types
from vcred.office.documents import (
    BoardRequirement,
    CMERequirement,
    CredentialingPolicy,
    DegreeRequirement,
    LicenseRequirement,
    MalpracticeRequirement,
    TrainingRequirement,
    load_policy,
)
from vcred.office.trust import issued_at
from vcred.report import PresentationReport, VerificationReport
from vcred.verify.common import ProofOutcome

WITHDRAWN = ("CREDENTIAL_REVOKED", "CREDENTIAL_SUSPENDED")
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


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
    # reasons the office may not approve whatever the requirements say (the trust registry is not the anchored one)
    blocking: list[str] = Field(default_factory=list)

    @property
    def unmet(self) -> list[RequirementResult]:
        """Requirements that are not met or not evidenced."""
        return [r for r in self.requirements if r.outcome is not Outcome.MET]


@dataclass(frozen=True)
class _Usable:
    """A verified credential fit to be evidence: its one family, its subject checked by the family model."""

    report: VerificationReport
    family: str
    subject: dict[str, Any]
    issuer: str | None
    issued: dt.datetime

    def evidence(self, detail: str = "") -> Evidence:
        credential = self.report.credential or {}
        cid = credential.get("id")
        types = credential.get("type")
        return Evidence(
            credential_id=cid if isinstance(cid, str) else None,
            types=[t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)],
            issuer=self.issuer,
            detail=detail,
        )


@dataclass(frozen=True)
class _Rejected:
    """A presented credential that cannot be evidence, with why; ``withdrawn`` when its issuer revoked or
    suspended it (its proof verified, so its issuer and types are the issuer's own). ``types`` is None when the
    credential failed its proof or the closed world: then nothing says what it is, and its failure touches every
    requirement."""

    report: VerificationReport
    index: int
    types: list[str] | None
    why: str
    withdrawn: bool = False

    def evidence(self) -> Evidence:
        return Evidence(credential_id=self.report.credential_id, types=self.types or [], issuer=self.report.issuer)

    @property
    def label(self) -> str:
        """How the decision names it: its signed types, or that they are not verified."""
        if self.types is None:
            return "type not verified"
        return ", ".join(self.types) or "no type"


def _newest(items: Sequence[_Usable], tiebreak: Callable[[_Usable], str] = lambda u: "") -> _Usable:
    """The one issued last: an issuer's newer statement supersedes its older ones."""
    return max(items, key=lambda u: (u.issued, tiebreak(u)))


def _proof_ok(report: VerificationReport | PresentationReport) -> bool:
    # the verify pipelines' own reading of their proof checks, not a second one
    return ProofOutcome.of(report.checks).verified


def _signed_types(report: VerificationReport) -> list[str] | None:
    """The types of a presented credential when its proof verified and it passed the closed world (the pipeline
    names a credential only then); None when what the credential is cannot be known."""
    view = report.check("vc.closed_world")
    return list(report.types) if _proof_ok(report) and view is not None and view.ok else None


def _withdrawn(report: VerificationReport) -> str | None:
    """The reason, when the issuer revoked or suspended this credential (and its proof verified)."""
    if not _proof_ok(report):
        return None
    for check in report.failures:
        if check.id.startswith("vc.status.") and check.code in WITHDRAWN:
            return check.reason
    return None


def _seen_before(credential: dict[str, Any], seen: set[tuple[str, str]]) -> bool:
    """True when a credential with the same id or the same content was already taken (and remember this one)."""
    from vcred.ledger.anchors import credential_hash

    names = {("hash", credential_hash(credential).hex())}
    if isinstance(credential.get("id"), str):
        names.add(("id", credential["id"]))
    repeated = bool(names & seen)
    seen |= names
    return repeated


def _trusted_for(report: VerificationReport) -> list[str] | None:
    """The types the trust registry accepted this credential's issuer for; None when trust was not checked."""
    check = report.check("vc.trust")
    if check is None:
        return None
    listed = check.details.get("trusted_for") if check.ok else []
    return [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else []


class _Pool:
    """The presented credentials, split into usable evidence and the ones that cannot be relied on (with why)."""

    def __init__(self, report: PresentationReport, require_trust: bool) -> None:
        self.usable: list[_Usable] = []
        self.rejected: list[_Rejected] = []
        self.trust_unchecked = False
        seen: set[tuple[str, str]] = set()
        for index, cred in enumerate(report.credentials):
            credential = cred.credential if cred.verified else None
            if credential is None:
                why = cred.failures[0].reason if cred.failures else "it did not verify"
                withdrawn = _withdrawn(cred)
                rejected = _Rejected(cred, index, _signed_types(cred), withdrawn or why, withdrawn is not None)
                self.rejected.append(rejected)
                continue
            if _seen_before(credential, seen):
                continue  # the same credential presented again is the same evidence, counted once
            usable = self._admit(cred, credential, index, require_trust)
            if usable is not None:
                self.usable.append(usable)

    def _admit(
        self, cred: VerificationReport, credential: dict[str, Any], index: int, require_trust: bool
    ) -> _Usable | None:
        types = credential.get("type")
        families = family_types(types)
        listed = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]

        def reject(why: str) -> None:
            self.rejected.append(_Rejected(cred, index, listed, why))

        if len(families) != 1:
            reject(f"it names {len(families)} credential families ({', '.join(families) or 'none'}); one is required")
            return None
        family = families[0]
        trusted = _trusted_for(cred)
        if require_trust and trusted is None:
            self.trust_unchecked = True
            reject("its issuer's trust was not checked (no trust registry given)")
            return None
        if require_trust and family not in (trusted or []):
            reject(f"its issuer is not trusted for {family}")
            return None
        claimed = credential.get("credentialSubject")
        if not isinstance(claimed, dict):
            reject("it is malformed evidence (credentialSubject must be one object)")
            return None
        try:
            subject = validate_subject(family, claimed)
        except InvalidCredentialError as exc:
            reject(f"it is malformed evidence ({exc.message})")
            return None
        issued = issued_at(credential)
        return _Usable(cred, family, subject, issuer_id(credential), issued or _EPOCH)

    def of(self, credential_type: str) -> list[_Usable]:
        return [u for u in self.usable if u.family == credential_type]

    def failed(self, credential_type: str) -> list[_Rejected]:
        """Failed credentials whose signed types include ``credential_type``."""
        return [r for r in self.rejected if r.types is not None and credential_type in r.types]

    def unknown(self) -> list[_Rejected]:
        """Failed credentials whose types are not verified: they may be anything."""
        return [r for r in self.rejected if r.types is None]

    def withdrawn_by(self, credential_type: str, issuers: set[str | None]) -> list[_Rejected]:
        """Revoked or suspended credentials of this type from any of ``issuers``."""
        return [r for r in self.failed(credential_type) if r.withdrawn and r.report.issuer in issuers]


def _missing(requirement: Any, pool: _Pool, credential_type: str, what: str) -> RequirementResult:
    failed = pool.failed(credential_type)
    if failed:
        return RequirementResult(
            id=requirement.id,
            description=requirement.description,
            outcome=Outcome.NOT_MET,
            reason=f"the {what} presented cannot be relied on: {failed[0].why}",
            evidence=[failed[0].evidence()],
        )
    unknown = pool.unknown()
    if unknown:
        # it may have been the one: never "not presented", never evidence either
        return RequirementResult(
            id=requirement.id,
            description=requirement.description,
            outcome=Outcome.NOT_MET,
            reason=f"no {what} that verified was presented; credential {unknown[0].index} did not verify, so what "
            f"it is is not known: {unknown[0].why}",
            evidence=[unknown[0].evidence()],
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
    good = [c for c in creds if c.subject["degree"] in req.degrees]
    if good:
        cred = _newest(good)
        s = cred.subject
        return _result(
            req, True, f"{s['degree']} from {s['school']['name']}, conferred {s['conferralDate']}", [cred.evidence()]
        )
    found = ", ".join(sorted({str(c.subject["degree"]) for c in creds}))
    return _result(req, False, f"degree {found} is not one of {', '.join(req.degrees)}", [_newest(creds).evidence()])


def _training(req: TrainingRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = [c for c in pool.of("GraduateTrainingCredential") if c.subject["trainingType"] == req.trainingType]
    if not creds:
        return _missing(req, pool, "GraduateTrainingCredential", req.trainingType)
    matching = [
        c
        for c in creds
        if c.subject["specialty"] == req.specialty and req.subspecialty in (None, c.subject.get("subspecialty"))
    ]
    if not matching:
        return _result(req, False, f"no {req.trainingType} in {req.specialty}", [c.evidence() for c in creds])
    cred = _newest(matching)  # the program's latest statement decides
    s = cred.subject
    if s["completionStatus"] == "completed":
        return _result(
            req,
            True,
            f"{req.trainingType} in {req.specialty} completed {s['completionDate']} at {s['program']['name']}",
            [cred.evidence()],
        )
    return _result(req, False, f"the {req.trainingType} is {s['completionStatus']}, not completed", [cred.evidence()])


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
        if c.subject["specialty"] == req.specialty and req.subspecialty in (None, c.subject.get("subspecialty"))
    ]
    if not matching:
        return _result(req, False, f"no certification in {req.specialty}", [c.evidence() for c in creds])
    cred = _newest(matching)  # the board's latest statement decides, not the holder's order
    s = cred.subject
    board = s["certifyingBoard"]["name"]
    if s["certificationStatus"] != "certified":
        return _result(
            req, False, f"{board} reports the certification as {s['certificationStatus']}", [cred.evidence()]
        )
    if req.requireContinuingCertification:
        moc = s.get("maintenanceOfCertification") or {}
        if not (moc.get("participating") and moc.get("meetingRequirements") and moc["periodEnd"] >= today.isoformat()):
            return _result(req, False, f"{board} does not report current continuing certification", [cred.evidence()])
    return _result(
        req,
        True,
        f"certified by {board} in {req.specialty} since {s['initialCertificationDate']}"
        + (", continuing certification current" if req.requireContinuingCertification else ""),
        [cred.evidence()],
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


def _credits(subject: dict[str, Any], credit_type: str) -> Decimal:
    """The credits of one type a (validated) CME subject awards; parse_amount refuses anything but exact decimals."""
    return sum((parse_amount(a["amount"]) for a in subject["credits"] if a["creditType"] == credit_type), Decimal(0))


def _cme(req: CMERequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    start = _add_months(today, -req.windowMonths)
    if not pool.of("CMECredential") and not pool.failed("CMECredential"):
        return _missing(req, pool, "CMECredential", "CME certificate")
    by_activity: dict[str, list[_Usable]] = {}
    for cred in pool.of("CMECredential"):
        by_activity.setdefault(cred.subject["activityId"], []).append(cred)
    counted: list[tuple[_Usable, dt.date, Decimal]] = []
    outside = Decimal(0)
    for certificates in by_activity.values():
        cred = _newest(certificates)  # one activity earns its credits once, however many certificates name it
        done = dt.date.fromisoformat(cred.subject["completionDate"])
        credits = _credits(cred.subject, req.creditType)
        if credits == 0:
            continue
        if start <= done <= today:
            counted.append((cred, done, credits))
        else:
            outside += credits
    counted.sort(key=lambda x: x[1])
    total = sum((c for _, _, c in counted), Decimal(0))
    minimum = Decimal(req.minimum)
    reason = f"{total} {req.creditType} credits completed since {start.isoformat()} (minimum {minimum})"
    if outside:
        reason += f"; {outside} more fall outside the {req.windowMonths}-month window"
    failed = pool.failed("CMECredential")
    if total < minimum and failed:
        reason += f"; {len(failed)} CME certificate(s) could not be relied on ({failed[0].why})"
    return _result(
        req,
        total >= minimum,
        reason,
        [c.evidence(f"{credits} on {done.isoformat()}") for c, done, credits in counted],
        total=str(total),
        minimum=str(minimum),
        window_start=start.isoformat(),
        series=[{"date": d.isoformat(), "credits": str(c)} for _, d, c in counted],
    )


def _license(req: LicenseRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = [c for c in pool.of("MedicalLicenseCredential") if c.subject["jurisdiction"] == req.jurisdiction]
    if not creds:
        return _missing(req, pool, "MedicalLicenseCredential", f"license in {req.jurisdiction}")
    cred = _newest(creds)  # the licensing board's latest statement decides
    s = cred.subject
    if s["licenseStatus"] != "active":
        return _result(req, False, f"the {req.jurisdiction} license is {s['licenseStatus']}", [cred.evidence()])
    if s["licenseType"] not in req.licenseTypes:
        return _result(req, False, f"a {s['licenseType']} license is not accepted", [cred.evidence()])
    if req.unrestricted and s.get("restrictions"):
        return _result(req, False, f"the license is restricted: {'; '.join(s['restrictions'])}", [cred.evidence()])
    if s["expiryDate"] < today.isoformat():
        return _result(req, False, f"the license expired on {s['expiryDate']}", [cred.evidence()])
    return _result(
        req,
        True,
        f"active {s['licenseType']} license {s['licenseNumber']} in {req.jurisdiction}, expires {s['expiryDate']}",
        [cred.evidence()],
    )


def _adequate(period: dict[str, Any], req: MalpracticeRequirement) -> bool:
    limits = (
        (period["perClaimLimit"], Decimal(req.minPerClaimLimit)),
        (period["aggregateLimit"], Decimal(req.minAggregateLimit)),
    )
    return all(money["currency"] == req.currency and parse_amount(money["amount"]) >= floor for money, floor in limits)


def _malpractice(req: MalpracticeRequirement, pool: _Pool, today: dt.date) -> RequirementResult:
    creds = pool.of("MalpracticeHistoryCredential")
    if not creds:
        return _missing(req, pool, "MalpracticeHistoryCredential", "malpractice history")
    cred = _newest(creds, lambda c: str(c.subject["asOfDate"]))
    s = cred.subject
    problems = []
    as_of = s["asOfDate"]
    if as_of < (today - dt.timedelta(days=req.maxReportAgeDays)).isoformat():
        problems.append(f"the history is as of {as_of}, older than {req.maxReportAgeDays} days")
    lookback = _add_months(today, -12 * req.lookbackYears).isoformat()
    claims = s["claims"]
    open_claims = [c for c in claims if c["claimStatus"] == "open"]
    paid = [c for c in claims if parse_amount(c["paidAmount"]["amount"]) > 0 and c["reportDate"] >= lookback]
    if len(open_claims) > req.maxOpenClaims:
        problems.append(f"{len(open_claims)} open claim(s) (at most {req.maxOpenClaims})")
    if len(paid) > req.maxPaidClaims:
        problems.append(f"{len(paid)} paid claim(s) in {req.lookbackYears} years (at most {req.maxPaidClaims})")
    current = [p for p in s["coveragePeriods"] if p["startDate"] <= today.isoformat() <= p["endDate"]]
    adequate = [p for p in current if _adequate(p, req)]
    if not current:
        problems.append("no coverage period covers today")
    elif not adequate:
        problems.append(f"current limits are below {req.minPerClaimLimit}/{req.minAggregateLimit} {req.currency}")
    if problems:
        return _result(req, False, "; ".join(problems), [cred.evidence()])
    limits = adequate[0]
    return _result(
        req,
        True,
        f"{s['carrier']['name']}: {len(open_claims)} open and {len(paid)} paid claim(s) in "
        f"{req.lookbackYears} years; coverage {limits['perClaimLimit']['amount']}/"
        f"{limits['aggregateLimit']['amount']} {req.currency} until {limits['endDate']}",
        [cred.evidence()],
    )


_Rule = Callable[[Any, _Pool, dt.date], RequirementResult]
_RULES: dict[str, tuple[str, _Rule]] = {
    "medical-degree": ("MedicalDegreeCredential", _degree),
    "graduate-training": ("GraduateTrainingCredential", _training),
    "board-certification": ("BoardCertificationCredential", _board),
    "cme": ("CMECredential", _cme),
    "license": ("MedicalLicenseCredential", _license),
    "malpractice": ("MalpracticeHistoryCredential", _malpractice),
}


def _requirement(req: Any, pool: _Pool, today: dt.date) -> RequirementResult:
    """One requirement's outcome; a credential its issuer withdrew blocks that issuer's other credentials."""
    family, rule = _RULES[req.kind]
    issuers = {c.issuer for c in pool.of(family)}
    withdrawn = pool.withdrawn_by(family, issuers)
    if withdrawn:
        first = withdrawn[0]
        return _result(
            req,
            False,
            f"{first.report.issuer} has withdrawn a {family} presented here ({first.why}); its other credentials "
            "of that type cannot stand in for it",
            [first.evidence()],
        )
    try:
        return rule(req, pool, today)
    except Exception as exc:  # a rule bug on odd evidence must never raise or approve
        return _result(req, False, f"the evidence could not be evaluated ({type(exc).__name__})", [])


def _presentation_problems(report: PresentationReport) -> list[str]:
    """Failures of the presentation itself (not of one credential): each voids every piece of evidence."""
    problems = [
        c.reason
        for c in report.failures
        if not (c.id == "vp.credentials" and "failed" in c.details)  # per-credential failures are judged one by one
    ]
    if not problems and not _proof_ok(report):
        problems.append("the holder's proof was not verified")
    binding = report.check("vp.subject_binding")
    if (
        not problems
        and report.credentials
        and (report.holder is None or binding is None or not binding.details.get("required", True))
    ):
        # a decision is about one radiologist: evidence counts only when every credential was issued to the holder
        problems.append(
            "the presentation was verified without subject binding (require_subject_binding=False): nothing shows "
            "its credentials are the holder's"
        )
    return problems


def _credential_problems(pool: _Pool, policy: CredentialingPolicy) -> tuple[list[str], list[str]]:
    """(failures that touch a requirement's type, failures of types no requirement uses).

    Only signed types can make a failure irrelevant: a credential whose types are not verified touches every
    requirement.
    """
    used = {_RULES[r.kind][0] for r in policy.requirements}
    relevant: list[str] = []
    irrelevant: list[str] = []
    for rejected in pool.rejected:
        note = f"credential {rejected.index} ({rejected.label}) cannot be relied on: {rejected.why}"
        touches = rejected.types is None or bool(used & set(rejected.types))
        (relevant if touches else irrelevant).append(note)
    return relevant, irrelevant


def evaluate(
    presentation_report: PresentationReport,
    policy: CredentialingPolicy | str | dict[str, Any],
    *,
    now: dt.datetime,
) -> CredentialingDecision:
    """Evaluate a verified presentation against a policy; every requirement gets an outcome and a reason.

    ``policy`` may be a loaded policy, a path, or parsed JSON. Raises UsageError for an invalid policy (a policy
    with no requirements is invalid: emptiness never approves anyone). Bad evidence never raises: it is a requirement
    not met, with the reason.
    """
    moment = require_aware(now)
    loaded = policy if isinstance(policy, CredentialingPolicy) else load_policy(policy)
    if not isinstance(presentation_report, PresentationReport):
        raise UsageError("evaluate() needs the PresentationReport from verify_presentation")
    today = moment.date()
    presentation_problems = _presentation_problems(presentation_report)
    pool = _Pool(presentation_report, loaded.requireTrustedIssuers)
    if presentation_problems:
        # nothing in a presentation that fails its own checks can be relied on
        why = f"the presentation failed its own checks ({presentation_problems[0]})"
        results = [
            RequirementResult(id=r.id, description=r.description, outcome=Outcome.NOT_EVIDENCED, reason=why)
            for r in loaded.requirements
        ]
    else:
        results = [_requirement(req, pool, today) for req in loaded.requirements]
    relevant, irrelevant = _credential_problems(pool, loaded)
    warnings = []
    if pool.trust_unchecked:
        warnings.append("issuer trust was not checked: pass a trust registry to verify_presentation")
    warnings += [f"{note} (no requirement uses its type; the decision does not rest on it)" for note in irrelevant]
    problems = presentation_problems + relevant
    if not presentation_report.verified and not problems and not irrelevant:
        problems.append("the presentation did not verify")  # a failure nothing above explains: refuse
    approved = not problems and all(r.outcome is Outcome.MET for r in results)
    return CredentialingDecision(
        approved=approved,
        policy=loaded.name,
        policy_version=loaded.version,
        holder=presentation_report.holder,
        decided_at=moment.isoformat(),
        presentation_verified=presentation_report.verified,
        presentation_problems=problems,
        requirements=results,
        warnings=warnings,
    )
