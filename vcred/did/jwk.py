"""did:jwk for Ed25519 (OKP) keys: pure and offline.

``did:jwk:<base64url(JSON JWK)>`` names one verification method ``#0`` of type JsonWebKey.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcred._json import parse_json
from vcred.crypto.jwk import canonical_jwk_json, jwk_to_public
from vcred.crypto.keys import Ed25519PublicKey
from vcred.crypto.multibase import b64url_decode, b64url_encode
from vcred.did.resolver import PURPOSES, ResolutionResult, VerificationMethod, split_did_url
from vcred.errors import KeyFormatError, ResolutionError

_MAX_JWK_CHARS = 1024


def did_jwk_for(public_key: Ed25519PublicKey) -> str:
    """The did:jwk DID of an Ed25519 public key."""
    return "did:jwk:" + b64url_encode(canonical_jwk_json(public_key).encode("utf-8"))


class JwkResolver:
    """Resolves ``did:jwk`` DIDs of Ed25519 keys."""

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Decode the JWK in the DID and build its document."""
        bare, _ = split_did_url(did)
        parts = bare.split(":")
        if len(parts) != 3 or parts[1] != "jwk" or len(parts[2]) > _MAX_JWK_CHARS:
            raise ResolutionError(f"not a did:jwk DID: {bare[:80]!r}")
        try:
            jwk: Any = parse_json(b64url_decode(parts[2]))  # one JWK, one reading: no duplicate members
            public_key = jwk_to_public(jwk)
        except (KeyFormatError, ValueError, UnicodeDecodeError) as exc:
            raise ResolutionError(f"invalid did:jwk {bare[:80]!r}: {exc}") from None
        if jwk.get("use") == "enc":
            raise ResolutionError("this did:jwk key is for encryption only and cannot sign")
        vm_id = f"{bare}#0"
        document: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
            "id": bare,
            "verificationMethod": [{"id": vm_id, "type": "JsonWebKey", "controller": bare, "publicKeyJwk": jwk}],
            **{purpose: [vm_id] for purpose in PURPOSES},
        }
        method = VerificationMethod(id=vm_id, type="JsonWebKey", controller=bare, public_key=public_key)
        return ResolutionResult(
            did=bare,
            document=document,
            methods={vm_id: method},
            relationships={purpose: (vm_id,) for purpose in PURPOSES},
        )
