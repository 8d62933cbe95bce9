"""A persistent replay cache: accepted challenges kept in SQLite until their presentation expires.

Several processes (two ``vcred verify`` runs, an office server and a command) may share one file: each check and
record is one ``BEGIN IMMEDIATE`` transaction, so of two processes verifying the same presentation at the same
moment exactly one sees it first. Entries are kept until the presentation expires plus ``retention_margin`` (which
covers the clock skew a verifier allows), then deleted.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

from vcred._time import require_aware
from vcred.errors import StorageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    scope TEXT NOT NULL,
    challenge TEXT NOT NULL,
    keep_until REAL NOT NULL,
    PRIMARY KEY (scope, challenge)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_until ON seen (keep_until);
"""


class SqliteReplayCache:
    """A :class:`vcred.verify.replay.ReplayCache` in a SQLite file, safe for several threads and processes.

    ``scope`` separates verifiers sharing one file (the CLI uses the verifier's domain): a challenge is a replay
    only within its scope. ``keep_until`` defaults to ``now + default_ttl`` when the presentation has no expiry.
    Raises :class:`vcred.errors.StorageError` when the file cannot be opened or written.

    Example::

        cache = SqliteReplayCache("verifier/replay.sqlite", scope="credentialing.stmarys.example")
        verify_presentation(vp, challenge=c, domain=d, replay_cache=cache)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        scope: str = "",
        default_ttl: timedelta = timedelta(days=1),
        retention_margin: timedelta = timedelta(minutes=10),
        timeout: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.scope = scope
        self._ttl = default_ttl
        self._margin = retention_margin
        self._timeout = timeout
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(
                    self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
                )
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")  # an accepted challenge is on disk before the answer
                connection.executescript(_SCHEMA)
            except (sqlite3.Error, OSError) as exc:
                raise StorageError(f"{self.path}: cannot open the replay cache ({exc})") from None
            self._connection = connection
        return self._connection

    def seen(self, challenge: str, *, now: datetime, keep_until: datetime | None = None) -> bool:
        """True if ``challenge`` was accepted before in this scope (and has not expired); otherwise record it until
        ``keep_until`` (plus the retention margin) and return False. Check and record are one transaction."""
        moment = require_aware(now).timestamp()
        until = (require_aware(keep_until) if keep_until is not None else now + self._ttl) + self._margin
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.execute("DELETE FROM seen WHERE keep_until < ?", (moment,))
                    inserted = connection.execute(
                        "INSERT INTO seen (scope, challenge, keep_until) VALUES (?, ?, ?) "
                        "ON CONFLICT (scope, challenge) DO NOTHING",
                        (self.scope, challenge, until.timestamp()),
                    ).rowcount
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: the replay cache could not be updated ({exc})") from None
        return inserted == 0

    def __len__(self) -> int:
        """Entries kept (every scope), expired ones included until the next check removes them."""
        with self._lock:
            row = self._connect().execute("SELECT count(*) FROM seen").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database connection (it is opened again when needed)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
