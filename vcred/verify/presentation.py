"""The presentation pipeline: the holder's proof, challenge, domain, expiry, replay, every credential, and that
every credential was issued to the presenting holder. Declared as a list of steps (vcred.verify.steps), like the
credential pipeline, whose steps and helpers it shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vcred._json import InputRejectedError
from vcred.did.resolver import DIDResolver, split_did_url
from vcred.errors import ResolutionError, UsageError
from vcred.jose.vc_jwt import SIGNING_DID, VP_JWT, Controller
from vcred.jsonld.loader import DocumentLoader
from vcred.report import Check, PresentationReport, VerificationReport
from vcred.verify.common import (
    MALFORMED,
    ProofOutcome,
    guarded,
    proof_format,
    read_input,
    verify_data_integrity,
    verify_token,
    well_formed,
)
from vcred.verify.credential import closed_world, run_credential
from vcred.verify.options import VerifyOptions
from vcred.verify.replay import ReplayCache
from vcred.verify.steps import STOP, Run, Step, run_steps
from vcred.verify.verifier import Call, Verifier
from vcred.wallet.present import MAX_PRESENTATION_LIFETIME

MAX_CREDENTIALS = 100


def verify_presentation(
    presentation: dict[str, Any] | str | bytes,
    *,
    challenge: str,
    domain: str,
    now: datetime | None = None,
    resolver: DIDResolver | None = None,
    loader: DocumentLoader | None = None,
    status_fetcher: Any = None,
    ledger: Any = None,
    trust: Any = None,
    replay_cache: ReplayCache | None = None,
    require_expiry: bool = True,
    require_subject_binding: bool = True,
    options: VerifyOptions | None = None,
) -> PresentationReport:
    """Verify a presentation (Data Integrity dict/JSON, or vp+jwt) against the verifier's challenge and domain.

    A one-shot convenience for :meth:`vcred.Verifier.verify_presentation`. ``verified`` is true only when the
    holder's proof verifies for ``authentication`` with this challenge and domain, the presentation has not expired
    (and has an expiry of at most 30 days, unless ``require_expiry=False``), the challenge was not seen before by
    ``replay_cache``, no credential appears twice, every credential verifies, and (unless
    ``require_subject_binding=False``) the presentation names its holder and every credential's subject is the
    holder. A presentation of no credentials proves only the holder's control of its key; a credentialing decision
    finds no evidence in it. Raises UsageError for a missing challenge or domain, a timezone-less ``now`` or a
    dependency of the wrong kind.
    """
    if not (isinstance(challenge, str) and challenge) or not (isinstance(domain, str) and domain):
        raise UsageError("verify_presentation needs the challenge and domain you gave the holder")
    verifier = Verifier(
        resolver=resolver,
        loader=loader,
        status_fetcher=status_fetcher,
        ledger=ledger,
        trust=trust,
        replay_cache=replay_cache,
        require_expiry=require_expiry,
        require_subject_binding=require_subject_binding,
        options=options,
    )
    return verifier.verify_presentation(presentation, challenge=challenge, domain=domain, now=now)


def run_presentation(presentation: Any, call: Call, *, challenge: str, domain: str) -> PresentationReport:
    """The pipeline for one presentation in one call (behind the safety net)."""

    def failed(check: Check) -> PresentationReport:
        return PresentationReport(checks=[check])

    return guarded(lambda: _run(presentation, call, challenge, domain), failed, "vp")


@dataclass
class _State(Run):
    call: Call = field(kw_only=True)
    report: PresentationReport = field(kw_only=True)
    raw: Any = field(kw_only=True)
    challenge: str = field(kw_only=True)
    domain: str = field(kw_only=True)
    document: dict[str, Any] = field(default_factory=dict, kw_only=True)
    token: str | None = field(default=None, kw_only=True)
    proof: ProofOutcome = field(default_factory=lambda: ProofOutcome(False), kw_only=True)


_STEPS: list[Step[_State]] = []  # filled below, once the step functions exist


def _run(presentation: Any, call: Call, challenge: str, domain: str) -> PresentationReport:
    report = PresentationReport()
    state = _State(report.checks, call=call, report=report, raw=presentation, challenge=challenge, domain=domain)
    run_steps(_STEPS, state)
    report.verified = state.proof.verified and not report.failures
    return report


def _read(state: _State) -> object:
    try:
        document, state.token = read_input(state.raw, state.call.opts, what="presentation")
    except InputRejectedError as exc:
        state.checks.append(Check.failed("vp.input", str(exc), MALFORMED))
        return STOP
    state.checks.append(Check.passed("vp.input", "the input is JSON within the size and nesting limits"))
    state.document = document or {}
    return None


def _jose(state: _State) -> object:
    if state.token is None:
        return None
    call = state.call
    state.report.format = VP_JWT
    result = verify_token(
        state.token,
        call,
        typ=VP_JWT,
        purpose="authentication",
        controller_of=_holder if call.verifier.require_subject_binding else _holder_or_signer,
        prefix="vp",
        nonce=state.challenge,
        audience=state.domain,
    )
    state.checks.extend(result.checks)
    if result.payload is None:
        return STOP
    state.document = result.payload
    exp = state.document.get("exp")  # a JWT claim the JOSE layer verified with its RFC 7519 meaning
    expires = datetime.fromtimestamp(exp, tz=call.now.tzinfo) if type(exp) is int else None
    state.proof = ProofOutcome(True, expires=expires)
    state.open("proof", True)
    return None


def _well_formed(state: _State) -> None:
    from vcred.model.presentation import check_well_formed_presentation

    problems = well_formed(check_well_formed_presentation, state.document)
    if problems:
        state.checks.append(Check.failed("vp.well_formed", "; ".join(problems[:3]), MALFORMED, problems=problems))
    else:
        state.checks.append(Check.passed("vp.well_formed", "the presentation follows the VC 2.0 data model"))


def _proof(state: _State) -> None:
    if state.token is not None:
        return
    call, document = state.call, state.document
    proof = document.get("proof")
    state.report.format = proof_format(proof)
    holder = _holder(document)
    if holder is None and call.verifier.require_subject_binding:
        state.checks.append(_no_holder())
        state.open("proof", False, "the presentation names no holder")
        return
    # the expiry is the proof step's outcome (the earliest over a proof set), never one proof re-read
    checks, state.proof = verify_data_integrity(
        document,
        call,
        purpose="authentication",
        controller=holder or _signer(proof) or "(no verification method)",
        prefix="vp",
        challenge=state.challenge,
        domain=state.domain,
    )
    state.checks.extend(checks)
    state.open("proof", state.proof.verified, "the holder's proof did not verify")


def _closed_world_step(state: _State) -> None:
    check = closed_world(state.document, state.call, "vp", jwt=state.token is not None)
    state.checks.append(check)
    # a key outside the closed world may hide what the holder signed: read nothing more from it
    state.open("view", check.ok, "the presentation is outside the closed world")
    if check.ok and state.proof.verified:
        state.report.holder = _holder(state.document)  # named only from the verified view


def _expiry_step(state: _State) -> None:
    call = state.call
    expiry = state.proof.expires
    state.checks.append(_expiry_check(expiry, call.verifier.require_expiry, call.now, call.opts.max_clock_skew))


def _replay_step(state: _State) -> None:
    call = state.call
    state.checks.append(
        _replay_check(
            call.verifier.replay_cache,
            state.challenge,
            call.now,
            state.proof.expires,
            state.proof.verified,
            call.opts.max_clock_skew,
        )
    )


def _credentials_step(state: _State) -> None:
    checks, report = state.checks, state.report
    credentials = state.document.get("verifiableCredential")
    items = credentials if isinstance(credentials, list) else [] if credentials is None else [credentials]
    if not items:
        # VC 2.0 lets a presentation hold none (it then authenticates its holder only); no requirement finds evidence
        checks.append(Check.passed("vp.credentials", "the presentation holds no credentials"))
        return
    if len(items) > MAX_CREDENTIALS:
        checks.append(Check.failed("vp.credentials", f"more than {MAX_CREDENTIALS} credentials", MALFORMED))
        return
    presented = state.document.get("anchorProofs")
    # matched to each credential by its hash in the ledger check; ignored without a ledger
    proofs = [] if presented is None else presented[:MAX_CREDENTIALS] if isinstance(presented, list) else [presented]
    call = state.call.with_anchor_proofs(proofs)
    for item in items:
        report.credentials.append(run_credential(item, call))
    checks.append(_duplicates_check(items))
    bad = [i for i, r in enumerate(report.credentials) if not r.verified]
    if bad:
        checks.append(
            Check.failed(
                "vp.credentials",
                f"credential(s) {bad} did not verify: {_first_reason(report.credentials[bad[0]])}",
                "PROOF_VERIFICATION_ERROR",
                failed=bad,
            )
        )
    else:
        checks.append(Check.passed("vp.credentials", f"all {len(items)} credential(s) verified"))
    checks.append(_binding(report, required=state.call.verifier.require_subject_binding))


def _first_reason(report: VerificationReport) -> str:
    """The first real reason a credential failed (a suspension, say), not only that it failed."""
    failures = report.failures
    return failures[0].reason[:200] if failures else "it did not verify"


_STEPS.extend(
    [
        Step("vp.input", _read),
        Step("vp.jose", _jose),
        Step("vp.well_formed", _well_formed),
        Step("vp.proof", _proof),
        Step("vp.closed_world", _closed_world_step),
        Step("vp.expires", _expiry_step, needs=("view", "proof")),  # the expiry is the verified proofs' own
        Step("vp.replay", _replay_step, needs=("view",)),
        Step("vp.credentials", _credentials_step, needs=("view",)),
    ]
)


def _holder(document: dict[str, Any]) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _holder_or_signer(payload: dict[str, Any]) -> Controller:
    """The holder, or, for a presentation that names none, whichever DID's key signed it."""
    return _holder(payload) or SIGNING_DID


def _signer(proof: Any) -> str | None:
    """The DID a (first) Data Integrity proof's verification method belongs to: it must control that method."""
    first = proof[0] if isinstance(proof, list) and proof else proof
    method = first.get("verificationMethod") if isinstance(first, dict) else None
    try:
        return split_did_url(method)[0] if isinstance(method, str) else None
    except ResolutionError:
        return None  # the proof step refuses the method, with its reason


def _no_holder() -> Check:
    return Check.failed(
        "vp.holder",
        "the presentation names no holder: this verifier needs one whose key signs the presentation and to whom "
        "every credential was issued (Verifier(require_subject_binding=False) verifies it as VC 2.0 allows)",
        "INVALID_VERIFICATION_METHOD",
    )


def _expiry_check(expiry: datetime | None, required: bool, now: datetime, skew: timedelta) -> Check:
    if expiry is None:
        if required:
            return Check.failed(
                "vp.expires",
                "the presentation has no expiry; it must be time-limited",
                "PROOF_VERIFICATION_ERROR",
            )
        return Check.skipped("vp.expires", "the presentation has no expiry")
    if expiry > now + MAX_PRESENTATION_LIFETIME + skew:
        # the wallet never makes such a presentation; a verifier must not depend on the wallet to refuse one
        return Check.failed(
            "vp.expires",
            f"the presentation claims to be valid until {expiry.isoformat()}; at most 30 days are accepted",
            "PROOF_VERIFICATION_ERROR",
        )
    return Check.passed("vp.expires", f"the presentation is valid until {expiry.isoformat()}")


def _replay_check(
    cache: ReplayCache | None,
    challenge: str,
    now: datetime,
    expiry: datetime | None,
    proof_ok: bool,
    skew: timedelta,
) -> Check:
    if cache is None:
        return Check.skipped("vp.replay", "no replay cache was given")
    if not proof_ok:
        return Check.skipped("vp.replay", "not checked: the holder's proof did not verify")
    # remembered for as long as this verifier would accept the presentation: its expiry plus the allowed skew
    if cache.seen(challenge, now=now, keep_until=(expiry or now + timedelta(days=1)) + skew):
        return Check.failed(
            "vp.replay",
            "this challenge was already answered: the presentation is replayed",
            "INVALID_CHALLENGE_ERROR",
        )
    return Check.passed("vp.replay", "first use of this challenge")


def _identities(item: Any) -> list[tuple[str, str]]:
    """What names a presented credential: its id, each proofValue (or JWS signature) and its hash."""
    from vcred.ledger.anchors import credential_hash

    if isinstance(item, str):
        token = item.strip()
        return [("signature", token.rsplit(".", 1)[-1]), ("hash", credential_hash(token).hex())]
    if not isinstance(item, dict):
        return []
    out = [("hash", credential_hash(item).hex())]
    if isinstance(item.get("id"), str):
        out.append(("id", item["id"]))
    proofs = item.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and isinstance(proof.get("proofValue"), str):
            out.append(("proofValue", proof["proofValue"]))
    return out


def _duplicates_check(items: list[Any]) -> Check:
    """``vp.duplicates``: each credential is presented once (a copy must never count twice as evidence)."""
    seen: dict[tuple[str, str], int] = {}
    repeats: list[str] = []
    for index, item in enumerate(items):
        try:
            names = _identities(item)
        except Exception:  # an unhashable shape is judged by its own credential check, not here
            names = []
        for name in dict.fromkeys(names):
            first = seen.setdefault(name, index)
            if first != index:
                repeats.append(f"credential {index} repeats credential {first} (same {name[0]})")
                break
    if repeats:
        return Check.failed(
            "vp.duplicates",
            "the presentation holds a credential more than once: " + "; ".join(repeats[:3]),
            "MALFORMED_VALUE_ERROR",
            repeats=repeats,
        )
    return Check.passed("vp.duplicates", f"the {len(items)} credential(s) are all distinct")


def _binding(report: PresentationReport, *, required: bool) -> Check:
    if not required:
        return Check.skipped(
            "vp.subject_binding",
            "not required by this verifier: a credential may be about someone else",
            required=False,
        )
    holder = report.holder
    if holder is None:
        return Check.skipped("vp.subject_binding", "not checked: the holder is not established by a verified proof")
    strangers: list[str] = []
    for index, cred in enumerate(report.credentials):
        subjects = (cred.credential or {}).get("credentialSubject")
        if cred.credential is None:
            continue
        items = subjects if isinstance(subjects, list) else [subjects]
        ids = {s.get("id") for s in items if isinstance(s, dict)}
        if ids != {holder}:
            strangers.append(f"credential {index} is about {sorted(map(str, ids))}")
    unverified = [i for i, c in enumerate(report.credentials) if c.credential is None]
    if strangers:
        return Check.failed(
            "vp.subject_binding",
            f"not issued to the holder {holder}: " + "; ".join(strangers),
            "PROOF_VERIFICATION_ERROR",
        )
    if unverified:
        return Check.skipped("vp.subject_binding", f"not checked for unverified credential(s) {unverified}")
    return Check.passed("vp.subject_binding", f"every credential was issued to the holder {holder}")
