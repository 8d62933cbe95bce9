"""OKP / Ed25519 JSON Web Keys, through jwcrypto."""

from __future__ import annotations

import json
from typing import Any

from jwcrypto import jwk

from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.crypto.multibase import b64url_decode, b64url_encode
from vcred.errors import KeyFormatError


def public_to_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public JWK (``kty: OKP``, ``crv: Ed25519``)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.raw)}


def secret_to_jwk(key: Ed25519SigningKey) -> dict[str, str]:
    """The private JWK. Handle with care."""
    return {**public_to_jwk(key.public_key), "d": b64url_encode(key.seed)}


def jwk_to_public(value: Any) -> Ed25519PublicKey:
    """An Ed25519 public key from a JWK dict; raise KeyFormatError for any other key type or shape."""
    if not isinstance(value, dict):
        raise KeyFormatError("a JWK must be a JSON object")
    if value.get("kty") != "OKP" or value.get("crv") != "Ed25519":
        raise KeyFormatError("only OKP Ed25519 JWKs are supported")
    if "d" in value:
        raise KeyFormatError("a public JWK must not contain the private key 'd'")
    x = value.get("x")
    if not isinstance(x, str) or len(x) > 64:
        raise KeyFormatError("JWK 'x' must be a base64url string")
    return Ed25519PublicKey(b64url_decode(x))


def to_jwcrypto(key: Ed25519SigningKey | Ed25519PublicKey) -> jwk.JWK:
    """A jwcrypto key object, for signing or verifying JWS."""
    data = secret_to_jwk(key) if isinstance(key, Ed25519SigningKey) else public_to_jwk(key)
    try:
        return jwk.JWK(**data)
    except Exception as exc:  # jwcrypto raises several unrelated types for bad input
        raise KeyFormatError(f"invalid JWK: {exc}") from None


def thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url)."""
    return str(jwk.JWK(**public_to_jwk(key)).thumbprint())


def canonical_jwk_json(key: Ed25519PublicKey) -> str:
    """Compact JSON of the public JWK with members in lexicographic order (as did:jwk expects)."""
    return json.dumps(public_to_jwk(key), separators=(",", ":"), sort_keys=True)
