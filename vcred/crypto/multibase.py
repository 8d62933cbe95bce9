"""Strict multibase and multicodec encodings for Ed25519 keys.

Allow-list only: ``z`` (base58btc) and ``u`` (base64url, no padding); Ed25519 public keys carry multicodec
header 0xed01, Ed25519 secret keys 0x8026.
"""

from __future__ import annotations

import base64
import binascii
import re

import base58

from vcred.errors import KeyFormatError

ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"
_MAX_MULTIBASE_CHARS = 4096  # keys and signatures are tiny; refuse to decode anything large
# the base58 library tolerates surrounding whitespace; an encoding is only valid if it is exactly the alphabet
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+\Z")
# each base58btc character to its digit value (a byte): the alphabet in order is 0 to 57
_BASE58_DIGITS = bytes.maketrans(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", bytes(range(58)))


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc (``z`` prefix)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    """Decode a ``z``-prefixed multibase value; raise KeyFormatError on anything else."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise KeyFormatError("expected a multibase base58btc value starting with 'z'")
    if len(value) > _MAX_MULTIBASE_CHARS:
        raise KeyFormatError("multibase value is too long")
    body = value[1:]
    if not _BASE58.fullmatch(body):
        raise KeyFormatError("invalid base58btc value: characters outside the base58 alphabet")
    # the digits' value by hand: the base58 package's decoder costs a third more (it is on the ledger's append
    # path, once per entry); base58's own byte conversion divides digit by digit, int.to_bytes is ~10x faster.
    number = 0
    for digit in body.encode("ascii").translate(_BASE58_DIGITS):
        number = number * 58 + digit
    zeros = len(body) - len(body.lstrip("1"))
    return b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding (``u`` prefix)."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str, *, max_chars: int | None = None) -> bytes:
    """Decode a ``u``-prefixed multibase base64url (no padding) value; strict alphabet."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise KeyFormatError("expected a multibase base64url value starting with 'u'")
    body = value[1:]
    if max_chars is not None and len(body) > max_chars:
        raise KeyFormatError("multibase value is too long")
    if "=" in body or any(c in body for c in "+/"):
        raise KeyFormatError("base64url must use the URL-safe alphabet without padding")
    return b64url_decode(body)


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(body: str) -> bytes:
    """Decode unpadded base64url, rejecting characters outside the alphabet and non-canonical trailing bits.

    Python's decoder silently drops characters outside the alphabet, which would give one key many spellings
    (aliases of a did:jwk, say); every value must be the one canonical encoding of its bytes.
    """
    if not isinstance(body, str) or not _B64URL.fullmatch(body) or len(body) % 4 == 1:
        raise KeyFormatError("invalid base64url value: only A-Z a-z 0-9 - _ without padding are allowed")
    try:
        raw = body.encode("ascii")
        decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise KeyFormatError(f"invalid base64url value: {exc}") from None
    if b64url_encode(decoded) != body:
        raise KeyFormatError("invalid base64url value: not the canonical encoding (unused bits are set)")
    return decoded


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_multikey_public(raw: bytes) -> str:
    """``publicKeyMultibase`` for a 32-byte Ed25519 public key (``z6Mk…``)."""
    if len(raw) != 32:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return encode_base58btc(ED25519_PUB_HEADER + raw)


def decode_multikey_public(value: str) -> bytes:
    """The 32 raw bytes of an Ed25519 ``publicKeyMultibase``; anything else raises KeyFormatError."""
    data = decode_base58btc(value)
    if len(data) != 34 or data[:2] != ED25519_PUB_HEADER:
        raise KeyFormatError("not an Ed25519 Multikey public key (expected multicodec 0xed01 and 32 bytes)")
    return data[2:]


def encode_multikey_secret(seed: bytes) -> str:
    """``secretKeyMultibase`` for a 32-byte Ed25519 seed."""
    if len(seed) != 32:
        raise KeyFormatError("an Ed25519 secret key seed is 32 bytes")
    return encode_base58btc(ED25519_PRIV_HEADER + seed)


def decode_multikey_secret(value: str) -> bytes:
    """The 32-byte seed of an Ed25519 ``secretKeyMultibase``."""
    data = decode_base58btc(value)
    if len(data) != 34 or data[:2] != ED25519_PRIV_HEADER:
        raise KeyFormatError("not an Ed25519 Multikey secret key (expected multicodec 0x8026 and 32 bytes)")
    return data[2:]
