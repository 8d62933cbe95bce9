"""did:key for Ed25519 (W3C CCG did:key spec): pure and offline.

``did:key:z6Mk…`` expands to a document with one Multikey verification method ``did:key:z6Mk…#z6Mk…`` authorised
for every verification relationship, plus the X25519 key-agreement key derived from it.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from vcred.crypto import multibase
from vcred.crypto.keys import Ed25519PublicKey, x25519_from_ed25519
from vcred.did.resolver import PURPOSES, ResolutionResult, VerificationMethod, split_did_url
from vcred.errors import KeyFormatError, ResolutionError

_X25519_HEADER = b"\xec\x01"


def did_key_for(public_key: Ed25519PublicKey) -> str:
    """The did:key DID of an Ed25519 public key."""
    return "did:key:" + public_key.multibase


def did_key_method_id(public_key: Ed25519PublicKey) -> str:
    """The verification method id (DID URL) for an Ed25519 did:key."""
    return f"{did_key_for(public_key)}#{public_key.multibase}"


class KeyResolver:
    """Resolves ``did:key`` DIDs of Ed25519 keys."""

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Expand the DID into its document (``as_of`` is irrelevant: did:key has no history)."""
        bare, _ = split_did_url(did)
        return _resolve(bare)


@lru_cache(maxsize=4096)
def _resolve(bare: str) -> ResolutionResult:
    """did:key resolution is a pure function of the DID: results are cached, with a read-only document."""
    parts = bare.split(":")
    if len(parts) != 3 or parts[1] != "key":
        raise ResolutionError(f"not a did:key DID: {bare[:80]!r}")
    value = parts[2]
    try:
        public_key, x_value = _key_material(value)
    except KeyFormatError as exc:
        raise ResolutionError(f"invalid did:key {bare[:80]!r}: {exc.message}") from None
    vm_id = f"{bare}#{value}"
    document: dict[str, Any] = {
        "@context": ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"),
        "id": bare,
        "verificationMethod": (
            MappingProxyType({"id": vm_id, "type": "Multikey", "controller": bare, "publicKeyMultibase": value}),
            MappingProxyType(
                {"id": f"{bare}#{x_value}", "type": "Multikey", "controller": bare, "publicKeyMultibase": x_value}
            ),
        ),
        **{purpose: (vm_id,) for purpose in PURPOSES},
        "keyAgreement": (f"{bare}#{x_value}",),
    }
    method = VerificationMethod(id=vm_id, type="Multikey", controller=bare, public_key=public_key)
    return ResolutionResult(
        did=bare,
        document=MappingProxyType(document),
        methods=MappingProxyType({vm_id: method}),  # type: ignore[arg-type]
        relationships=MappingProxyType({purpose: (vm_id,) for purpose in PURPOSES}),  # type: ignore[arg-type]
    )


@lru_cache(maxsize=4096)
def _key_material(value: str) -> tuple[Ed25519PublicKey, str]:
    """Decoding the key and deriving its X25519 twin dominate resolution; both are pure, so they are cached."""
    public_key = Ed25519PublicKey.from_multibase(value)
    x_value = multibase.encode_base58btc(_X25519_HEADER + x25519_from_ed25519(public_key))
    return public_key, x_value
