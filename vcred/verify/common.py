"""What the credential and presentation pipelines share: reading input, the proof's outcome, the safety net."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from vcred._json import InputRejectedError, check_shape, parse_json
from vcred.report import Check, CheckStatus
from vcred.verify.options import VerifyOptions

if TYPE_CHECKING:
    from vcred.jose.vc_jwt import ControllerOf, JwtResult
    from vcred.verify.verifier import Call

MALFORMED = "MALFORMED_VALUE_ERROR"
R = TypeVar("R")


def read_input(value: Any, opts: VerifyOptions, *, what: str) -> tuple[dict[str, Any] | None, str | None]:
    """A JSON object (from a dict, JSON text or bytes) or a compact JWS, within the size and depth limits.

    Returns ``(document, None)`` or ``(None, token)``; an EnvelopedVerifiableCredential gives its vc+jwt token.
    Raises InputRejectedError with the reason.
    """
    if isinstance(value, bytes | bytearray):
        if len(value) > opts.max_bytes:
            raise InputRejectedError(f"input is {len(value)} bytes; the limit is {opts.max_bytes}")
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InputRejectedError("input is not UTF-8 text") from None
    if isinstance(value, str):
        if len(value) > opts.max_bytes:
            raise InputRejectedError(f"input is {len(value)} characters; the limit is {opts.max_bytes}")
        text = value.strip()
        if text.startswith("{"):
            parsed = parse_json(text, max_bytes=opts.max_bytes, max_depth=opts.max_depth)
        elif text.count(".") == 2 and " " not in text:
            return None, text
        else:
            raise InputRejectedError(f"input is neither a JSON {what} nor a compact JWS")
    elif isinstance(value, dict):
        check_shape(value, max_bytes=opts.max_bytes, max_depth=opts.max_depth)
        parsed = value
    else:
        raise InputRejectedError(f"a {what} must be a dict, JSON text or a compact JWS, not {type(value).__name__}")
    if not isinstance(parsed, dict):
        raise InputRejectedError(f"a {what} must be a JSON object")
    types = parsed.get("type")
    if "EnvelopedVerifiableCredential" in (types if isinstance(types, list) else [types]):
        data_url = parsed.get("id")
        prefix = "data:application/vc+jwt,"
        if not isinstance(data_url, str) or not data_url.startswith(prefix):
            raise InputRejectedError("an EnvelopedVerifiableCredential must carry a data:application/vc+jwt, URL")
        return None, data_url[len(prefix) :]
    return parsed, None


def proof_format(proof: Any) -> str | None:
    """The cryptosuite (or, for suites without one, the proof type) of the first proof."""
    first = proof[0] if isinstance(proof, list) and proof else proof
    if isinstance(first, dict):
        name = first.get("cryptosuite") or first.get("type")
        return name if isinstance(name, str) else None
    return None


@dataclass(frozen=True)
class ProofOutcome:
    """What the proof step established, typed: later steps read this, never the check ids."""

    verified: bool
    key_moment: datetime | None = None  # when the signing key was looked up (one time per decision)
    expires: datetime | None = None  # the earliest expiry of the proofs that verified (None: none expires)

    @classmethod
    def of(cls, proof_checks: list[Check]) -> ProofOutcome:
        """From the proof layer's checks: verified when every signature check passed (and there is one)."""
        signatures = [c for c in proof_checks if c.id.endswith(".signature")]
        verified = bool(signatures) and all(c.status is CheckStatus.PASSED for c in signatures)
        # with a proof set the earliest moment decides: its key is the oldest, and an old key is what a thief holds
        moments = _moments(proof_checks, "key_as_of")
        # and the set lasts as long as its shortest-lived proof that verified, whichever position it holds
        signed = {c.id.rsplit(".", 1)[0] for c in signatures if c.status is CheckStatus.PASSED}
        expiries = _moments([c for c in proof_checks if c.id.rsplit(".", 1)[0] in signed], "expires")
        return cls(verified, min(moments) if moments else None, min(expiries) if expiries else None)


def _moments(checks: list[Check], detail: str) -> list[datetime]:
    """The moments named by ``detail`` in the passed checks."""
    out = []
    for check in checks:
        value = check.details.get(detail) if check.status is CheckStatus.PASSED else None
        if isinstance(value, str):
            try:
                out.append(datetime.fromisoformat(value))
            except ValueError:
                continue
    return out


@dataclass(frozen=True)
class ListSeen:
    """A status list the status step verified and read: what the ledger step proves was anchored."""

    url: str
    sha256: str
    issuer: str | None

    @classmethod
    def of(cls, status_checks: list[Check]) -> list[ListSeen]:
        """From the status layer's checks: each list it fetched and verified (skipped entries read none)."""
        seen = []
        for check in status_checks:
            details = check.details
            if check.status is not CheckStatus.SKIPPED and "sha256" in details and "list" in details:
                seen.append(cls(str(details["list"]), str(details["sha256"]), details.get("issuer")))
        return seen


def verify_data_integrity(
    document: dict[str, Any],
    call: Call,
    *,
    purpose: str,
    controller: Any,
    prefix: str,
    challenge: str | None = None,
    domain: str | None = None,
) -> tuple[list[Check], ProofOutcome]:
    """A document's Data Integrity proofs checked with the call's moment, skew, resolver and loader (one place for
    credentials and presentations), and the outcome every later step reads."""
    from vcred.proofs.data_integrity import ProofExpectations, verify_proofs

    expectations = ProofExpectations(
        purpose=purpose,
        controller=controller,
        now=call.now,
        challenge=challenge,
        domain=domain,
        max_clock_skew=call.opts.max_clock_skew,
    )
    checks = verify_proofs(
        document, expectations, resolver=call.verifier.resolver, loader=call.verifier.loader, prefix=prefix
    )
    return checks, ProofOutcome.of(checks)


def verify_token(
    token: str,
    call: Call,
    *,
    typ: str,
    purpose: str,
    controller_of: ControllerOf,
    prefix: str,
    nonce: str | None = None,
    audience: str | None = None,
) -> JwtResult:
    """A vc+jwt or vp+jwt checked with the call's moment, algorithms, skew and input limits (one place for both)."""
    from vcred.jose.vc_jwt import JwtExpectations, verify_jwt

    opts = call.opts
    expectations = JwtExpectations(
        typ=typ,
        purpose=purpose,
        now=call.now,
        allowed_algs=opts.allowed_algs,
        max_clock_skew=opts.max_clock_skew,
        max_bytes=opts.max_bytes,  # the caller's limits hold inside a JWT too
        max_depth=opts.max_depth,
        nonce=nonce,
        audience=audience,
    )
    return verify_jwt(token, expectations, controller_of=controller_of, resolver=call.verifier.resolver, prefix=prefix)


def guarded(run: Callable[[], R], failed: Callable[[Check], R], prefix: str) -> R:
    """Run a pipeline behind a last safety net: a bug must never turn into an exception or a pass."""
    try:
        return run()
    except RecursionError:
        return failed(Check.failed(f"{prefix}.input", "the input nests too deeply", MALFORMED))
    except Exception as exc:
        return failed(
            Check.failed(
                f"{prefix}.internal",
                f"verification stopped on an internal error ({type(exc).__name__}); the input is not accepted",
                "INTERNAL_ERROR",
            )
        )


def well_formed(check: Callable[[dict[str, Any]], list[str]], document: dict[str, Any]) -> list[str]:
    """The data model's problems with ``document`` (a model bug is reported, never raised)."""
    try:
        return check(document)
    except Exception as exc:
        return [f"could not check the data model: {type(exc).__name__}"]
