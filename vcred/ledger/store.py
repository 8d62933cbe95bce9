"""Ledger storage: a small interface and its SQLite implementation (one file, WAL, one transaction per batch).

The store keeps entries, their leaf hashes and every perfect-subtree hash, so proofs at any size need only
O(log n) reads. A batch is committed in one transaction with ``synchronous=FULL``: a killed process leaves the
ledger as it was before the batch or after it, and an acknowledged batch survives a crash. The ledger holds the write
lock (``BEGIN IMMEDIATE``) for a whole append, so threads and processes sharing the file never compute the same
indexes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vcred.errors import StorageError


@dataclass(frozen=True)
class StoredEntry:
    """One appended entry."""

    index: int
    leaf: bytes
    raw: bytes
    kind: str
    subject: str
    timestamp: int


class LedgerStore(Protocol):
    """What the ledger needs from storage; a shared backend can implement the same."""

    def size(self) -> int:
        """Number of entries."""
        ...

    def refresh(self) -> None:
        """Catch up with entries other processes appended."""
        ...

    def reading(self) -> Any:
        """A context in which every read sees one snapshot (and the size is current), whatever others append."""
        ...

    def writing(self) -> Any:
        """A context holding the store's write lock (across processes for a shared file) for one whole append:
        the size is current inside it, and what :meth:`append` adds inside it commits when it exits cleanly and is
        discarded when it exits with an exception (the ledger stores a batch before its last signature is checked,
        and relies on this to leave nothing of a refused batch behind)."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """A perfect subtree hash."""
        ...

    def append(self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Atomically add entries and the nodes they complete."""
        ...

    def entry(self, index: int) -> StoredEntry:
        """The entry at ``index``."""
        ...

    def stored_leaves(self, leaves: Sequence[bytes]) -> set[bytes]:
        """Which of ``leaves`` are already in the log (one lookup for a whole batch)."""
        ...

    def entries_about(self, subject: str, kinds: Sequence[str]) -> list[StoredEntry]:
        """Entries of these kinds about ``subject``, in log order (the operator's index: never evidence)."""
        ...

    def entries_between(self, start: int, end: int) -> list[StoredEntry]:
        """The entries ``start`` to ``end - 1``, in order (what a read-only source serves a client)."""
        ...

    def save_checkpoint(self, size: int, note: str) -> None:
        """Remember a signed checkpoint."""
        ...

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The newest signed checkpoint (size, note)."""
        ...

    def iter_entries(self) -> Iterator[StoredEntry]:
        """Every entry in order (for integrity checks)."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL UNIQUE, raw BLOB NOT NULL,
    kind TEXT NOT NULL, subject TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject, kind);
CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
"""


_LOOKUP_CHUNK = 500


class SQLiteStore:
    """The default store: one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # a writer in another process may hold the lock for a whole large batch
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._size = self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot open the ledger database {self.path}: {exc}") from None
        self._cache: dict[tuple[int, int], bytes] = {}
        # one connection is shared by this process's threads: the lock keeps readers out of an open write
        self._lock = threading.RLock()
        self._in_write = False

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def check_storage(self) -> None:
        """SQLite's own structural check (catches damaged pages the Merkle checks cannot reach)."""
        try:
            result = self._db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"the ledger database is damaged: {exc}") from None
        if result != "ok":
            raise StorageError(f"the ledger database is damaged: {result}")

    def backup_to(self, path: str | Path) -> None:
        """A consistent copy of the database (WAL included) at ``path``."""
        target = sqlite3.connect(path)
        try:
            self._db.backup(target)
        finally:
            target.close()

    def size(self) -> int:
        """Number of entries (as of the last refresh; current inside :meth:`writing`)."""
        return int(self._size)

    def refresh(self) -> None:
        """Catch up with entries other processes appended (entries are contiguous: the integrity check says so)."""
        with self._lock:
            if not self._in_write:
                self._size = self._stored_size()

    def _stored_size(self) -> int:
        rows = self._query("SELECT MAX(idx) FROM entries")
        return 0 if rows[0][0] is None else int(rows[0][0]) + 1

    def _begin(self, statement: str, failure: str) -> None:
        """Start a transaction and take the size it sees; StorageError (``failure``: why) if SQLite refuses."""
        try:
            self._db.execute(statement)
            self._size = self._stored_size()
        except (sqlite3.Error, StorageError) as exc:
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise StorageError(f"{failure}: {getattr(exc, 'message', exc)}") from None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: a consistent snapshot even while other processes commit appends."""
        with self._lock:
            if self._in_write:
                yield
                return
            self._begin("BEGIN", "the ledger database is damaged")
            try:
                yield
            finally:
                with suppress(sqlite3.Error):
                    self._db.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold SQLite's write lock (BEGIN IMMEDIATE) for one append: commit on success, roll back on error."""
        with self._lock:
            if self._in_write:
                raise StorageError("appends cannot nest")
            self._begin("BEGIN IMMEDIATE", "cannot lock the ledger database for writing")
            self._in_write = True
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException as exc:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                self._in_write = False
                with suppress(StorageError):
                    self.refresh()
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(f"cannot commit to the ledger database: {exc}") from None
                raise
            finally:
                self._in_write = False

    def node(self, level: int, index: int) -> bytes:
        """A perfect subtree hash (upper levels cached: they are read by every proof)."""
        key = (level, index)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        rows = self._query("SELECT hash FROM nodes WHERE level=? AND idx=?", key)
        row = rows[0] if rows else None
        if row is None:
            raise StorageError(f"the ledger database is missing tree node {level}/{index}; it is damaged")
        if level >= 8:
            self._cache[key] = row[0]
        return bytes(row[0])

    def append(self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Add a batch: inside :meth:`writing` it commits with it, otherwise in a transaction of its own."""
        if not self._in_write:
            with self.writing():
                self.append(entries, nodes)
            return
        try:
            self._db.executemany(
                "INSERT INTO entries (idx, leaf, raw, kind, subject, ts) VALUES (?, ?, ?, ?, ?, ?)",
                [(e.index, e.leaf, e.raw, e.kind, e.subject, e.timestamp) for e in entries],
            )
            self._db.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        except sqlite3.IntegrityError as exc:
            raise StorageError(f"the batch conflicts with stored entries: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot write to the ledger database: {exc}") from None
        self._size += len(entries)

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[Any]:
        """Run a read; a damaged database (bad pages, undecodable text) becomes a StorageError."""
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"the ledger database is damaged: {exc}") from None

    def _row(self, row: tuple[int, bytes, bytes, str, str, int]) -> StoredEntry:
        return StoredEntry(
            index=row[0], leaf=bytes(row[1]), raw=bytes(row[2]), kind=row[3], subject=row[4], timestamp=row[5]
        )

    def entry(self, index: int) -> StoredEntry:
        """The entry at ``index``."""
        rows = self._query("SELECT idx, leaf, raw, kind, subject, ts FROM entries WHERE idx=?", (index,))
        row = rows[0] if rows else None
        if row is None:
            raise StorageError(f"no entry {index} in the ledger")
        return self._row(row)

    def stored_leaves(self, leaves: Sequence[bytes]) -> set[bytes]:
        """Which of ``leaves`` are already stored, in chunks under SQLite's parameter limit."""
        found: set[bytes] = set()
        for start in range(0, len(leaves), _LOOKUP_CHUNK):
            chunk = tuple(leaves[start : start + _LOOKUP_CHUNK])
            # only "?" placeholders are formatted into the SQL; the leaves travel as parameters
            sql = "SELECT leaf FROM entries WHERE leaf IN (" + ",".join("?" * len(chunk)) + ")"  # noqa: S608
            found.update(bytes(row[0]) for row in self._query(sql, chunk))
        return found

    def entries_about(self, subject: str, kinds: Sequence[str]) -> list[StoredEntry]:
        """Entries of ``kinds`` about ``subject`` in order."""
        marks = ",".join("?" for _ in kinds)
        rows = self._query(
            f"SELECT idx, leaf, raw, kind, subject, ts FROM entries WHERE subject=? AND kind IN ({marks}) ORDER BY idx",  # noqa: S608 - placeholders only
            (subject, *kinds),
        )
        return [self._row(r) for r in rows]

    def entries_between(self, start: int, end: int) -> list[StoredEntry]:
        """The entries ``start`` to ``end - 1``, in order."""
        rows = self._query(
            "SELECT idx, leaf, raw, kind, subject, ts FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, end),
        )
        return [self._row(r) for r in rows]

    def save_checkpoint(self, size: int, note: str) -> None:
        """Remember a signed checkpoint."""
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO checkpoints (size, note) VALUES (?, ?)", (size, note))
        except sqlite3.Error as exc:
            raise StorageError(f"cannot record the checkpoint: {exc}") from None

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The newest signed checkpoint."""
        rows = self._query("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def iter_entries(self) -> Iterator[StoredEntry]:
        """Every entry in order."""
        for row in self._query("SELECT idx, leaf, raw, kind, subject, ts FROM entries ORDER BY idx"):
            yield self._row(row)


class MemoryStore:
    """An in-memory store for tests, notebooks and simulations."""

    def __init__(self) -> None:
        self._entries: list[StoredEntry] = []
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._leaves: set[bytes] = set()
        self._checkpoints: dict[int, str] = {}
        self._lock = threading.RLock()
        self._in_write = False

    def size(self) -> int:
        """Number of entries."""
        return len(self._entries)

    def refresh(self) -> None:
        """Nothing to catch up with: one process holds the store."""

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads under the lock appends take."""
        with self._lock:
            yield

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One append at a time; an append that fails leaves nothing behind, as a rolled-back transaction would."""
        with self._lock:
            if self._in_write:
                yield
                return
            self._in_write = True
            size = len(self._entries)
            try:
                yield
            except BaseException:
                self._truncate(size)
                raise
            finally:
                self._in_write = False

    def _truncate(self, size: int) -> None:
        """Forget the entries from ``size`` on, the tree nodes and checkpoints that cover them."""
        del self._entries[size:]
        self._leaves = {e.leaf for e in self._entries}
        self._nodes = {(level, i): h for (level, i), h in self._nodes.items() if (i + 1) << level <= size}
        self._checkpoints = {n: note for n, note in self._checkpoints.items() if n <= size}

    def node(self, level: int, index: int) -> bytes:
        """A perfect subtree hash."""
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise StorageError(f"missing tree node {level}/{index}") from None

    def append(self, entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Add a batch."""
        self._entries.extend(entries)
        self._leaves.update(e.leaf for e in entries)
        self._nodes.update({(level, index): value for level, index, value in nodes})

    def entry(self, index: int) -> StoredEntry:
        """The entry at ``index``."""
        if not 0 <= index < len(self._entries):
            raise StorageError(f"no entry {index} in the ledger")
        return self._entries[index]

    def stored_leaves(self, leaves: Sequence[bytes]) -> set[bytes]:
        """Which of ``leaves`` are already stored."""
        return {leaf for leaf in leaves if leaf in self._leaves}

    def entries_about(self, subject: str, kinds: Sequence[str]) -> list[StoredEntry]:
        """Entries of ``kinds`` about ``subject`` in order."""
        return [e for e in self._entries if e.subject == subject and e.kind in kinds]

    def entries_between(self, start: int, end: int) -> list[StoredEntry]:
        """The entries ``start`` to ``end - 1``, in order."""
        return self._entries[max(start, 0) : max(end, 0)]

    def save_checkpoint(self, size: int, note: str) -> None:
        """Remember a signed checkpoint."""
        self._checkpoints[size] = note

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The newest signed checkpoint."""
        if not self._checkpoints:
            return None
        size = max(self._checkpoints)
        return size, self._checkpoints[size]

    def iter_entries(self) -> Iterator[StoredEntry]:
        """Every entry in order."""
        return iter(list(self._entries))

    def tamper(self, index: int, raw: bytes) -> None:
        """Replace an entry's bytes without updating its hashes: for tests that prove tampering is detected."""
        old = self._entries[index]
        self._entries[index] = StoredEntry(index, old.leaf, raw, old.kind, old.subject, old.timestamp)
