"""The credential pipeline: every check in order, each with a reason; never raises for bad input.

The pipeline is the declared list ``_steps(call)``; the step runner (vcred.verify.steps) skips, with the reason, a
step whose prerequisites failed. After ``vc.closed_world`` the document is the verified view: every later step reads
only it (ADR 9), and the report names the issuer, id and types only from it (empty when the proof or the closed
world failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vcred._json import InputRejectedError
from vcred._time import parse_datetime_stamp
from vcred.did.resolver import DIDResolver
from vcred.jose.vc_jwt import JWT_CLAIMS, VC_JWT
from vcred.jsonld.loader import DocumentLoader
from vcred.model.credential import issuer_id
from vcred.report import Check, VerificationReport
from vcred.verify.common import (
    MALFORMED,
    ListSeen,
    ProofOutcome,
    guarded,
    proof_format,
    read_input,
    verify_data_integrity,
    verify_token,
    well_formed,
)
from vcred.verify.options import VerifyOptions
from vcred.verify.steps import STOP, Run, Step, run_steps
from vcred.verify.verifier import Call, Verifier
from vcred.verify.view import closed_world_check

RANGE_ERROR = "RANGE_ERROR"


def verify_credential(
    credential: dict[str, Any] | str | bytes,
    *,
    now: datetime | None = None,
    resolver: DIDResolver | None = None,
    loader: DocumentLoader | None = None,
    status_fetcher: Any = None,
    ledger: Any = None,
    trust: Any = None,
    options: VerifyOptions | None = None,
) -> VerificationReport:
    """Verify a credential secured with Data Integrity (a dict or JSON text) or as vc+jwt (compact JWS text).

    A one-shot convenience for :meth:`vcred.Verifier.verify_credential` (build a Verifier to verify many: it keeps
    verified status lists and the ledger client between calls). Returns a :class:`VerificationReport` whose
    ``verified`` is true only when no check failed; every check carries a reason. Bad input of any kind gives
    ``verified=False``, never an exception. Only misuse raises :class:`vcred.errors.UsageError` (``now`` without
    a timezone, a dependency of the wrong kind).

    >>> report = verify_credential("not a credential")
    >>> report.verified, report.checks[0].id
    (False, 'vc.input')
    """
    verifier = Verifier(
        resolver=resolver, loader=loader, status_fetcher=status_fetcher, ledger=ledger, trust=trust, options=options
    )
    return verifier.verify_credential(credential, now=now)


def run_credential(credential: Any, call: Call) -> VerificationReport:
    """The pipeline for one credential in one call (behind the safety net)."""

    def failed(check: Check) -> VerificationReport:
        return VerificationReport(checks=[check])

    return guarded(lambda: _run(credential, call), failed, "vc")


@dataclass
class _State(Run):
    call: Call = field(kw_only=True)
    report: VerificationReport = field(kw_only=True)
    raw: Any = field(kw_only=True)
    document: dict[str, Any] = field(default_factory=dict, kw_only=True)
    token: str | None = field(default=None, kw_only=True)
    proof: ProofOutcome = field(default_factory=lambda: ProofOutcome(False), kw_only=True)
    lists_seen: list[ListSeen] = field(default_factory=list, kw_only=True)


def _run(credential: Any, call: Call) -> VerificationReport:
    report = VerificationReport()
    state = _State(report.checks, call=call, report=report, raw=credential)
    run_steps(_steps(call), state)
    report.verified = state.gates.get("input", False) and state.proof.verified and not report.failures
    if report.verified:
        report.credential = {k: v for k, v in state.document.items() if k != "proof"}
    return report


def _steps(call: Call) -> list[Step[_State]]:
    verifier = call.verifier
    return [
        Step("vc.input", _read),
        Step("vc.jose", _jose),
        Step("vc.well_formed", _well_formed),
        Step("vc.proof", _proof),
        Step("vc.closed_world", _closed_world_step),
        Step("vc.validity", _validity_step, needs=("view",)),
        Step("vc.status", _status_step, needs=("view", "well_formed", "proof")),
        Step("vc.schema", _schema_step, needs=("view", "well_formed")),
        Step("vc.related_resource", _related_step, needs=("view", "well_formed")),
        *([Step("vc.ledger", _ledger_step, needs=("view", "proof"))] if verifier.ledger is not None else []),
        *([Step("vc.trust", _trust_step, needs=("view", "proof"))] if verifier.trust is not None else []),
    ]


def _read(state: _State) -> object:
    try:
        document, state.token = read_input(state.raw, state.call.opts, what="credential")
    except InputRejectedError as exc:
        state.checks.append(Check.failed("vc.input", str(exc), MALFORMED))
        return STOP
    state.checks.append(Check.passed("vc.input", "the input is JSON within the size and nesting limits"))
    state.document = document or {}
    state.open("input", True)
    return None


def _jose(state: _State) -> object:
    if state.token is None:
        return None
    call = state.call
    state.report.format = VC_JWT
    result = verify_token(
        state.token, call, typ=VC_JWT, purpose="assertionMethod", controller_of=issuer_id, prefix="vc"
    )
    state.checks.extend(result.checks)
    if result.payload is None:
        return STOP
    state.document = result.payload
    state.proof = ProofOutcome(True, ProofOutcome.of(result.checks).key_moment)
    state.open("proof", True)
    return None


def _well_formed(state: _State) -> None:
    from vcred.model.credential import check_well_formed_credential

    problems = well_formed(check_well_formed_credential, state.document)
    if problems:
        state.checks.append(Check.failed("vc.well_formed", "; ".join(problems[:3]), MALFORMED, problems=problems))
    else:
        state.checks.append(Check.passed("vc.well_formed", "the credential follows the VC 2.0 data model"))
    state.open("well_formed", not problems, "the credential does not follow the data model")


def _proof(state: _State) -> None:
    if state.token is not None:
        return
    call, document = state.call, state.document
    state.report.format = proof_format(document.get("proof"))
    checks, state.proof = verify_data_integrity(
        document, call, purpose="assertionMethod", controller=issuer_id(document) or "(no issuer)", prefix="vc"
    )
    state.checks.extend(checks)
    state.open("proof", state.proof.verified, "the credential's proof did not verify")


def _closed_world_step(state: _State) -> None:
    check = closed_world(state.document, state.call, "vc", jwt=state.token is not None)
    state.checks.append(check)
    # outside the closed world a JSON key need not mean what a check would read it as: read nothing more
    state.open("view", check.ok, "the credential is outside the closed world")
    if check.ok and state.proof.verified:
        _name_from_view(state.report, state.document)


def _name_from_view(report: VerificationReport, view: dict[str, Any]) -> None:
    """The report's issuer, id and types, read from the verified view: set only once the proof verified and the
    closed world passed, so a credential that failed either names nothing its signature does not cover."""
    report.issuer = issuer_id(view)
    cid = view.get("id")
    report.credential_id = cid if isinstance(cid, str) else None
    types = view.get("type")
    report.types = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def closed_world(document: dict[str, Any], call: Call, prefix: str, *, jwt: bool) -> Check:
    """``<prefix>.closed_world`` for ``document`` (JWT claims are the JOSE layer's, outside JSON-LD)."""
    if jwt:
        document = {k: v for k, v in document.items() if k not in JWT_CLAIMS}
    return closed_world_check(
        document, loader=call.verifier.loader, inline_contexts=call.opts.inline_contexts, prefix=prefix
    )


def _validity_step(state: _State) -> None:
    state.checks.extend(_validity(state.document, state.call))


def _status_step(state: _State) -> None:
    checks = _status(state.document, state.call)
    state.checks.extend(checks)
    state.lists_seen = ListSeen.of(checks)


def _schema_step(state: _State) -> None:
    state.checks.append(_schema(state.document, state.call))


def _related_step(state: _State) -> None:
    from vcred.model.related import check_related_resources  # digests of the resources vcred holds as published

    try:
        state.checks.append(check_related_resources(state.document))
    except Exception as exc:  # a damaged installation (a bundled copy off its pin) must not crash the verifier
        state.checks.append(Check.failed("vc.related_resource", f"related resources not compared: {exc}"[:300]))


def _ledger_step(state: _State) -> None:
    checks = _ledger_checks(state)
    stale = [c.details["list"] for c in checks if c.id == "vc.ledger.status_list" and "anchored_version" in c.details]
    forget = getattr(state.call.verifier.status_cache, "forget", None)
    if stale and forget is not None and any([forget(url) for url in stale]):
        # the ledger names a newer version than a list this verifier kept: fetch again, then judge (freshness
        # follows the ledger, not only the cache's age)
        state.checks[:] = [c for c in state.checks if not c.id.startswith("vc.status")]
        _status_step(state)
        checks = _ledger_checks(state)
    state.checks.extend(checks)


def _trust_step(state: _State) -> None:
    state.checks.append(_trust(state))


# VC 2.0's validity period and VC 1.1's (issuanceDate is required there and, like validFrom, may not lie ahead)
_TIME_FIELDS = (
    ("validFrom", "vc.valid_from", "from"),
    ("validUntil", "vc.valid_until", "until"),
    ("issuanceDate", "vc.issuance_date", "from"),
    ("expirationDate", "vc.expiration_date", "until"),
)
_VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


def _validity(document: dict[str, Any], call: Call) -> list[Check]:
    skew = call.opts.max_clock_skew
    context = document.get("@context")
    vc1 = (context[0] if isinstance(context, list) and context else context) == _VC1_CONTEXT
    out = []
    for name, check_id, side in _TIME_FIELDS:
        if name not in document:
            if name == "issuanceDate" and vc1:
                out.append(Check.failed(check_id, "a VC 1.1 credential must have an issuanceDate", MALFORMED))
            elif name in ("validFrom", "validUntil") or vc1:
                out.append(Check.skipped(check_id, f"the credential has no {name}"))
            continue
        try:
            moment = parse_datetime_stamp(document[name])
        except ValueError as exc:
            out.append(Check.failed(check_id, str(exc), MALFORMED))
            continue
        if side == "from" and moment > call.now + skew:
            out.append(Check.failed(check_id, f"the credential is not valid until {document[name]}", RANGE_ERROR))
        elif side == "until" and moment < call.now - skew:
            out.append(Check.failed(check_id, f"the credential expired at {document[name]}", RANGE_ERROR))
        else:
            out.append(Check.passed(check_id, f"{'valid from' if side == 'from' else 'valid until'} {document[name]}"))
    return out


def _status(document: dict[str, Any], call: Call) -> list[Check]:
    if "credentialStatus" not in document:
        return [Check.skipped("vc.status", "the credential has no credentialStatus")]
    verifier = call.verifier
    if verifier.status_fetcher is None:
        return [
            Check.failed(
                "vc.status",
                "the credential has a status entry but no status fetcher was given",
                "STATUS_RETRIEVAL_ERROR",
            )
        ]
    from vcred.status.check import check_status

    list_call = call.without_extras()  # the list is verified at the same moment, with the same keys

    def verify_list(list_credential: Any) -> VerificationReport:
        return run_credential(list_credential, list_call)

    try:
        return list(
            check_status(
                document,
                fetcher=verifier.status_fetcher,
                verify_list=verify_list,
                now=call.now,
                cache=verifier.status_cache,
            )
        )
    except Exception as exc:  # a fetcher or list bug must not crash the verifier
        return [
            Check.failed(
                "vc.status",
                f"status check failed: {type(exc).__name__}: {str(exc)[:200]}",
                "STATUS_RETRIEVAL_ERROR",
            )
        ]


def _schema(document: dict[str, Any], call: Call) -> Check:
    if not call.opts.check_schema:
        return Check.skipped("vc.schema", "schema checking was turned off")
    from vcred.model.families.schema_check import check_schema  # also a family credential that names no schema

    try:
        return check_schema(document)
    except Exception as exc:  # a schema bug must not crash the verifier
        return Check.failed("vc.schema", f"schema check failed: {type(exc).__name__}", MALFORMED)


def _ledger_checks(state: _State) -> list[Check]:
    from vcred.verify.anchoring import ledger_checks

    call = state.call
    try:
        return ledger_checks(
            state.document,
            call.verifier.ledger,
            state.report,
            secured=state.token if state.token is not None else state.document,
            now=call.now,
            anchor_proofs=call.anchor_proofs,
            trust_claimed_issuance_time=call.opts.trust_claimed_issuance_time,
            key_moment=state.proof.key_moment,
            lists_seen=state.lists_seen,
        )
    except Exception as exc:  # a ledger fault must not crash the verifier
        return [
            Check.failed("vc.ledger", f"ledger check failed: {type(exc).__name__}: {str(exc)[:200]}", "LEDGER_ERROR")
        ]


def _trust(state: _State) -> Check:
    call = state.call
    try:
        # one time per decision: an accreditation's period is compared with the moment the proof established
        return call.verifier.check_trust(state.document, state.report, now=call.now, key_moment=state.proof.key_moment)
    except Exception as exc:  # a registry bug must not crash the verifier
        return Check.failed("vc.trust", f"trust check failed: {type(exc).__name__}", "UNTRUSTED_ISSUER")
