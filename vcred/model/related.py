"""Integrity of related resources (VC DM 2.0 §5.3): ``relatedResource`` digests compared with the resource's bytes.

vcred never fetches. It compares the digests of a resource it holds byte for byte as published: the bundled
contexts whose SHA-256 a W3C Recommendation prints (:func:`vcred.jsonld.loader.published_bytes`). Any other
resource is reported as not checked, with the reason; a pass names only the resources whose digests were compared.

``digestSRI`` is one or more SRI hash expressions (``sha256-``, ``sha384-`` or ``sha512-`` and the base64 digest of
the resource's bytes; options after ``?`` are ignored), separated by whitespace or given as a list.
``digestMultibase`` is one or more multibase (``z`` base58btc, ``u`` base64url) multihashes: sha2-256 (0x12),
sha2-512 (0x13), sha2-384 (0x20), sha3-512 (0x14), sha3-384 (0x15), sha3-256 (0x16). Every digest stated for a
held resource must match; one in an algorithm or encoding vcred does not read is not checked, and a value that is
not a digest at all is malformed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from vcred.crypto import multibase
from vcred.errors import KeyFormatError
from vcred.report import Check

CHECK_ID = "vc.related_resource"
MISMATCH_CODE = "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_CODE = "MALFORMED_VALUE_ERROR"
_MAX_DIGEST_CHARS = 512  # the longest digest here (sha2-512) is 88 base64 characters
_MAX_DIGESTS = 16

# SRI hash algorithms (the SRI specification's list) -> (multihash name, hash)
SRI_ALGORITHMS: dict[str, tuple[str, Callable[[bytes], Any]]] = {
    "sha256": ("sha2-256", hashlib.sha256),
    "sha384": ("sha2-384", hashlib.sha384),
    "sha512": ("sha2-512", hashlib.sha512),
}
# multihash codes (the multicodec table) -> (name, hash)
MULTIHASH_CODES: dict[int, tuple[str, Callable[[bytes], Any]]] = {
    0x12: ("sha2-256", hashlib.sha256),
    0x13: ("sha2-512", hashlib.sha512),
    0x14: ("sha3-512", hashlib.sha3_512),
    0x15: ("sha3-384", hashlib.sha3_384),
    0x16: ("sha3-256", hashlib.sha3_256),
    0x20: ("sha2-384", hashlib.sha384),
}
_SRI = re.compile(r"(?P<algorithm>[A-Za-z0-9]+)-(?P<value>[A-Za-z0-9+/]+={0,2})(?:\?[\x21-\x7e]*)?\Z")

Outcome = Literal["match", "mismatch", "malformed", "not_held", "unsupported"]


class DigestFormatError(ValueError):
    """A digest value that is not what its property says it is."""


@dataclass(frozen=True)
class Digest:
    """One stated digest: the property it came from, the algorithm, and the expected hash (None: not readable)."""

    field: str
    algorithm: str
    expected: bytes | None
    hash: Callable[[bytes], Any] | None = None


@dataclass(frozen=True)
class Comparison:
    """What became of one ``relatedResource`` entry."""

    index: int
    id: str
    outcome: Outcome
    detail: str
    field: str | None = None

    @property
    def path(self) -> str:
        """The JSON path of the property concerned."""
        return f"relatedResource[{self.index}]" + (f".{self.field}" if self.field else "")


def _strings(value: Any, field: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise DigestFormatError(f"{field} must be a non-empty string or a list of them")
    if len(items) > _MAX_DIGESTS:
        raise DigestFormatError(f"{field} lists more than {_MAX_DIGESTS} digests")
    return items


def parse_sri(value: Any) -> list[Digest]:
    """The digests of a ``digestSRI`` value; DigestFormatError when one is not an SRI hash expression."""
    digests = []
    for text in _strings(value, "digestSRI"):
        tokens = text.split()
        if len(tokens) > _MAX_DIGESTS:
            raise DigestFormatError(f"digestSRI lists more than {_MAX_DIGESTS} digests")
        for token in tokens:
            match = _SRI.match(token) if len(token) <= _MAX_DIGEST_CHARS else None
            if match is None:
                raise DigestFormatError(f"digestSRI {token[:60]!r} is not an SRI hash expression (sha384-<base64>)")
            known = SRI_ALGORITHMS.get(match["algorithm"])
            if known is None:  # SRI: an algorithm the reader does not know is passed over
                digests.append(Digest("digestSRI", match["algorithm"], None))
                continue
            name, hash_ = known
            raw = _b64decode(match["value"])
            if raw is None or len(raw) != hash_(b"").digest_size:
                raise DigestFormatError(f"digestSRI {token[:60]!r} is not a {match['algorithm']} digest in base64")
            digests.append(Digest("digestSRI", name, raw, hash_))
    return digests


def _b64decode(value: str) -> bytes | None:
    """Standard base64 (padding optional), only its one canonical spelling."""
    body = value.rstrip("=")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii").rstrip("=") == body else None


def parse_multibase(value: Any) -> list[Digest]:
    """The digests of a ``digestMultibase`` value; DigestFormatError when one is not a multibase multihash."""
    digests = []
    for text in _strings(value, "digestMultibase"):
        if len(text) > _MAX_DIGEST_CHARS:
            raise DigestFormatError("digestMultibase value is too long for a digest")
        try:
            if text.startswith("z"):
                raw = multibase.decode_base58btc(text)
            elif text.startswith("u"):
                raw = multibase.decode_base64url(text)
            else:
                digests.append(Digest("digestMultibase", f"multibase '{text[:1]}'", None))
                continue
        except KeyFormatError as exc:
            raise DigestFormatError(f"digestMultibase {text[:60]!r}: {exc.message}") from None
        digests.append(_multihash(raw, text))
    return digests


def _varint(raw: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    for position in range(at, min(at + 9, len(raw))):
        value |= (raw[position] & 0x7F) << shift
        if raw[position] < 0x80:
            return value, position + 1
        shift += 7
    raise DigestFormatError("not a multihash (truncated varint)")


def _multihash(raw: bytes, text: str) -> Digest:
    code, at = _varint(raw, 0)
    length, at = _varint(raw, at)
    if len(raw) - at != length:
        raise DigestFormatError(f"digestMultibase {text[:60]!r} is not a multihash (its length does not match)")
    known = MULTIHASH_CODES.get(code)
    if known is None:
        return Digest("digestMultibase", f"multihash 0x{code:x}", None)
    name, hash_ = known
    if length != hash_(b"").digest_size:
        raise DigestFormatError(f"digestMultibase {text[:60]!r}: a {name} digest is {hash_(b'').digest_size} bytes")
    return Digest("digestMultibase", name, raw[at:], hash_)


def _held(url: str) -> bytes | None:
    from vcred.jsonld.loader import published_bytes

    return published_bytes(url)


def compare_related_resources(
    document: dict[str, Any], held: Callable[[str], bytes | None] = _held
) -> list[Comparison]:
    """One :class:`Comparison` per ``relatedResource`` entry of ``document`` (entries that are not objects with
    a string ``id`` are the data model check's to refuse and are passed over here)."""
    value = document.get("relatedResource")
    comparisons = []
    for index, item in enumerate(value if isinstance(value, list) else [] if value is None else [value]):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        comparisons.append(_compare(index, item, held))
    return comparisons


def _compare(index: int, item: dict[str, Any], held: Callable[[str], bytes | None]) -> Comparison:
    url: str = item["id"]
    digests: list[Digest] = []
    for field, parse in (("digestSRI", parse_sri), ("digestMultibase", parse_multibase)):
        if field in item:
            try:
                digests += parse(item[field])
            except DigestFormatError as exc:
                return Comparison(index, url, "malformed", str(exc), field)
    resource = held(url)
    if resource is None:
        return Comparison(index, url, "not_held", "vcred holds no copy of it and never fetches")
    readable = [(d, d.hash, d.expected) for d in digests if d.hash is not None and d.expected is not None]
    if not readable:
        names = ", ".join(sorted({d.algorithm for d in digests})) or "none"
        return Comparison(index, url, "unsupported", f"no digest in an algorithm vcred reads ({names})")
    for digest, hash_, expected in readable:
        if hash_(resource).digest() != expected:
            return Comparison(
                index,
                url,
                "mismatch",
                f"its {digest.field} ({digest.algorithm}) does not match the published document",
                digest.field,
            )
    stated = ", ".join(f"{d.field} {d.algorithm}" for d, _, _ in readable)
    return Comparison(index, url, "match", stated)


def related_resource_problem(document: dict[str, Any]) -> Comparison | None:
    """The first ``relatedResource`` entry whose digest is malformed or does not match the resource, or None."""
    return next((c for c in compare_related_resources(document) if c.outcome in ("malformed", "mismatch")), None)


def check_related_resources(document: dict[str, Any]) -> Check:
    """``vc.related_resource``: failed on a digest that does not match the resource or is not a digest; passed
    when at least one resource's digests were compared (the reason names the rest as not checked); else skipped."""
    if "relatedResource" not in document:
        return Check.skipped(CHECK_ID, "the credential names no relatedResource")
    comparisons = compare_related_resources(document)
    for outcome, code in (("mismatch", MISMATCH_CODE), ("malformed", MALFORMED_CODE)):
        bad = next((c for c in comparisons if c.outcome == outcome), None)
        if bad is not None:
            return Check.failed(CHECK_ID, f"{bad.path} ({bad.id[:120]}): {bad.detail}", code, path=bad.path)
    compared = [c for c in comparisons if c.outcome == "match"]
    not_checked = [c for c in comparisons if c.outcome != "match"]
    details: dict[str, Any] = {}
    if compared:
        details["compared"] = [{"id": c.id[:200], "digests": c.detail} for c in compared]
    if not_checked:
        details["not_checked"] = [{"id": c.id[:200], "reason": c.detail} for c in not_checked]
    unchecked = "; ".join(f"{c.id[:120]}: {c.detail}" for c in not_checked[:3]) + (" …" if len(not_checked) > 3 else "")
    if not compared:
        return Check.skipped(CHECK_ID, f"not checked: {unchecked}", **details)
    matched = ", ".join(c.id[:120] for c in compared[:3]) + (" …" if len(compared) > 3 else "")
    also = f"; not checked: {unchecked}" if not_checked else ""
    return Check.passed(CHECK_ID, f"the digests match the published documents vcred holds ({matched}){also}", **details)
