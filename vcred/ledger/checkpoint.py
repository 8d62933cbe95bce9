"""Checkpoints in the C2SP formats: tlog-checkpoint bodies inside signed notes, plus witness cosignatures.

A checkpoint says "the log named <origin> has <size> entries and this root hash". The operator signs it
(C2SP signed-note, Ed25519, key id = SHA-256(name || 0x0A || 0x01 || key)[:4]); witnesses add timestamped
cosignatures (C2SP tlog-cosignature, type 0x04) only after checking it is consistent with what they saw before.
Parsing is strict and bounded; anything unexpected is a LedgerError, never a crash.

Signed-note rules kept here: a key name is non-empty and holds neither ``+`` nor whitespace (a verifier key
``name+hash+key`` splits on its first two ``+`` only, since the base64 key may hold more); the note text is UTF-8
without control characters other than newline and ends with a newline; each signature line is
``— name base64(key hash || signature)``; signatures by unknown keys are ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.errors import KeyFormatError, LedgerError, SignatureError, UsageError

MAX_NOTE_BYTES = 16_384
MAX_SIGNATURES = 100  # as the Go reference (golang.org/x/mod/sumdb/note) allows
_OUR_NAME = re.compile(r"^[\x21-\x2a\x2c-\x7e]{1,128}\Z")  # names vcred creates: printable ASCII without '+'
_KEY_HASH = re.compile(r"^[0-9a-fA-F]{8}\Z")
_ORIGIN = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,254}\Z")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})\Z")
_SIG_LINE = "\u2014 "
_ED25519 = b"\x01"
_COSIGNATURE = b"\x04"


@dataclass(frozen=True)
class Checkpoint:
    """A log's size and root hash at one moment."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The checkpoint text that is signed (every line ends with a newline)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii"), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body strictly."""
        if not body.endswith("\n"):
            raise LedgerError("a checkpoint body must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3 or len(lines) > 20:
            raise LedgerError("a checkpoint has an origin, a size, a root hash and at most 17 extension lines")
        origin, size, root = lines[0], lines[1], lines[2]
        if not _ORIGIN.match(origin):
            raise LedgerError("invalid checkpoint origin line")
        if not _SIZE.match(size):
            raise LedgerError("the checkpoint size must be a decimal number without leading zeros")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise LedgerError("the checkpoint root hash is not base64") from None
        if len(root_hash) != 32:
            raise LedgerError("the checkpoint root hash must be 32 bytes")
        if any(not line for line in lines[3:]):
            raise LedgerError("empty extension line in checkpoint")
        return cls(origin=origin, size=int(size), root_hash=root_hash, extensions=tuple(lines[3:]))


def is_valid_key_name(name: str) -> bool:
    """A signed-note key name: non-empty, no ``+``, no whitespace (Unicode spaces included)."""
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def _require_our_name(name: str) -> None:
    # names vcred signs with must read back from any signed-note verifier: a '+' would split a verifier key wrongly
    if not isinstance(name, str) or not _OUR_NAME.match(name):
        raise UsageError(
            f"invalid signer name {str(name)[:60]!r}",
            hint="a key name is 1 to 128 printable ASCII characters without spaces or '+'",
        )


def key_id(name: str, public_key: Ed25519PublicKey, kind: bytes = _ED25519) -> bytes:
    """The 4-byte key hash a signature line carries."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + kind + public_key.raw).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The textual verifier key ``name+hex(key id)+base64(0x01 || key)`` used to configure clients.

    Raises UsageError when ``name`` is not a valid key name (one with ``+`` could never be parsed back).
    """
    _require_our_name(name)
    encoded = base64.b64encode(_ED25519 + public_key.raw).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    """(name, key) from a verifier key string; LedgerError if malformed or its key id does not match."""
    # only the first two '+' separate fields: base64 uses '+' too (about 4 keys in 10 hold one)
    try:
        name, hex_id, encoded = text.split("+", 2)
        if not is_valid_key_name(name) or not _KEY_HASH.match(hex_id):
            raise ValueError("malformed name or key hash")
        raw = base64.b64decode(encoded, validate=True)
        if raw[:1] != _ED25519 or len(raw) != 33:
            raise LedgerError("only Ed25519 verifier keys are supported")
        public_key = Ed25519PublicKey(raw[1:])
    except (ValueError, binascii.Error, KeyFormatError):
        raise LedgerError("malformed verifier key") from None
    if key_id(name, public_key) != bytes.fromhex(hex_id):
        raise LedgerError("the verifier key's id does not match its name and key")
    return name, public_key


@dataclass(frozen=True)
class Cosignature:
    """A witness's timestamped statement that it saw this checkpoint consistent with its history."""

    name: str
    timestamp: int


@dataclass(frozen=True)
class SignedCheckpoint:
    """A verified note: the checkpoint, the operator's name, and the witnesses that cosigned it."""

    checkpoint: Checkpoint
    note: str
    cosignatures: tuple[Cosignature, ...] = field(default_factory=tuple)


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: Ed25519SigningKey) -> str:
    """A signed note carrying ``checkpoint``, signed by the log operator (UsageError for an invalid name)."""
    _require_our_name(name)
    body = checkpoint.body()
    signature = key_id(name, key.public_key) + key.sign(body.encode("utf-8"))
    return f"{body}\n{_SIG_LINE}{name} {base64.b64encode(signature).decode('ascii')}\n"


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(note: str, name: str, key: Ed25519SigningKey, timestamp: int) -> str:
    """``note`` with one more signature line: a witness cosignature over its checkpoint body."""
    _require_our_name(name)
    body, _ = _split(note)
    signature = (
        key_id(name, key.public_key, _COSIGNATURE)
        + timestamp.to_bytes(8, "big")
        + key.sign(_cosigned_message(body, timestamp))
    )
    return f"{note}{_SIG_LINE}{name} {base64.b64encode(signature).decode('ascii')}\n"


def _split(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    if not isinstance(note, str) or len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise LedgerError("a signed note must be text of at most 16 KiB")
    if any(char < " " and char != "\n" for char in note):
        raise LedgerError("a signed note holds no control characters other than newline")
    if not note.endswith("\n"):
        raise LedgerError("a signed note ends with a newline")
    head, sep, tail = note.rpartition("\n\n")
    if not sep or not head:
        raise LedgerError("not a signed note (no blank line before the signatures)")
    body = head + "\n"
    signatures = []
    for line in tail[:-1].split("\n"):
        if not line.startswith(_SIG_LINE):
            raise LedgerError("malformed signature line")
        name, _, encoded = line[len(_SIG_LINE) :].partition(" ")
        if not is_valid_key_name(name):
            raise LedgerError("malformed signature line (invalid key name)")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise LedgerError("signature is not base64") from None
        if len(raw) < 5:
            raise LedgerError("signature is too short")
        signatures.append((name, raw))
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise LedgerError(f"a signed note needs 1 to {MAX_SIGNATURES} signatures")
    return body, signatures


def open_checkpoint(
    note: str,
    operator: tuple[str, Ed25519PublicKey],
    witnesses: dict[str, Ed25519PublicKey] | None = None,
) -> SignedCheckpoint:
    """Verify the operator's signature (required) and any known witnesses' cosignatures; parse the checkpoint.

    Unknown signers are ignored, as signed-note allows. Raises LedgerError when the operator's signature is missing
    or invalid, or a known witness's cosignature is invalid.
    """
    body, signatures = _split(note)
    op_name, op_key = operator
    operator_ok = False
    cosigned: list[Cosignature] = []
    for name, raw in signatures:
        if name == op_name and raw[:4] == key_id(op_name, op_key):
            try:
                op_key.verify(body.encode("utf-8"), raw[4:])
            except SignatureError:
                raise LedgerError("the operator's signature on the checkpoint is invalid") from None
            operator_ok = True
        elif (
            witnesses
            and name in witnesses
            and raw[:4] == key_id(name, witnesses[name], _COSIGNATURE)
            and name not in {c.name for c in cosigned}  # one witness counts once
        ):
            if len(raw) != 4 + 8 + 64:
                raise LedgerError(f"malformed cosignature from {name}")
            timestamp = int.from_bytes(raw[4:12], "big")
            try:
                witnesses[name].verify(_cosigned_message(body, timestamp), raw[12:])
            except SignatureError:
                raise LedgerError(f"the cosignature of witness {name} is invalid") from None
            cosigned.append(Cosignature(name=name, timestamp=timestamp))
    if not operator_ok:
        raise LedgerError("the checkpoint is not signed by the ledger operator")
    return SignedCheckpoint(checkpoint=Checkpoint.parse(body), note=note, cosignatures=tuple(cosigned))


def check_witness_set(
    operator: tuple[str, Ed25519PublicKey], witnesses: dict[str, Ed25519PublicKey], quorum: int
) -> dict[str, Ed25519PublicKey]:
    """A copy of ``witnesses`` after refusing a set whose quorum could be met by fewer independent parties.

    Raises UsageError when a key is configured under two names (one witness would count twice), a witness key is
    the operator's own (the operator would witness itself), or ``quorum`` is negative or above the number of
    witnesses (no checkpoint could ever meet it).
    """
    seen: dict[bytes, str] = {}
    for name, key in witnesses.items():
        if key.raw == operator[1].raw:
            raise UsageError(
                f"witness {name!r} has the ledger operator's key: the operator cannot witness itself",
                hint="configure the keys of independent witnesses",
            )
        if key.raw in seen:
            raise UsageError(
                f"witnesses {seen[key.raw]!r} and {name!r} have the same key: one witness would count twice",
                hint="configure each witness once, under one name",
            )
        seen[key.raw] = name
    if not isinstance(quorum, int) or isinstance(quorum, bool) or not 0 <= quorum <= len(witnesses):
        raise UsageError(
            f"a witness quorum of {quorum} cannot be met by {len(witnesses)} configured witness(es)",
            hint="the quorum counts distinct witnesses: 0 to the number configured",
        )
    return dict(witnesses)


def cosigning_keys(signed: SignedCheckpoint, witnesses: dict[str, Ed25519PublicKey]) -> set[bytes]:
    """The distinct witness keys whose valid cosignatures ``signed`` carries: what a quorum counts."""
    return {witnesses[c.name].raw for c in signed.cosignatures if c.name in witnesses}
