"""Ledger entries: signed statements about institutions, never about people.

An entry is ``{"statement": {kind, payload, submitter, timestamp}, "signature": z…}`` in canonical JSON (JCS).
The signature is Ed25519 over ``"vcred-ledger-entry/v1\\n" || JCS(statement)`` by the submitter's key (a DID URL).
Payloads are allow-listed per kind: DIDs, URLs, SHA-256 hashes, versions, counts and keys — no names, no free
text, so no personal data can ever be written to the ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from vcred.crypto import multibase
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.errors import KeyFormatError, LedgerError, SignatureError
from vcred.jsonld.canon import canonize_jcs
from vcred.model.credential import is_url

DOMAIN = b"vcred-ledger-entry/v1\n"
MAX_ENTRY_BYTES = 8192
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%\-]{1,512}\Z")
_DID_URL = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%\-]{1,512}#[A-Za-z0-9._\-]{1,128}\Z")
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_MULTIKEY = re.compile(r"^z6Mk[1-9A-HJ-NP-Za-km-z]{44}\Z")
_MULTIBASE_SIG = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]{80,90}\Z")


def _did(v: Any) -> bool:
    return isinstance(v, str) and bool(_DID.match(v))


def _hex64(v: Any) -> bool:
    return isinstance(v, str) and bool(_HEX64.match(v))


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53


def _url(v: Any) -> bool:
    return is_url(v) and len(v) <= 512


def _key(v: Any) -> bool:
    return isinstance(v, str) and bool(_MULTIKEY.match(v))


def _sig(v: Any) -> bool:
    return isinstance(v, str) and bool(_MULTIBASE_SIG.match(v))


# kind -> {field: validator}; every field is required unless listed in _OPTIONAL
_PAYLOADS: dict[str, dict[str, Any]] = {
    "did-create": {"did": _did, "key": _key, "next": _hex64},
    "did-rotate": {"did": _did, "previous": _hex64, "key": _key, "next": _hex64, "keyProof": _sig},
    "did-deactivate": {"did": _did, "previous": _hex64, "key": _key, "keyProof": _sig},
    "status-list": {"issuer": _did, "url": _url, "version": _count, "sha256": _hex64},
    "batch-anchor": {"issuer": _did, "root": _hex64, "count": _count},
    "trust-registry": {"publisher": _did, "url": _url, "version": _count, "sha256": _hex64},
}
KINDS = tuple(_PAYLOADS)
PUBLICATION_KINDS = ("status-list", "trust-registry")
"""Kinds that anchor a document at a URL: the URL belongs to the DID that first anchored it."""


def _author(kind: Any, payload: dict[str, Any]) -> Any:
    """The DID a non-DID entry speaks for (its ``issuer`` or ``publisher``); "" for DID events."""
    if kind in ("did-create", "did-rotate", "did-deactivate"):
        return ""
    return payload.get("issuer") or payload.get("publisher") or ""


def payload_problem(kind: Any, payload: Any) -> str | None:
    """Why ``payload`` is not acceptable for ``kind`` (None when it is)."""
    rules = _PAYLOADS.get(kind) if isinstance(kind, str) else None
    if rules is None:
        return f"unknown entry kind {str(kind)[:40]!r}"
    if not isinstance(payload, dict):
        return "the payload must be an object"
    extra = set(payload) - set(rules)
    if extra:
        return f"fields not allowed on the ledger: {sorted(extra)[:5]} (only hashes, DIDs, URLs, versions, counts)"
    for name, valid in rules.items():
        if name not in payload or not valid(payload[name]):
            return f"{kind}.{name} is missing or malformed"
    return None


@dataclass(frozen=True)
class Entry:
    """A parsed, shape-checked ledger entry (signature not yet verified)."""

    kind: str
    payload: dict[str, Any]
    submitter: str
    timestamp: int
    signature: bytes
    raw: bytes
    canonical_statement: bytes = b""

    @property
    def signed_bytes(self) -> bytes:
        """What the submitter signed."""
        return DOMAIN + (self.canonical_statement or canonize_jcs(self.statement()))

    def statement(self) -> dict[str, Any]:
        """The signed statement."""
        return {"kind": self.kind, "payload": self.payload, "submitter": self.submitter, "timestamp": self.timestamp}

    @property
    def subject(self) -> str:
        """What the entry is about: a DID for DID events, a URL for publications, an issuer for anchors."""
        return str(self.payload.get("did") or self.payload.get("url") or self.payload.get("issuer") or "")

    @property
    def author(self) -> str:
        """The DID the entry speaks for, which must be the DID that signed it: the issuer of a status list or
        batch anchor, the publisher of a trust registry ("" for DID events, which their DID's own keys sign)."""
        return str(_author(self.kind, self.payload))

    def verify_with(self, key: Ed25519PublicKey) -> None:
        """Raise LedgerError unless ``key`` made the signature."""
        try:
            key.verify(self.signed_bytes, self.signature)
        except SignatureError:
            raise LedgerError(f"the {self.kind} entry's signature does not verify") from None


_STATEMENT_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_DECODER = json.JSONDecoder()


def _statement_encoder() -> Callable[[dict[str, Any]], str]:
    """The encoder of :func:`_canonical_statement`: CPython's C encoder made once, or JSONEncoder.encode.

    JSONEncoder.encode builds a C encoder per call (a third of its cost for a statement); the C encoder is
    used only where it exists and gives exactly the JSONEncoder's text for a statement.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _STATEMENT_ENCODER.encode
    try:
        made = make(None, _STATEMENT_ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, True)
        sample = {"kind": "x", "payload": {"b": '\u00e9"\n', "a": 2**53 - 1}, "submitter": "did:x:y#z", "timestamp": 0}
        if "".join(made(sample, 0)) != _STATEMENT_ENCODER.encode(sample):
            return _STATEMENT_ENCODER.encode
    except (TypeError, ValueError):
        return _STATEMENT_ENCODER.encode
    return lambda statement: "".join(made(statement, 0))


_ENCODE_STATEMENT = _statement_encoder()


def _canonical_statement(statement: dict[str, Any]) -> bytes:
    """JCS of a shape-checked statement.

    Its keys are fixed ASCII names and its values strings and integers below 2**53, for which sorted-key
    json.dumps is exactly RFC 8785; the general canonicalizer's per-value walk is not needed on the append path.
    One encoder serves every call (json.dumps with these options would build one per entry).
    """
    try:
        return _ENCODE_STATEMENT(statement).encode("utf-8")
    except UnicodeEncodeError:
        raise LedgerError("the entry holds text that is not valid Unicode") from None


def make_entry(kind: str, payload: dict[str, Any], *, submitter: str, key: Ed25519SigningKey, timestamp: int) -> bytes:
    """A signed entry, ready to append. Raises LedgerError for a payload the ledger would refuse."""
    problem = payload_problem(kind, payload)
    if problem:
        raise LedgerError(problem)
    if not isinstance(submitter, str) or not _DID_URL.match(submitter):
        raise LedgerError("the submitter must be a DID URL naming the signing key")
    statement = {"kind": kind, "payload": payload, "submitter": submitter, "timestamp": timestamp}
    signature = key.sign(DOMAIN + canonize_jcs(statement))
    return canonize_jcs({"statement": statement, "signature": multibase.encode_base58btc(signature)})


def parse_entry(raw: bytes) -> Entry:
    """Parse and shape-check an entry; LedgerError for anything malformed (the signature is checked later)."""
    if not isinstance(raw, bytes) or len(raw) > MAX_ENTRY_BYTES:
        raise LedgerError(f"an entry must be at most {MAX_ENTRY_BYTES} bytes")
    try:
        # json.loads would also guess UTF-16 and UTF-32 and skip whitespace: a canonical entry is UTF-8 without
        # any, and whatever follows the first value is refused by the canonical-form check below
        document, _ = _DECODER.raw_decode(raw.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        raise LedgerError("the entry is not JSON") from None
    if not isinstance(document, dict) or set(document) != {"statement", "signature"}:
        raise LedgerError("an entry is exactly {statement, signature}")
    statement = document["statement"]
    if not isinstance(statement, dict) or set(statement) != {"kind", "payload", "submitter", "timestamp"}:
        raise LedgerError("a statement is exactly {kind, payload, submitter, timestamp}")
    problem = payload_problem(statement["kind"], statement["payload"])
    if problem:
        raise LedgerError(problem)
    if not isinstance(statement["submitter"], str) or not _DID_URL.match(statement["submitter"]):
        raise LedgerError("the submitter must be a DID URL")
    if not _count(statement["timestamp"]):
        raise LedgerError("the timestamp must be a non-negative integer (Unix seconds)")
    try:
        signature = multibase.decode_base58btc(document["signature"])
    except KeyFormatError:
        raise LedgerError("the entry signature is not multibase") from None
    if len(signature) != 64:
        raise LedgerError("the entry signature must be 64 bytes")
    canonical_statement = _canonical_statement(statement)
    # JCS of {signature, statement} is this concatenation (keys sorted, signature is plain base58 text)
    expected = (
        b'{"signature":"' + document["signature"].encode("ascii") + b'","statement":' + canonical_statement + b"}"
    )
    if expected != raw:
        raise LedgerError("the entry is not in canonical form")
    return Entry(
        kind=statement["kind"],
        payload=statement["payload"],
        submitter=statement["submitter"],
        timestamp=statement["timestamp"],
        signature=signature,
        raw=raw,
        canonical_statement=canonical_statement,
    )


class IndexTerms(NamedTuple):
    """What a client indexes an entry by, read from its bytes before its signature is checked."""

    kind: str
    subject: str
    root: str  # a batch anchor's Merkle root (hex), else ""
    author: str  # the DID the entry speaks for ("" for DID events)
    version: int  # a publication's version, else -1


def index_terms(raw: bytes) -> IndexTerms:
    """The index terms of an entry as :func:`parse_entry` would read them, to build an index quickly.

    Reads the same JSON values parse_entry reads; an entry it would refuse is refused again (LedgerError) when an
    index lookup reads it, so a malformed entry can never be an answer.
    """
    try:
        statement = json.loads(raw)["statement"]
        kind, payload = statement["kind"], statement["payload"]
        subject = payload.get("did") or payload.get("url") or payload.get("issuer") or ""
        root = payload.get("root", "") if kind == "batch-anchor" else ""
        author = _author(kind, payload)
        version = payload.get("version", -1) if kind in PUBLICATION_KINDS else -1
    except (ValueError, RecursionError, TypeError, KeyError, AttributeError):
        parse_entry(raw)  # raises the precise reason
        raise LedgerError("the entry is malformed") from None
    if not all(isinstance(v, str) for v in (kind, subject, root, author)):
        parse_entry(raw)
        raise LedgerError("the entry is malformed")
    if not _count(version):
        version = -1  # refused when read, if it is ever the answer
    return IndexTerms(kind, str(subject), root, author, version)
