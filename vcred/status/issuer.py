"""Issuer side of Bitstring Status Lists: random index allocation, revoke / suspend / reinstate, publication.

Indexes are drawn at random (an index must say nothing about the holder or the order of issuance) from an
injectable RNG; revocation is final, suspension can be lifted. Every change is published as a new, signed
``BitstringStatusListCredential`` version; state persists as JSON so an issuer keeps its lists on disk.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vcred._time import format_datetime_stamp, require_aware
from vcred.crypto.keys import Ed25519SigningKey
from vcred.errors import UsageError
from vcred.status.bitstring import MIN_ENTRIES, Bitstring

PURPOSES = ("revocation", "suspension")
_FULL = 0.9  # beyond this a list is full: random draws get slow and the crowd to hide in thins


def unsafe_deterministic_rng(seed: int) -> random.Random:
    """A seeded RNG for tests only: its indexes are predictable, which defeats the point of random allocation."""
    return random.Random(seed)  # noqa: S311 - deliberately predictable, and named so


@dataclass
class StatusList:
    """One status list of an issuer for one purpose."""

    url: str
    purpose: str
    issuer: str
    entries: int = MIN_ENTRIES
    version: int = 0
    bits: Bitstring = field(default_factory=Bitstring)
    allocated: Bitstring = field(default_factory=Bitstring)
    allocated_count: int = 0

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise UsageError(f"status purpose must be one of {PURPOSES}")
        if self.entries < MIN_ENTRIES:
            raise UsageError(f"a status list needs at least {MIN_ENTRIES} entries")
        if self.bits.entries != self.entries:
            self.bits = Bitstring(self.entries)
            self.allocated = Bitstring(self.entries)

    def allocate(self, rng: random.Random | None = None) -> int:
        """A fresh random index that was never handed out before."""
        if self.allocated_count >= int(self.entries * _FULL):
            raise UsageError(f"status list {self.url} is full; start a new list")
        draw = rng or secrets.SystemRandom()
        while True:
            index = draw.randrange(self.entries)
            if not self.allocated.get(index):
                self.allocated.set(index, 1)
                self.allocated_count += 1
                return index

    def reserve(self, index: int) -> None:
        """Mark ``index`` as handed out without drawing it (an index someone else put on this list): no credential
        will be given it."""
        if not 0 <= index < self.entries:
            raise UsageError(f"index {index} is outside {self.url} ({self.entries} entries)")
        if not self.allocated.get(index):
            self.allocated.set(index, 1)
            self.allocated_count += 1

    def is_allocated(self, index: int) -> bool:
        """True when ``index`` was handed out (or reserved) from this list."""
        return 0 <= index < self.entries and bool(self.allocated.get(index))

    def entry(self, index: int) -> dict[str, Any]:
        """The ``BitstringStatusListEntry`` a credential carries for ``index``."""
        if not self.allocated.get(index):
            raise UsageError(f"index {index} was not allocated from {self.url}")
        return {
            "id": f"{self.url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(index),
            "statusListCredential": self.url,
        }

    def is_set(self, index: int) -> bool:
        """True when the credential at ``index`` is revoked / suspended."""
        return bool(self.bits.get(index))

    def set(self, index: int) -> None:
        """Revoke or suspend the credential at ``index`` (takes effect when published)."""
        if not self.allocated.get(index):
            raise UsageError(f"index {index} was not allocated from {self.url}")
        self.bits.set(index, 1)

    def clear(self, index: int) -> None:
        """Lift a suspension. Revocation is final and cannot be cleared."""
        if self.purpose == "revocation":
            raise UsageError("a revocation cannot be undone; issue a new credential instead")
        self.bits.set(index, 0)

    def credential(self, *, now: datetime, ttl: timedelta = timedelta(days=7)) -> dict[str, Any]:
        """The next (unsigned) version of the ``BitstringStatusListCredential``."""
        moment = require_aware(now)
        self.version += 1
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": self.url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.issuer,
            "validFrom": format_datetime_stamp(moment),
            "validUntil": format_datetime_stamp(moment + ttl),
            "credentialSubject": {
                "id": f"{self.url}#v{self.version}",
                "type": "BitstringStatusList",
                "statusPurpose": self.purpose,
                "encodedList": self.bits.encode(),
            },
        }

    def publish(
        self,
        key: Ed25519SigningKey,
        *,
        now: datetime,
        verification_method: str | None = None,
        suite: str = "eddsa-rdfc-2022",
        ttl: timedelta = timedelta(days=7),
    ) -> dict[str, Any]:
        """Sign the next version with the issuer's key; publish the result with a fetcher's ``publish``."""
        from vcred.issuer.issue import issue_credential

        signed = issue_credential(
            self.credential(now=now, ttl=ttl), key, suite=suite, verification_method=verification_method, now=now
        )
        assert isinstance(signed, dict)
        return signed

    def to_json(self) -> str:
        """Persistable state."""
        return json.dumps(
            {
                "url": self.url,
                "purpose": self.purpose,
                "issuer": self.issuer,
                "entries": self.entries,
                "version": self.version,
                "bits": self.bits.encode(),
                "allocated": self.allocated.encode(),
                "allocatedCount": self.allocated_count,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> StatusList:
        """Restore state saved by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            url=data["url"],
            purpose=data["purpose"],
            issuer=data["issuer"],
            entries=data["entries"],
            version=data["version"],
            bits=Bitstring.decode(data["bits"]),
            allocated=Bitstring.decode(data["allocated"]),
            allocated_count=data["allocatedCount"],
        )
