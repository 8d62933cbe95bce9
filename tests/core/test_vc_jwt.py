"""VC-JOSE pitfalls: alg none, HMAC with the public key, foreign kid, crit, vc claim, iss mismatch, expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from vcred.crypto.keys import Ed25519SigningKey
from vcred.did import default_resolver
from vcred.did.key import did_key_method_id
from vcred.jose.vc_jwt import VC_JWT, JwtExpectations, sign_jwt, verify_jwt
from vcred.testing import FIXED_NOW, insecure_seeded_key

ISSUER = insecure_seeded_key("jwt issuer")
ATTACKER = insecure_seeded_key("jwt attacker")
DID = ISSUER.public_key.did_key


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def payload(**extra):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "credentialSubject": {"id": "did:example:holder", "name": "Dr. Test"},
        **extra,
    }


def run(token, *, now=FIXED_NOW, nonce=None, audience=None, typ=VC_JWT):
    return verify_jwt(
        token,
        JwtExpectations(typ=typ, purpose="assertionMethod", now=now, nonce=nonce, audience=audience),
        controller_of=lambda p: p.get("issuer"),
        resolver=default_resolver(),
        prefix="vc",
    )


def failed_ids(result):
    return [c.id for c in result.checks if c.status == "failed"]


def forge(header: dict, body: dict, sign) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def test_round_trip():
    token = sign_jwt(payload(), ISSUER, kid=did_key_method_id(ISSUER.public_key))
    result = run(token)
    assert result.ok and result.payload["issuer"] == DID


def test_alg_none_is_refused():
    token = forge({"alg": "none", "kid": did_key_method_id(ISSUER.public_key)}, payload(), lambda m: b"")
    assert failed_ids(run(token)) == ["vc.jose.header"]


def test_hs256_signed_with_the_public_key_is_refused():
    key = ISSUER.public_key.raw
    token = forge(
        {"alg": "HS256", "kid": did_key_method_id(ISSUER.public_key), "typ": "vc+jwt"},
        payload(),
        lambda m: hmac.new(key, m, hashlib.sha256).digest(),
    )
    result = run(token)
    assert failed_ids(result) == ["vc.jose.header"] and "not allowed" in result.checks[0].reason


def test_kid_of_another_did_is_refused():
    token = sign_jwt(payload(), ATTACKER, kid=did_key_method_id(ATTACKER.public_key))
    assert failed_ids(run(token)) == ["vc.jose.verification_method"]


def test_kid_pointing_at_the_issuer_but_signed_by_another_key():
    token = sign_jwt(payload(), ATTACKER, kid=did_key_method_id(ISSUER.public_key))
    assert failed_ids(run(token)) == ["vc.jose.signature"]


def test_crit_header_is_refused():
    kid = did_key_method_id(ISSUER.public_key)
    token = forge({"alg": "EdDSA", "kid": kid, "crit": ["exp"], "exp": 1}, payload(), ISSUER.sign)
    assert failed_ids(run(token)) == ["vc.jose.header"]


def test_embedded_jwk_header_is_refused():
    kid = did_key_method_id(ISSUER.public_key)
    token = forge({"alg": "EdDSA", "kid": kid, "jwk": {"kty": "OKP"}}, payload(), ISSUER.sign)
    assert failed_ids(run(token)) == ["vc.jose.header"]


def test_vc_claim_is_refused():
    kid = did_key_method_id(ISSUER.public_key)
    token = forge({"alg": "EdDSA", "kid": kid}, payload(vc={"issuer": "someone"}), ISSUER.sign)
    assert failed_ids(run(token)) == ["vc.jose.claims"]
    with pytest.raises(Exception, match="vc"):
        sign_jwt(payload(vc={}), ISSUER, kid=kid)


def test_iss_disagreeing_with_issuer_is_refused():
    token = sign_jwt(payload(iss="did:example:other"), ISSUER, kid=did_key_method_id(ISSUER.public_key))
    assert failed_ids(run(token)) == ["vc.jose.claims"]


def test_expired_jwt_and_not_yet_valid():
    kid = did_key_method_id(ISSUER.public_key)
    expired = sign_jwt(payload(exp=int((FIXED_NOW - timedelta(hours=1)).timestamp())), ISSUER, kid=kid)
    assert failed_ids(run(expired)) == ["vc.jose.claims"]
    future = sign_jwt(payload(nbf=int((FIXED_NOW + timedelta(hours=1)).timestamp())), ISSUER, kid=kid)
    assert failed_ids(run(future)) == ["vc.jose.claims"]


def test_wrong_typ_is_refused():
    token = sign_jwt(payload(), ISSUER, kid=did_key_method_id(ISSUER.public_key), typ="vp+jwt")
    assert failed_ids(run(token)) == ["vc.jose.header"]


def test_tampered_payload_fails_signature():
    token = sign_jwt(payload(), ISSUER, kid=did_key_method_id(ISSUER.public_key))
    head, body, sig = token.split(".")
    evil = json.loads(base64.urlsafe_b64decode(body + "=="))
    evil["credentialSubject"]["name"] = "Dr. Evil"
    assert failed_ids(run(f"{head}.{b64(json.dumps(evil).encode())}.{sig}")) == ["vc.jose.signature"]


@pytest.mark.parametrize("junk", ["", "a.b", "a.b.c", "....", "e30.e30.", "eyJhbGciOiJFZERTQSJ9.W10.AA", "x" * 10000])
def test_junk_never_raises(junk):
    result = run(junk)
    assert not result.ok and failed_ids(result)


def test_nonce_and_audience_for_presentations():
    kid = did_key_method_id(ISSUER.public_key)
    token = sign_jwt(payload(nonce="n-1", aud="hospital.example"), ISSUER, kid=kid)
    assert run(token, nonce="n-1", audience="hospital.example").ok
    assert failed_ids(run(token, nonce="n-2", audience="hospital.example")) == ["vc.jose.claims"]
    assert failed_ids(run(token, nonce="n-1", audience="evil.example")) == ["vc.jose.claims"]


def test_generated_key_signs():
    key = Ed25519SigningKey.generate()
    token = sign_jwt({**payload(), "issuer": key.public_key.did_key}, key, kid=did_key_method_id(key.public_key))
    assert run(token).ok


def signed_raw(body: bytes, header: dict | None = None) -> str:
    """A vc+jwt over exactly these payload bytes, correctly signed by the issuer (only the parse can refuse it)."""
    head = header or {"alg": "EdDSA", "kid": did_key_method_id(ISSUER.public_key), "typ": VC_JWT}
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(body)}"
    return f"{signing_input}.{b64(ISSUER.sign(signing_input.encode()))}"


DUPLICATE_ISSUER = (
    json.dumps(payload())[:-1] + ', "issuer": "did:example:someone-else"}'
).encode()  # two "issuer" members: parsers disagree on which one counts
DEEP = b'{"@context":["https://www.w3.org/ns/credentials/v2"],"x":' + b"[" * 10_000 + b"]" * 10_000 + b"}"


def test_the_raw_helper_signs_what_verifies():
    assert run(signed_raw(json.dumps(payload()).encode())).ok


@pytest.mark.parametrize(
    ("body", "reason"),
    [(DUPLICATE_ISSUER, "duplicate key 'issuer'"), (DEEP, "nests deeper"), (b'{"x": NaN}', "not a JSON number")],
    ids=["duplicate-keys", "10000-deep", "nan"],
)
def test_a_payload_strict_json_refuses_is_a_failed_check(body, reason):
    result = run(signed_raw(body))
    assert failed_ids(result) == ["vc.jose.header"]
    assert reason in result.checks[0].reason
    assert result.payload is None


def test_a_header_with_duplicate_keys_is_a_failed_check():
    kid = did_key_method_id(ISSUER.public_key)
    head = f'{{"alg":"none","alg":"EdDSA","kid":"{kid}","typ":"vc+jwt"}}'.encode()
    signing_input = f"{b64(head)}.{b64(json.dumps(payload()).encode())}"
    token = f"{signing_input}.{b64(ISSUER.sign(signing_input.encode()))}"
    result = run(token)
    assert failed_ids(result) == ["vc.jose.header"] and "duplicate key 'alg'" in result.checks[0].reason


@pytest.mark.parametrize("body", [DUPLICATE_ISSUER, DEEP], ids=["duplicate-keys", "10000-deep"])
def test_verify_credential_reports_a_strict_json_refusal(body):
    import vcred

    report = vcred.verify_credential(signed_raw(body), now=FIXED_NOW)
    assert not report.verified
    assert any(c.status == "failed" for c in report.checks)
