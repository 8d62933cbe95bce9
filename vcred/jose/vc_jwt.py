"""Issue and verify ``vc+jwt`` / ``vp+jwt`` (W3C VC-JOSE-COSE, JOSE section).

The JWT payload *is* the credential (or presentation) JSON; ``vc``/``vp`` claims are refused. Only ``EdDSA`` is
accepted (an allow-list the caller may narrow, never widen to ``none`` or HMAC), the header must name a ``kid``
that resolves through the DID resolver to a key its DID authorises for the purpose, and a ``crit`` header is
refused because vcred understands no extensions.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from jwcrypto import jws

from vcred._json import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, parse_json
from vcred.crypto.jwk import to_jwcrypto
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.multibase import b64url_decode
from vcred.did.resolver import DIDResolver, resolve_verification_method, split_did_url
from vcred.errors import KeyFormatError, ResolutionError, SignatureError, UsageError
from vcred.report import Check

SUPPORTED_ALGS = ("EdDSA",)
VC_JWT = "vc+jwt"
VP_JWT = "vp+jwt"
_MAX_HEADER_BYTES = 4096
# JWT claims (RFC 7519 and VC-JOSE-COSE) that the JOSE layer reads with their JWT meaning, not as JSON-LD terms
JWT_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "cnf")


class _Signer(enum.Enum):
    SIGNING_DID = "the DID the signing key belongs to"


SIGNING_DID: Final = _Signer.SIGNING_DID
"""What ``controller_of`` answers when the document names no controlling party (a presentation without a
holder, verified as VC 2.0 allows): the key must then be controlled by the DID it belongs to."""

Controller = str | _Signer | None
"""The DID that must control the signing key, SIGNING_DID, or None (nobody: nothing verifies)."""
ControllerOf = Callable[[dict[str, Any]], Controller]


def sign_jwt(
    payload: dict[str, Any], key: Ed25519SigningKey, *, kid: str, typ: str = VC_JWT, cty: str | None = None
) -> str:
    """A compact JWS over ``payload`` (JSON), signed with EdDSA, header ``{alg, kid, typ[, cty]}``."""
    if "vc" in payload or "vp" in payload:
        raise UsageError("VC-JOSE payloads are the credential itself; remove the 'vc'/'vp' claim")
    header: dict[str, str] = {"alg": "EdDSA", "kid": kid, "typ": typ}
    if cty is not None:
        header["cty"] = cty
    token = jws.JWS(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    token.add_signature(to_jwcrypto(key), alg="EdDSA", protected=json.dumps(header, separators=(",", ":")))
    return str(token.serialize(compact=True))


@dataclass(frozen=True)
class JwtExpectations:
    """What a verifier requires of a JWT: its ``typ``, the key's purpose and controller, freshness.

    ``max_bytes`` and ``max_depth`` bound the decoded payload (as ``VerifyOptions`` bounds any other input).
    """

    typ: str
    purpose: str
    now: datetime
    allowed_algs: Sequence[str] = SUPPORTED_ALGS
    max_clock_skew: timedelta = timedelta(minutes=5)
    nonce: str | None = None
    audience: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH


@dataclass
class JwtResult:
    """Checks in order, and the verified payload (None unless the signature verified)."""

    checks: list[Check] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    header: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when every check passed or was skipped and the payload verified."""
        return self.payload is not None and not any(c.status.value == "failed" for c in self.checks)


def split_compact(token: str) -> tuple[str, str, str]:
    """The three base64url parts of a compact JWS; ValueError if it is not one."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise ValueError("not a compact JWS (expected header.payload.signature)")
    return parts[0], parts[1], parts[2]


def peek_payload(token: str) -> dict[str, Any]:
    """The payload JSON of a compact JWS, unverified (to learn the issuer before verifying)."""
    _, payload_b64, _ = split_compact(token)
    payload = parse_json(b64url_decode(payload_b64))  # bounded: a nested payload is a ValueError, not a crash
    if not isinstance(payload, dict):
        raise ValueError("the JWT payload must be a JSON object")
    return payload


def verify_jwt(
    token: str,
    expectations: JwtExpectations,
    *,
    controller_of: ControllerOf,
    resolver: DIDResolver,
    prefix: str,
) -> JwtResult:
    """Verify a compact JWS credential or presentation.

    ``controller_of(payload) -> str | None`` names the DID that must control the signing key (issuer or holder).
    Never raises for bad input: every problem is a failed check.
    """
    result = JwtResult()
    checks = result.checks
    try:
        header_b64, payload_b64, _ = split_compact(token)
        if len(header_b64) > _MAX_HEADER_BYTES:
            raise ValueError("the JOSE header is too large")
        # strict and bounded, like every other input: duplicate keys (read one way here, another way elsewhere),
        # deep nesting and NaN are refused before anything reads a claim
        header = parse_json(b64url_decode(header_b64), max_bytes=_MAX_HEADER_BYTES)
        payload = parse_json(
            b64url_decode(payload_b64), max_bytes=expectations.max_bytes, max_depth=expectations.max_depth
        )
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise ValueError("header and payload must be JSON objects")
    except (ValueError, KeyFormatError, UnicodeDecodeError, RecursionError) as exc:
        checks.append(Check.failed(f"{prefix}.jose.header", f"not a valid JWT: {exc}", "MALFORMED_VALUE_ERROR"))
        return _skip_rest(result, prefix, "jose.header")
    result.header = header
    problem = _header_problem(header, expectations)
    if problem:
        checks.append(Check.failed(f"{prefix}.jose.header", problem, "PROOF_VERIFICATION_ERROR"))
        return _skip_rest(result, prefix, "jose.header")
    checks.append(Check.passed(f"{prefix}.jose.header", f"alg {header['alg']}, typ {header.get('typ', '-')}"))

    kid = header["kid"]
    controller = controller_of(payload)
    try:
        kid_did, _ = split_did_url(kid)
        if controller is SIGNING_DID:
            controller = kid_did  # no other party is named: the key must be controlled by the DID it belongs to
        if controller is None:
            raise ResolutionError(
                f"the {prefix.upper()} names no DID that may sign it (no {'issuer' if prefix == 'vc' else 'holder'})"
            )
        if kid_did != controller:
            raise ResolutionError(f"kid {kid[:80]} does not belong to {str(controller)[:80]}")
        issued = _numeric_date(payload.get("iat"))
        method = resolve_verification_method(resolver, kid, expectations.purpose, as_of=issued)
        if method.controller != controller:
            # the same rule as Data Integrity proofs: the key must be controlled by the issuer (holder), not only
            # listed in its DID document
            raise ResolutionError(f"{method.id[:80]} is controlled by {method.controller[:80]}, not {controller[:80]}")
    except ResolutionError as exc:
        checks.append(Check.failed(f"{prefix}.jose.verification_method", str(exc), "INVALID_VERIFICATION_METHOD"))
        return _skip_rest(result, prefix, "jose.verification_method")
    except Exception as exc:  # a caller-supplied resolver must not crash verification
        checks.append(
            Check.failed(
                f"{prefix}.jose.verification_method",
                f"resolver failed: {type(exc).__name__}",
                "INVALID_VERIFICATION_METHOD",
            )
        )
        return _skip_rest(result, prefix, "jose.verification_method")
    checks.append(
        Check.passed(
            f"{prefix}.jose.verification_method",
            f"{kid} is authorised for {expectations.purpose}",
            verification_method=method.id,
            key_as_of=issued.isoformat() if issued is not None else None,
        )
    )

    try:
        # the header was checked above (alg EdDSA from the allow-list, no crit, no embedded keys), so what remains
        # is RFC 7515's signing input and an Ed25519 signature: checked by libsodium, strict base64url throughout
        if header.get("alg") not in [a for a in expectations.allowed_algs if a in SUPPORTED_ALGS]:
            raise ValueError("the algorithm is not allowed")
        header_b64, payload_b64, signature_b64 = split_compact(token)
        method.public_key.verify(f"{header_b64}.{payload_b64}".encode("ascii"), b64url_decode(signature_b64))
    except (SignatureError, ValueError, KeyFormatError, TypeError, UnicodeEncodeError) as exc:
        checks.append(
            Check.failed(
                f"{prefix}.jose.signature",
                f"the JWS signature does not verify ({type(exc).__name__})",
                "PROOF_VERIFICATION_ERROR",
            )
        )
        return _skip_rest(result, prefix, "jose.signature")
    checks.append(Check.passed(f"{prefix}.jose.signature", "the EdDSA signature is valid"))

    claims_problem = _claims_problem(payload, controller, expectations)
    if claims_problem:
        checks.append(Check.failed(f"{prefix}.jose.claims", claims_problem[1], claims_problem[0]))
        return result
    checks.append(Check.passed(f"{prefix}.jose.claims", "JWT claims agree with the document and are current"))
    result.payload = payload
    return result


def _skip_rest(result: JwtResult, prefix: str, failed: str) -> JwtResult:
    order = ["jose.header", "jose.verification_method", "jose.signature", "jose.claims"]
    for step in order[order.index(failed) + 1 :]:
        result.checks.append(Check.skipped(f"{prefix}.{step}", f"not checked: {prefix}.{failed} failed"))
    return result


def _header_problem(header: dict[str, Any], exp: JwtExpectations) -> str | None:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in exp.allowed_algs or alg not in SUPPORTED_ALGS:
        return f"algorithm {str(alg)[:20]!r} is not allowed (allowed: {', '.join(exp.allowed_algs)})"
    if "crit" in header:
        return "the header lists critical extensions vcred does not understand"
    for name in ("jwk", "jku", "x5u", "x5c"):
        if name in header:
            return f"embedded or remote keys ({name}) are not accepted; keys come from the issuer's DID"
    typ = header.get("typ")
    if typ is not None and typ not in (exp.typ, f"application/{exp.typ}"):
        return f"typ is {str(typ)[:40]!r}; expected {exp.typ!r}"
    cty = header.get("cty")
    if cty is not None and cty not in (exp.typ.split("+")[0], f"application/{exp.typ.split('+')[0]}"):
        return f"cty is {str(cty)[:40]!r}"
    if not isinstance(header.get("kid"), str):
        return "the header has no kid naming the signing key"
    return None


def _numeric_date(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _claims_problem(payload: dict[str, Any], controller: Any, exp: JwtExpectations) -> tuple[str, str] | None:
    if "vc" in payload or "vp" in payload:
        return (
            "MALFORMED_VALUE_ERROR",
            "a 'vc'/'vp' claim is not allowed: the payload is the document itself",
        )
    if "iss" in payload and payload["iss"] != controller:
        return ("PROOF_VERIFICATION_ERROR", "the JWT 'iss' does not match the document's issuer/holder")
    for name in ("exp", "nbf", "iat"):
        if name in payload and _numeric_date(payload[name]) is None:
            return ("MALFORMED_VALUE_ERROR", f"JWT claim {name!r} is not a NumericDate")
    skew = exp.max_clock_skew
    expires = _numeric_date(payload.get("exp"))
    if expires is not None and exp.now - skew >= expires:
        return ("PROOF_EXPIRED_ERROR", f"the JWT expired at {expires.isoformat()}")
    not_before = _numeric_date(payload.get("nbf"))
    if not_before is not None and exp.now + skew < not_before:
        return ("PROOF_VERIFICATION_ERROR", f"the JWT is not valid before {not_before.isoformat()}")
    if exp.nonce is not None and payload.get("nonce") != exp.nonce:
        return ("INVALID_CHALLENGE_ERROR", "the JWT nonce is not the challenge that was issued")
    if exp.audience is not None:
        aud = payload.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if exp.audience not in auds:
            return ("INVALID_DOMAIN_ERROR", "the JWT is addressed to another audience")
    return None
