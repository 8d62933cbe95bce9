"""Rollback detection: the wallet's generation number, and the record of the newest one this machine saved.

Each save stamps the vault with the next generation and the time (inside the encrypted, authenticated content, so
nobody without the passphrase can raise or lower them). After the wallet file is durably in place, the generation,
time and SHA-256 of the file's bytes are recorded in a sidecar beside it (``wallet.vcw.generation``), also written
atomically. On every open and every change the file is compared with the record:

- same generation and same bytes, or a newer generation: accepted (newer is what a crash between the two writes
  leaves, or a copy changed on another machine; it cannot be forged without the passphrase) and recorded;
- an older generation, or the recorded generation with other bytes: refused with WalletRolledBackError, unless the
  holder accepts it, which saves it again above every generation recorded so the copy it replaced cannot return;
- no record (a wallet from before this check, or copied to a new machine): accepted with a warning, and recorded.

The record is only as safe as the directory it sits in: whoever can put back both files together is not detected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vcred._files import write_atomically
from vcred.errors import CorruptWalletError, StorageError, WalletRolledBackError

RECORD_FORMAT = 1


@dataclass(frozen=True)
class Generation:
    """Which save of the wallet a file holds: its generation and when it was saved (None before generations)."""

    number: int
    saved_at: str | None

    @classmethod
    def of(cls, content: dict[str, Any]) -> Generation:
        """The generation stamped in decrypted vault content (0 for a wallet saved before generations existed)."""
        number = content.get("generation", 0)
        saved_at = content.get("savedAt")
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise CorruptWalletError("the wallet decrypted but its generation number is not valid")
        return cls(number, saved_at if isinstance(saved_at, str) else None)

    def describe(self) -> str:
        """``generation 7 saved at 2026-01-02T03:04:05Z``."""
        when = f"saved at {self.saved_at}" if self.saved_at else "saved before generations were recorded"
        return f"generation {self.number} {when}"


@dataclass(frozen=True)
class Record:
    """What the sidecar says: the newest generation saved here and the SHA-256 of that file."""

    generation: Generation
    sha256: str

    def to_bytes(self) -> bytes:
        """The sidecar's contents."""
        body = {
            "format": RECORD_FORMAT,
            "generation": self.generation.number,
            "savedAt": self.generation.saved_at,
            "sha256": self.sha256,
        }
        return json.dumps(body, sort_keys=True).encode("utf-8") + b"\n"


def record_path(wallet: Path) -> Path:
    """Where the record of ``wallet`` sits: beside it, ``<name>.generation``."""
    return wallet.with_name(wallet.name + ".generation")


def file_hash(data: bytes) -> str:
    """The SHA-256 of the wallet file's bytes, as recorded."""
    return hashlib.sha256(data).hexdigest()


def read_record(wallet: Path) -> Record | None:
    """The record beside ``wallet``, None when there is none; CorruptWalletError when it cannot be read."""
    path = record_path(wallet)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from None
    try:
        body = json.loads(raw)
        number, saved_at, digest = body["generation"], body["savedAt"], body["sha256"]
        if body.get("format") != RECORD_FORMAT or not isinstance(number, int) or not isinstance(digest, str):
            raise ValueError("unexpected fields")
    except (ValueError, KeyError, TypeError):
        raise CorruptWalletError(
            f"the wallet's generation record {path} is damaged",
            hint="if the wallet is the copy you expect, open it with --accept-rollback to record it again",
        ) from None
    return Record(Generation(number, saved_at if isinstance(saved_at, str) else None), digest)


def write_record(wallet: Path, record: Record) -> None:
    """Replace the record atomically and durably (call while holding the wallet's lock)."""
    write_atomically(record_path(wallet), record.to_bytes())


def check(recorded: Record | None, found: Generation, digest: str) -> str:
    """How the file compares with the record: ``same``, ``newer`` or ``unrecorded``; WalletRolledBackError if older.

    The recorded generation with other bytes counts as older: it is another copy (changed elsewhere, or an older
    save re-stamped), not the one saved last here.
    """
    if recorded is None:
        return "unrecorded"
    if found.number > recorded.generation.number:
        return "newer"
    if found.number == recorded.generation.number and digest == recorded.sha256:
        return "same"
    raise rolled_back(recorded.generation, found)


def rolled_back(recorded: Generation, found: Generation) -> WalletRolledBackError:
    """The error for a file older than (or diverging from) what this machine saved last."""
    if found.number == recorded.number:
        what = f"the file also has generation {found.number} but other contents (a copy changed elsewhere?)"
    else:
        what = f"the file has {found.describe()}"
    return WalletRolledBackError(
        f"this wallet is an older copy: {recorded.describe()} was saved here last, but {what}; presentation log "
        "entries and changes made since may be missing, and removed credentials may be back",
        recorded=recorded,
        found=found,
        hint="put back the newest copy of the wallet; or, if you restored this copy on purpose, open it with "
        "--accept-rollback (accept_rollback=True in the library) to keep it from now on",
    )


def next_generation(found: Generation, recorded: Record | None) -> int:
    """The generation for the next save: above the file's and above anything recorded, so no older copy returns."""
    return max(found.number, recorded.generation.number if recorded else 0) + 1
