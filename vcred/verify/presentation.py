"""verify_presentation(): the holder's proof, challenge, domain, expiry, replay, every credential, and that
every credential was issued to the presenting holder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vcred._json import InputRejectedError
from vcred._time import parse_datetime_stamp, require_aware
from vcred.did.resolver import DIDResolver
from vcred.errors import UsageError
from vcred.jose.vc_jwt import VP_JWT, JwtExpectations, verify_jwt
from vcred.jsonld.loader import DocumentLoader
from vcred.present import MAX_PRESENTATION_LIFETIME
from vcred.proofs.data_integrity import ProofExpectations, verify_proofs
from vcred.report import Check, CheckStatus, PresentationReport
from vcred.verify.credential import _closed_world, _guarded, _read_input, make_context
from vcred.verify.options import VerifyOptions
from vcred.verify.replay import ReplayCache

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
    options: VerifyOptions | None = None,
) -> PresentationReport:
    """Verify a presentation (Data Integrity dict/JSON, or vp+jwt) against the verifier's challenge and domain.

    ``verified`` is true only when the holder's proof verifies for ``authentication`` with this challenge and
    domain, the presentation has not expired (and has an expiry, unless ``require_expiry=False``), the challenge
    was not seen before by ``replay_cache``, there is at least one credential, every credential verifies, and
    every credential's subject is the holder. Raises UsageError only for a missing challenge or domain.
    """
    if not (isinstance(challenge, str) and challenge) or not (isinstance(domain, str) and domain):
        raise UsageError("verify_presentation needs the challenge and domain you gave the holder")
    if now is not None:
        require_aware(now)
    try:
        return _verify_presentation(
            presentation,
            challenge,
            domain,
            now,
            resolver,
            loader,
            status_fetcher,
            ledger,
            trust,
            replay_cache,
            require_expiry,
            options,
        )
    except Exception as exc:  # a bug must never turn into an exception or a pass
        report = PresentationReport()
        report.checks.append(
            Check.failed(
                "vp.internal",
                f"verification stopped on an internal error ({type(exc).__name__}); the presentation is not accepted",
                "INTERNAL_ERROR",
            )
        )
        return report


def _verify_presentation(
    presentation: Any,
    challenge: str,
    domain: str,
    now: datetime | None,
    resolver: DIDResolver | None,
    loader: DocumentLoader | None,
    status_fetcher: Any,
    ledger: Any,
    trust: Any,
    replay_cache: ReplayCache | None,
    require_expiry: bool,
    options: VerifyOptions | None,
) -> PresentationReport:
    ctx = make_context(
        options, now=now, resolver=resolver, loader=loader, status_fetcher=status_fetcher, ledger=ledger, trust=trust
    )
    opts, moment = ctx.opts, ctx.now
    report = PresentationReport()
    checks = report.checks
    try:
        document, token = _read_presentation(presentation, opts)
    except InputRejectedError as exc:
        checks.append(Check.failed("vp.input", str(exc), "MALFORMED_VALUE_ERROR"))
        return report
    checks.append(Check.passed("vp.input", "the input is JSON within the size and nesting limits"))

    expiry: datetime | None = None
    if token is not None:
        report.format = VP_JWT
        result = verify_jwt(
            token,
            JwtExpectations(
                typ=VP_JWT,
                purpose="authentication",
                now=moment,
                allowed_algs=opts.allowed_algs,
                max_clock_skew=opts.max_clock_skew,
                nonce=challenge,
                audience=domain,
            ),
            controller_of=lambda payload: _holder(payload),
            resolver=ctx.resolver,
            prefix="vp",
        )
        checks.extend(result.checks)
        if result.payload is None:
            return report
        document = result.payload
        exp = document.get("exp")
        if isinstance(exp, int) and not isinstance(exp, bool):
            expiry = datetime.fromtimestamp(exp, tz=moment.tzinfo)
    assert document is not None
    report.holder = _holder(document)
    problems = _well_formed(document)
    if problems:
        checks.append(
            Check.failed("vp.well_formed", "; ".join(problems[:3]), "MALFORMED_VALUE_ERROR", problems=problems)
        )
    else:
        checks.append(Check.passed("vp.well_formed", "the presentation follows the VC 2.0 data model"))

    if token is None:
        proof = document.get("proof")
        first = proof[0] if isinstance(proof, list) and proof else proof
        report.format = first.get("cryptosuite") if isinstance(first, dict) else None
        checks.extend(
            verify_proofs(
                document,
                ProofExpectations(
                    purpose="authentication",
                    controller=report.holder or "(no holder)",
                    now=moment,
                    challenge=challenge,
                    domain=domain,
                    max_clock_skew=opts.max_clock_skew,
                ),
                resolver=ctx.resolver,
                loader=ctx.loader,
                prefix="vp",
            )
        )
        if isinstance(first, dict) and isinstance(first.get("expires"), str):
            try:
                expiry = parse_datetime_stamp(first["expires"])
            except ValueError:
                expiry = None
    closed = _closed_world(document, ctx, "vp", jwt=token is not None)
    checks.append(closed)
    if not closed.ok:
        # a key outside the closed world may hide what the holder signed: read nothing more from it
        checks.append(Check.skipped("vp.credentials", "not checked: the presentation is outside the closed world"))
        report.verified = False
        return report
    proof_ok = _holder_proof_ok(report)
    checks.append(_expiry_check(expiry, require_expiry, moment, opts.max_clock_skew))
    checks.append(_replay_check(replay_cache, challenge, moment, expiry, proof_ok))

    credentials = document.get("verifiableCredential")
    items = credentials if isinstance(credentials, list) else [] if credentials is None else [credentials]
    if not items:
        checks.append(Check.failed("vp.credentials", "the presentation holds no credentials", "MALFORMED_VALUE_ERROR"))
    elif len(items) > MAX_CREDENTIALS:
        checks.append(
            Check.failed("vp.credentials", f"more than {MAX_CREDENTIALS} credentials", "MALFORMED_VALUE_ERROR")
        )
        items = []
    presented = document.get("anchorProofs")
    if presented is not None:
        # matched to each credential by its hash in the ledger check; ignored without a ledger
        ctx.anchor_proofs = presented[:MAX_CREDENTIALS] if isinstance(presented, list) else [presented]
    for item in items:
        report.credentials.append(_guarded(item, ctx))
    if items:
        checks.append(_duplicates_check(items))
        bad = [i for i, r in enumerate(report.credentials) if not r.verified]
        if bad:
            checks.append(
                Check.failed(
                    "vp.credentials",
                    f"credential(s) {bad} did not verify",
                    "PROOF_VERIFICATION_ERROR",
                    failed=bad,
                )
            )
        else:
            checks.append(Check.passed("vp.credentials", f"all {len(items)} credential(s) verified"))
        checks.append(_binding(report))
    report.verified = proof_ok and not report.failures and bool(report.credentials)
    return report


def _read_presentation(presentation: Any, opts: VerifyOptions) -> tuple[dict[str, Any] | None, str | None]:
    if isinstance(presentation, dict) and _is_vp(presentation):
        document, token = _read_input(presentation, opts)
        return document, token
    return _read_input(presentation, opts)


def _is_vp(document: dict[str, Any]) -> bool:
    types = document.get("type")
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


def _holder(document: dict[str, Any]) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _well_formed(document: dict[str, Any]) -> list[str]:
    from vcred.model.presentation import check_well_formed_presentation

    try:
        return check_well_formed_presentation(document)
    except Exception as exc:  # a model bug must not crash a verifier; report it
        return [f"could not check the data model: {type(exc).__name__}"]


def _holder_proof_ok(report: PresentationReport) -> bool:
    sig = [c for c in report.checks if c.id.endswith(".signature")]
    return bool(sig) and all(c.status is CheckStatus.PASSED for c in sig)


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
    cache: ReplayCache | None, challenge: str, now: datetime, expiry: datetime | None, proof_ok: bool
) -> Check:
    if cache is None:
        return Check.skipped("vp.replay", "no replay cache was given")
    if not proof_ok:
        return Check.skipped("vp.replay", "not checked: the holder's proof did not verify")
    if cache.seen(challenge, now=now, keep_until=expiry or now + timedelta(days=1)):
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


def _binding(report: PresentationReport) -> Check:
    holder = report.holder
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
