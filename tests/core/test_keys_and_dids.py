"""Keys, Multikey, did:key (official vectors) and did:jwk; every malformed input is a typed error."""

from __future__ import annotations

import base64
import json

import pytest
from support import load_vector

from vcred.crypto import multibase
from vcred.crypto.jwk import jwk_to_public, public_to_jwk
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.did import default_resolver, did_jwk_for, did_key_for, resolve_verification_method
from vcred.errors import KeyFormatError, ResolutionError, SignatureError

DID_KEY = load_vector("did_key_ed25519.json")["vectors"]


@pytest.mark.parametrize("did", sorted(DID_KEY))
def test_did_key_vectors(did):
    vector = DID_KEY[did]
    key = Ed25519SigningKey(bytes.fromhex(vector["seed"]))
    assert did_key_for(key.public_key) == did
    result = default_resolver().resolve(did)
    method = result.methods[f"{did}#{did.split(':')[2]}"]
    assert method.public_key == key.public_key
    for purpose in ("assertionMethod", "authentication"):
        assert [m.id for m in result.authorised(purpose)] == [method.id]
    # the derived X25519 key agreement key matches the vector's
    expected_x = vector["keyAgreementKeyPair"]["id"].rsplit("#", 1)[1]
    assert list(result.document["keyAgreement"]) == [f"{did}#{expected_x}"]


def test_did_key_fragment_form_resolves_to_the_key():
    key = Ed25519SigningKey(bytes(32))
    did = did_key_for(key.public_key)
    method = resolve_verification_method(default_resolver(), f"{did}#{key.public_key.multibase}", "assertionMethod")
    assert method.public_key == key.public_key


def test_did_jwk_round_trip():
    key = Ed25519SigningKey(bytes(range(32)))
    did = did_jwk_for(key.public_key)
    method = resolve_verification_method(default_resolver(), did + "#0", "authentication")
    assert method.public_key == key.public_key
    assert jwk_to_public(public_to_jwk(key.public_key)) == key.public_key


@pytest.mark.parametrize(
    "did",
    [
        "did:web:example.com",
        "did:key:zNotBase58!!",
        "did:key:z6Mk",
        "did:key:" + multibase.encode_base58btc(b"\xec\x01" + bytes(32)),  # X25519, not a signing key
        "did:jwk:eyJrdHkiOiJSU0EifQ",  # an RSA JWK
        "did:jwk:!!!",
        "not-a-did",
        "did::",
        "did:key:" + "z" * 5000,
    ],
)
def test_unresolvable_dids_fail_clearly(did):
    with pytest.raises(ResolutionError) as info:
        default_resolver().resolve(did)
    assert info.value.message


def test_did_jwk_with_duplicate_members_is_refused():
    """Two "x" members would be one key to this parser and another key to the next: refuse, do not pick one."""
    key = Ed25519SigningKey(bytes(range(32)))
    jwk = public_to_jwk(key.public_key)
    other = public_to_jwk(Ed25519SigningKey(bytes(32)).public_key)
    text = json.dumps(jwk)[:-1] + f', "x": "{other["x"]}"}}'
    did = "did:jwk:" + base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
    with pytest.raises(ResolutionError, match="duplicate key 'x'"):
        default_resolver().resolve(did)


def test_unknown_method_names_the_supported_ones():
    with pytest.raises(ResolutionError, match="not supported") as info:
        default_resolver().resolve("did:example:123")
    assert "did:key" in str(info.value)


def test_wrong_purpose_and_missing_fragment():
    key = Ed25519SigningKey(bytes(32))
    did = did_key_for(key.public_key)
    with pytest.raises(ResolutionError, match="not authorised"):
        resolve_verification_method(default_resolver(), f"{did}#{key.public_key.multibase}", "keyAgreement")
    with pytest.raises(ResolutionError, match="fragment"):
        resolve_verification_method(default_resolver(), did, "assertionMethod")
    with pytest.raises(ResolutionError, match="no verification method"):
        resolve_verification_method(default_resolver(), f"{did}#other", "assertionMethod")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z",
        "u" + "A" * 10,
        "z" + "0OIl",
        multibase.encode_base58btc(b"\xed\x01" + bytes(31)),
        multibase.encode_base58btc(b"\x80\x26" + bytes(32)),
        "z" + "1" * 5000,
        42,
    ],
)
def test_bad_multikey_values(value):
    with pytest.raises(KeyFormatError):
        Ed25519PublicKey.from_multibase(value)


def test_base58_is_strict_about_its_alphabet():
    key = Ed25519SigningKey(bytes(32))
    for variant in (key.public_key.multibase + " ", " " + key.public_key.multibase, key.public_key.multibase + "\n"):
        with pytest.raises(KeyFormatError):
            Ed25519PublicKey.from_multibase(variant)


def test_secret_key_round_trip_and_repr_hides_secret():
    key = Ed25519SigningKey.generate()
    assert Ed25519SigningKey.from_multibase(key.secret_multibase).public_key == key.public_key
    assert key.secret_multibase not in repr(key)
    assert key.public_key.multibase.startswith("z6Mk")


def test_signature_checks():
    key = Ed25519SigningKey(bytes(32))
    sig = key.sign(b"hello")
    key.public_key.verify(b"hello", sig)
    with pytest.raises(SignatureError):
        key.public_key.verify(b"hellO", sig)
    with pytest.raises(SignatureError):
        key.public_key.verify(b"hello", sig[:63])
    with pytest.raises(SignatureError):
        Ed25519SigningKey(bytes([1] * 32)).public_key.verify(b"hello", sig)
