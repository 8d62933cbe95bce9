"""Ed25519 keys: bytes in, bytes out, constant-time comparison, no secrets in repr."""

from __future__ import annotations

import hashlib
import os

import nacl.bindings
import nacl.exceptions
import nacl.signing

from vcred.crypto import multibase
from vcred.errors import KeyFormatError, SignatureError


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


class Ed25519PublicKey:
    """An Ed25519 verification key."""

    __slots__ = ("_raw", "_verify_key")

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes | bytearray) or len(raw) != 32:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        try:
            self._verify_key = nacl.signing.VerifyKey(bytes(raw))
        except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
            raise KeyFormatError(f"invalid Ed25519 public key: {exc}") from None
        self._raw = bytes(raw)

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519PublicKey:
        """From a ``publicKeyMultibase`` (``z6Mk…``)."""
        return cls(multibase.decode_multikey_public(value))

    @property
    def raw(self) -> bytes:
        """The 32 raw bytes."""
        return self._raw

    @property
    def multibase(self) -> str:
        """The ``publicKeyMultibase`` form."""
        return multibase.encode_multikey_public(self._raw)

    @property
    def did_key(self) -> str:
        """The did:key DID of this key."""
        return "did:key:" + self.multibase

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise SignatureError unless ``signature`` is a valid Ed25519 signature on ``message``."""
        if not isinstance(signature, bytes | bytearray) or len(signature) != 64:
            raise SignatureError("an Ed25519 signature is 64 bytes")
        try:
            self._verify_key.verify(bytes(message), bytes(signature))
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError) as exc:
            raise SignatureError("the Ed25519 signature does not verify") from exc

    def is_valid(self, message: bytes, signature: bytes) -> bool:
        """True when the signature verifies."""
        try:
            self.verify(message, signature)
        except SignatureError:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ed25519PublicKey):
            return NotImplemented
        return bool(nacl.bindings.sodium_memcmp(self._raw, other._raw))

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"Ed25519PublicKey({self.multibase})"


class Ed25519SigningKey:
    """An Ed25519 signing key. Its repr never shows the secret."""

    __slots__ = ("_public", "_signing_key")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes | bytearray) or len(seed) != 32:
            raise KeyFormatError("an Ed25519 secret key seed is 32 bytes")
        self._signing_key = nacl.signing.SigningKey(bytes(seed))
        self._public = Ed25519PublicKey(bytes(self._signing_key.verify_key))

    @classmethod
    def generate(cls) -> Ed25519SigningKey:
        """A new key from the operating system's CSPRNG."""
        return cls(os.urandom(32))

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519SigningKey:
        """From a ``secretKeyMultibase`` (also accepts the legacy ``privateKeyMultibase`` value)."""
        return cls(multibase.decode_multikey_secret(value))

    @property
    def seed(self) -> bytes:
        """The 32-byte secret seed. Handle with care."""
        return bytes(self._signing_key)

    @property
    def secret_multibase(self) -> str:
        """The ``secretKeyMultibase`` form. Handle with care."""
        return multibase.encode_multikey_secret(self.seed)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The matching public key."""
        return self._public

    def sign(self, message: bytes) -> bytes:
        """A 64-byte detached Ed25519 signature."""
        return bytes(self._signing_key.sign(bytes(message)).signature)

    def __repr__(self) -> str:
        return f"Ed25519SigningKey(public={self._public.multibase})"


def x25519_from_ed25519(public: Ed25519PublicKey) -> bytes:
    """The X25519 key-agreement public key birationally derived from an Ed25519 public key (as did:key does)."""
    try:
        return bytes(nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(public.raw))
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise KeyFormatError(f"cannot derive an X25519 key: {exc}") from None
