"""verify_credential(): every check in order, each with a reason; never raises for bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcred._json import InputRejectedError, check_shape, parse_json
from vcred._time import parse_datetime_stamp, require_aware, utcnow
from vcred.did import default_resolver
from vcred.did.resolver import DIDResolver
from vcred.errors import CanonicalizationError, DataLossError, LoaderError
from vcred.issue import issuer_id
from vcred.jose.vc_jwt import JWT_CLAIMS, VC_JWT, JwtExpectations, verify_jwt
from vcred.jsonld.canon import canonize_rdfc
from vcred.jsonld.loader import DocumentLoader, as_loader
from vcred.proofs.data_integrity import ProofExpectations, verify_proofs
from vcred.report import Check, CheckStatus, VerificationReport
from vcred.verify.options import VerifyOptions
from vcred.verify.view import closed_world_check

MALFORMED = "MALFORMED_VALUE_ERROR"
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

    Returns a :class:`VerificationReport` whose ``verified`` is true only when no check failed; every check
    carries a reason. Bad input of any kind gives ``verified=False``, never an exception. Only misuse raises
    (``now`` without a timezone: :class:`vcred.errors.UsageError`).

    >>> report = verify_credential("not a credential")
    >>> report.verified, report.checks[0].id
    (False, 'vc.input')
    """
    ctx = make_context(
        options, now=now, resolver=resolver, loader=loader, status_fetcher=status_fetcher, ledger=ledger, trust=trust
    )
    return _guarded(credential, ctx)


def make_context(
    options: VerifyOptions | None,
    *,
    now: datetime | None,
    resolver: DIDResolver | None,
    loader: DocumentLoader | None,
    status_fetcher: Any,
    ledger: Any,
    trust: Any,
) -> _Context:
    """Merge keyword arguments over ``options``; the defaults are offline (bundled contexts, did:key/jwk/web)."""
    opts = options or VerifyOptions()
    moment = require_aware(now) if now is not None else (opts.now or utcnow())
    ledger = ledger if ledger is not None else opts.ledger
    return _Context(
        opts=opts,
        now=moment,
        resolver=resolver or opts.resolver or _resolver_for(ledger),
        loader=as_loader(loader or opts.loader),
        status_fetcher=status_fetcher if status_fetcher is not None else opts.status_fetcher,
        ledger=ledger,
        trust=trust if trust is not None else opts.trust,
    )


def _guarded(credential: Any, ctx: _Context) -> VerificationReport:
    """The pipeline behind a last safety net: a bug must never turn into an exception or a pass."""
    try:
        return _verify(credential, ctx)
    except RecursionError:
        report = VerificationReport()
        report.checks.append(Check.failed("vc.input", "the input nests too deeply", MALFORMED))
        return report
    except Exception as exc:
        report = VerificationReport()
        report.checks.append(
            Check.failed(
                "vc.internal",
                f"verification stopped on an internal error ({type(exc).__name__}); the credential is not accepted",
                "INTERNAL_ERROR",
            )
        )
        return report


def _resolver_for(ledger: Any) -> DIDResolver:
    """The offline methods, plus did:vcred through the ledger client when one is given."""
    if ledger is None:
        return default_resolver()
    return default_resolver().with_method("vcred", ledger.did_resolver())


class _Context:
    def __init__(
        self,
        *,
        opts: VerifyOptions,
        now: datetime,
        resolver: DIDResolver,
        loader: DocumentLoader,
        status_fetcher: Any,
        ledger: Any,
        trust: Any,
    ) -> None:
        self.opts = opts
        self.now = now
        self.resolver = resolver
        self.loader = loader
        self.status_fetcher = status_fetcher
        self.ledger = ledger
        self.trust = trust
        self.anchor_proofs: list[Any] = []  # presented with the credential (a presentation's anchorProofs)


def _verify(credential: Any, ctx: _Context) -> VerificationReport:
    report = VerificationReport()
    checks = report.checks
    try:
        document, token = _read_input(credential, ctx.opts)
    except InputRejectedError as exc:
        checks.append(Check.failed("vc.input", str(exc), MALFORMED))
        return report
    checks.append(Check.passed("vc.input", "the input is JSON within the size and nesting limits"))

    if token is not None:
        report.format = VC_JWT
        result = verify_jwt(
            token,
            JwtExpectations(
                typ=VC_JWT,
                purpose="assertionMethod",
                now=ctx.now,
                allowed_algs=ctx.opts.allowed_algs,
                max_clock_skew=ctx.opts.max_clock_skew,
            ),
            controller_of=lambda payload: issuer_id(payload),
            resolver=ctx.resolver,
            prefix="vc",
        )
        checks.extend(result.checks)
        if result.payload is None:
            return report
        document = result.payload
    assert document is not None
    _describe(report, document)
    problems = _well_formed(document)
    if problems:
        checks.append(Check.failed("vc.well_formed", "; ".join(problems[:3]), MALFORMED, problems=problems))
    else:
        checks.append(Check.passed("vc.well_formed", "the credential follows the VC 2.0 data model"))

    if token is None:
        proof = document.get("proof")
        report.format = _di_format(proof)
        checks.extend(
            verify_proofs(
                document,
                ProofExpectations(
                    purpose="assertionMethod",
                    controller=issuer_id(document) or "(no issuer)",
                    now=ctx.now,
                    max_clock_skew=ctx.opts.max_clock_skew,
                ),
                resolver=ctx.resolver,
                loader=ctx.loader,
                prefix="vc",
            )
        )
    if report.format != "eddsa-rdfc-2022" and isinstance(document.get("@context"), list | str):
        checks.append(_jsonld_terms(document, ctx))
    closed = _closed_world(document, ctx, "vc", jwt=token is not None)
    checks.append(closed)
    if not closed.ok:
        # outside the closed world a JSON key need not mean what the checks would read it as: read nothing more
        for check_id in ("vc.validity", "vc.status", "vc.schema", "vc.ledger", "vc.trust"):
            checks.append(Check.skipped(check_id, "not checked: the credential is outside the closed world"))
        report.verified = False
        return report
    view = document  # from here on, every key means what the bundled contexts define: the verified view
    checks.extend(_validity(view, ctx))
    if not problems:
        checks.extend(_status(view, ctx, report))
        checks.append(_schema(view, ctx))
    if ctx.ledger is not None:
        checks.extend(_ledger_checks(view, token, ctx, report))
    if ctx.trust is not None:
        checks.append(_trust(view, ctx, report))
    report.verified = _decide(report)
    if report.verified:
        report.credential = {k: v for k, v in view.items() if k != "proof"}
    return report


def _closed_world(document: dict[str, Any], ctx: _Context, prefix: str, *, jwt: bool) -> Check:
    if jwt:  # JWT claims are read by the JOSE layer with their JWT meaning; the rest is JSON-LD
        document = {k: v for k, v in document.items() if k not in JWT_CLAIMS}
    return closed_world_check(document, loader=ctx.loader, inline_contexts=ctx.opts.inline_contexts, prefix=prefix)


def _read_input(credential: Any, opts: VerifyOptions) -> tuple[dict[str, Any] | None, str | None]:
    if isinstance(credential, bytes | bytearray):
        if len(credential) > opts.max_bytes:
            raise InputRejectedError(f"input is {len(credential)} bytes; the limit is {opts.max_bytes}")
        try:
            credential = bytes(credential).decode("utf-8")
        except UnicodeDecodeError:
            raise InputRejectedError("input is not UTF-8 text") from None
    if isinstance(credential, str):
        if len(credential) > opts.max_bytes:
            raise InputRejectedError(f"input is {len(credential)} characters; the limit is {opts.max_bytes}")
        text = credential.strip()
        if text.startswith("{"):
            value = parse_json(text, max_bytes=opts.max_bytes, max_depth=opts.max_depth)
        elif text.count(".") == 2 and " " not in text:
            return None, text
        else:
            raise InputRejectedError("input is neither a JSON credential nor a compact JWS (vc+jwt)")
    elif isinstance(credential, dict):
        check_shape(credential, max_bytes=opts.max_bytes, max_depth=opts.max_depth)
        value = credential
    else:
        raise InputRejectedError(
            f"a credential must be a dict, JSON text or a vc+jwt string, not {type(credential).__name__}"
        )
    if not isinstance(value, dict):
        raise InputRejectedError("a credential must be a JSON object")
    if value.get("type") == "EnvelopedVerifiableCredential" or (
        isinstance(value.get("type"), list) and "EnvelopedVerifiableCredential" in value["type"]
    ):
        return None, _unwrap_envelope(value, opts)
    return value, None


def _unwrap_envelope(value: dict[str, Any], opts: VerifyOptions) -> str:
    data_url = value.get("id")
    prefix = "data:application/vc+jwt,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise InputRejectedError("an EnvelopedVerifiableCredential must carry a data:application/vc+jwt, URL")
    return data_url[len(prefix) :]


def _describe(report: VerificationReport, document: dict[str, Any]) -> None:
    report.issuer = issuer_id(document)
    cid = document.get("id")
    report.credential_id = cid if isinstance(cid, str) else None
    types = document.get("type")
    report.types = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def _di_format(proof: Any) -> str | None:
    first = proof[0] if isinstance(proof, list) and proof else proof
    if isinstance(first, dict):
        name = first.get("cryptosuite") or first.get("type")
        return name if isinstance(name, str) else None
    return None


def _well_formed(document: dict[str, Any]) -> list[str]:
    from vcred.model.credential import check_well_formed_credential

    try:
        return check_well_formed_credential(document)
    except Exception as exc:  # a model bug must not crash a verifier; report it
        return [f"could not check the data model: {type(exc).__name__}"]


def _jsonld_terms(document: dict[str, Any], ctx: _Context) -> Check:
    try:
        canonize_rdfc({k: v for k, v in document.items() if k != "proof"}, loader=ctx.loader)
    except DataLossError as exc:
        return Check.failed("vc.jsonld", exc.message, "DATA_LOSS_DETECTION_ERROR")
    except (CanonicalizationError, LoaderError) as exc:
        return Check.failed("vc.jsonld", exc.message, MALFORMED)
    return Check.passed("vc.jsonld", "every term is defined by the credential's contexts")


# VC 2.0's validity period and VC 1.1's (issuanceDate is required there and, like validFrom, may not lie ahead)
_TIME_FIELDS = (
    ("validFrom", "vc.valid_from", "from"),
    ("validUntil", "vc.valid_until", "until"),
    ("issuanceDate", "vc.issuance_date", "from"),
    ("expirationDate", "vc.expiration_date", "until"),
)
_VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


def _validity(document: dict[str, Any], ctx: _Context) -> list[Check]:
    skew = ctx.opts.max_clock_skew
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
        if side == "from" and moment > ctx.now + skew:
            out.append(Check.failed(check_id, f"the credential is not valid until {document[name]}", RANGE_ERROR))
        elif side == "until" and moment < ctx.now - skew:
            out.append(Check.failed(check_id, f"the credential expired at {document[name]}", RANGE_ERROR))
        else:
            out.append(Check.passed(check_id, f"{'valid from' if side == 'from' else 'valid until'} {document[name]}"))
    return out


def _status(document: dict[str, Any], ctx: _Context, report: VerificationReport) -> list[Check]:
    if "credentialStatus" not in document:
        return [Check.skipped("vc.status", "the credential has no credentialStatus")]
    if not _proof_ok(report):
        return [Check.skipped("vc.status", "not checked: the credential's proof did not verify")]
    if ctx.status_fetcher is None:
        return [
            Check.failed(
                "vc.status",
                "the credential has a status entry but no status fetcher was given",
                "STATUS_RETRIEVAL_ERROR",
            )
        ]
    from vcred.status.check import check_status

    def verify_list(list_credential: Any) -> VerificationReport:
        nested = _Context(
            opts=ctx.opts,
            now=ctx.now,
            resolver=ctx.resolver,
            loader=ctx.loader,
            status_fetcher=None,
            ledger=None,
            trust=None,
        )
        return _verify(list_credential, nested)

    try:
        return list(
            check_status(
                document,
                fetcher=ctx.status_fetcher,
                verify_list=verify_list,
                now=ctx.now,
                cache=ctx.opts.status_cache,
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


def _schema(document: dict[str, Any], ctx: _Context) -> Check:
    if not ctx.opts.check_schema:
        return Check.skipped("vc.schema", "schema checking was turned off")
    from vcred.model.families.schema_check import check_schema  # also a family credential that names no schema

    try:
        return check_schema(document)
    except Exception as exc:  # a schema bug must not crash the verifier
        return Check.failed("vc.schema", f"schema check failed: {type(exc).__name__}", MALFORMED)


def _ledger_checks(
    document: dict[str, Any], token: str | None, ctx: _Context, report: VerificationReport
) -> list[Check]:
    from vcred.verify.anchoring import ledger_checks

    try:
        return ledger_checks(
            document,
            ctx.ledger,
            report,
            secured=token if token is not None else document,
            now=ctx.now,
            anchor_proofs=[*ctx.opts.anchor_proofs, *ctx.anchor_proofs],
            trust_claimed_issuance_time=ctx.opts.trust_claimed_issuance_time,
        )
    except Exception as exc:  # a ledger fault must not crash the verifier
        return [
            Check.failed("vc.ledger", f"ledger check failed: {type(exc).__name__}: {str(exc)[:200]}", "LEDGER_ERROR")
        ]


def _trust(document: dict[str, Any], ctx: _Context, report: VerificationReport) -> Check:
    try:
        result: Check = ctx.trust.check(document, report=report, now=ctx.now)
    except Exception as exc:  # a registry bug must not crash the verifier
        return Check.failed("vc.trust", f"trust check failed: {type(exc).__name__}", "UNTRUSTED_ISSUER")
    return result


def _proof_ok(report: VerificationReport) -> bool:
    sig = [c for c in report.checks if c.id.endswith(".signature")]
    return bool(sig) and all(c.status is CheckStatus.PASSED for c in sig)


def _decide(report: VerificationReport) -> bool:
    return _proof_ok(report) and not report.failures
