"""Replay protection for presentations: a verifier remembers the challenges it has already accepted."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol


class ReplayCache(Protocol):
    """Remembers accepted challenges; ``seen`` must be atomic (check and record in one step)."""

    def seen(self, challenge: str, *, now: datetime, keep_until: datetime) -> bool:
        """True if ``challenge`` was accepted before; otherwise record it until ``keep_until`` and return False."""
        ...


class MemoryReplayCache:
    """A bounded, thread-safe in-memory replay cache.

    Entries are kept until the presentation they belong to expires (so a replay within its lifetime is caught)
    and at most ``max_entries`` are kept, oldest dropped first.
    """

    def __init__(self, max_entries: int = 100_000, default_ttl: timedelta = timedelta(days=1)) -> None:
        self._entries: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._ttl = default_ttl

    def seen(self, challenge: str, *, now: datetime, keep_until: datetime | None = None) -> bool:
        """Check and record ``challenge`` atomically."""
        with self._lock:
            self._expire(now)
            if challenge in self._entries:
                return True
            self._entries[challenge] = keep_until or now + self._ttl
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
            return False

    def _expire(self, now: datetime) -> None:
        stale = [c for c, until in self._entries.items() if until < now]
        for challenge in stale:
            del self._entries[challenge]

    def __len__(self) -> int:
        return len(self._entries)
