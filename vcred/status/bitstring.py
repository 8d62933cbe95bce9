"""Bitstring Status List encoding (W3C Bitstring Status List v1.0 §4): pure, bounded.

Index 0 is the most significant bit of byte 0. Lists are GZIP-compressed and multibase base64url encoded
(``u`` prefix, no padding). Decoding streams the decompression with a hard cap, so a GZIP bomb is refused after
inflating at most the cap, never more.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib

from vcred.errors import UsageError

MIN_ENTRIES = 131_072  # the spec's minimum list length, so a list does not reveal who is on it
DEFAULT_MAX_DECODED_BYTES = 16 * 1024 * 1024  # 134 million 1-bit entries; far beyond any real list
DEFAULT_MAX_ENCODED_CHARS = 4 * 1024 * 1024
GZIP_LEVEL = 6  # level 9 costs several times the time on sparse lists for a few percent of size (see make bench)


class StatusListError(ValueError):
    """An encoded list that cannot be decoded; ``code`` is the spec's error code."""

    def __init__(self, message: str, code: str = "MALFORMED_VALUE_ERROR") -> None:
        super().__init__(message)
        self.code = code


class Bitstring:
    """A fixed-size list of ``entries`` status values of ``status_size`` bits each."""

    __slots__ = ("_bytes", "entries", "status_size")

    def __init__(self, entries: int = MIN_ENTRIES, status_size: int = 1, data: bytes | None = None) -> None:
        if status_size < 1 or status_size > 8:
            raise UsageError("statusSize must be between 1 and 8 bits")
        if entries < 1:
            raise UsageError("a status list needs at least one entry")
        length = (entries * status_size + 7) // 8
        if data is not None and len(data) != length:
            raise UsageError(f"expected {length} bytes of list data, got {len(data)}")
        self.entries = entries
        self.status_size = status_size
        self._bytes = bytearray(data if data is not None else length)

    def _check(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.entries:
            raise IndexError(f"status index {index} is outside the list (0..{self.entries - 1})")

    def get(self, index: int) -> int:
        """The status value at ``index``."""
        self._check(index)
        value = 0
        start = index * self.status_size
        for bit in range(start, start + self.status_size):
            value = (value << 1) | ((self._bytes[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set(self, index: int, value: int) -> None:
        """Set the status value at ``index``."""
        self._check(index)
        if not 0 <= value < (1 << self.status_size):
            raise UsageError(f"status value {value} does not fit in {self.status_size} bit(s)")
        start = index * self.status_size
        for offset in range(self.status_size):
            bit = start + offset
            mask = 1 << (7 - (bit & 7))
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._bytes[bit >> 3] |= mask
            else:
                self._bytes[bit >> 3] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        """The raw (uncompressed) bitstring."""
        return bytes(self._bytes)

    def encode(self, level: int = GZIP_LEVEL) -> str:
        """``encodedList``: multibase base64url (no padding) of the GZIP-compressed bitstring."""
        compressed = gzip.compress(bytes(self._bytes), compresslevel=level, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls,
        encoded: object,
        *,
        status_size: int = 1,
        max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
        max_encoded_chars: int = DEFAULT_MAX_ENCODED_CHARS,
    ) -> Bitstring:
        """Decode an ``encodedList``; raise StatusListError (with the spec code) for anything unacceptable."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be a multibase base64url string starting with 'u'")
        if len(encoded) > max_encoded_chars:
            raise StatusListError(f"encodedList is longer than {max_encoded_chars} characters")
        body = encoded[1:]
        if "=" in body or "+" in body or "/" in body:
            raise StatusListError("encodedList must be base64url without padding")
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise StatusListError("encodedList is not valid base64url") from None
        raw = _gunzip_capped(compressed, max_decoded_bytes)
        if len(raw) * 8 < MIN_ENTRIES * status_size:
            raise StatusListError(
                f"the list has {len(raw) * 8 // status_size} entries; at least {MIN_ENTRIES} are required",
                "STATUS_LIST_LENGTH_ERROR",
            )
        return cls(
            entries=len(raw) * 8 // status_size,
            status_size=status_size,
            data=raw[: (len(raw) * 8 // status_size * status_size + 7) // 8],
        )


def _gunzip_capped(data: bytes, cap: int) -> bytes:
    """GZIP-decompress at most ``cap`` bytes; refuse anything bigger, truncated or trailing junk."""
    inflater = zlib.decompressobj(wbits=31)  # 31: GZIP header and trailer required
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not valid GZIP: {exc}") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise StatusListError(f"the decompressed list is larger than {cap} bytes (refusing a GZIP bomb)")
    if not inflater.eof:
        raise StatusListError("encodedList is truncated GZIP")
    if inflater.unused_data:
        raise StatusListError("encodedList has data after the GZIP stream")
    return out
