"""The ledger (append, checkpoints, proofs), the witnesses that cosign it, and the client verifiers use.

The ledger checks every entry's signature before appending, refuses replays, rollbacks and anchors of a URL that
another DID anchored first (an anchored status list or trust registry has an owner), publishes one
checkpoint per batch (cosigned by its witnesses) and never serves a proof it has not verified against its own root.
A client reads a read-only source, trusts nothing it says unless it is proven against a checkpoint signed by the
operator (and cosigned by a quorum of distinct witness keys when configured), and answers lookups from an index it
built from the entries it verified, never from the storage's columns; a checkpoint that contradicts one it has seen
raises :class:`vcred.errors.SplitView` with both as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Protocol

from vcred._files import write_atomically
from vcred._time import require_aware, utcnow
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.did.ledger import DID_KINDS, LedgerDidResolver, method_id, replay
from vcred.did.resolver import DIDResolver, resolve_verification_method, split_did_url
from vcred.errors import LedgerError, ResolutionError, SplitView, StorageError, UsageError
from vcred.ledger.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    check_witness_set,
    cosign,
    cosigning_keys,
    open_checkpoint,
    sign_checkpoint,
)
from vcred.ledger.entries import MAX_ENTRY_BYTES, PUBLICATION_KINDS, Entry, IndexTerms, index_terms, parse_entry
from vcred.ledger.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from vcred.ledger.signatures import SignatureBatch
from vcred.ledger.store import LedgerStore, MemoryStore, SQLiteStore, StoredEntry

MAX_CLOCK_SKEW = 300
MAX_CACHED_DIDS = 1024
MAX_BATCH = 100_000
# an append looks up replays and writes rows this many entries at a time, feeding the signature helpers between
_LOOKUP_SLICE = 256
_STORE_SLICE = 512


class _BatchNodes:
    """Node lookups that see the nodes a batch has computed but not yet stored."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self.pending: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        found = self.pending.get((level, index))
        return found if found is not None else self.store.node(level, index)

    def add_leaf(self, index: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
        created = [(0, index, leaf)]
        self.pending[(0, index)] = leaf
        level, position = 0, index
        while position % 2 == 1:
            parent = node_hash(self.node(level, position - 1), self.node(level, position))
            level, position = level + 1, position // 2
            self.pending[(level, position)] = parent
            created.append((level, position, parent))
        return created

    def add_leaves(self, start: int, leaves: Sequence[bytes]) -> None:
        """Add leaves ``start``, ``start + 1``, ... and every node they complete, one tree level at a time."""
        level, first, row = 0, start, list(leaves)
        while row:
            self.pending.update(zip(zip(repeat(level), range(first, first + len(row))), row, strict=True))
            if first % 2:  # the row's first node pairs with a left sibling completed earlier
                row.insert(0, self.node(level, first - 1))
                first -= 1
            row = [node_hash(left, right) for left, right in zip(row[0::2], row[1::2], strict=False)]
            level, first = level + 1, first // 2


class Ledger:
    """An append-only, verifiable log of signed statements."""

    def __init__(
        self,
        store: LedgerStore,
        *,
        origin: str,
        operator_name: str,
        operator_key: Ed25519SigningKey,
        resolver: DIDResolver | None = None,
        check_integrity: bool = True,
        signature_helpers: bool = True,
        cosigners: Sequence[Witness] = (),
        now: datetime | None = None,
    ) -> None:
        """Open the ledger over ``store``; a new, empty one publishes its first checkpoint, cosigned at ``now``.

        ``now`` defaults to the clock: reading it here is the public boundary (see :meth:`append`).
        """
        self.store = store
        # witnesses asked to cosign each checkpoint the ledger publishes (one per batch)
        self._cosigners = list(cosigners)
        self._signature_helpers = signature_helpers
        self.origin = origin
        self.operator_name = operator_name
        self._operator_key = operator_key
        from vcred.did import CompositeResolver, default_resolver

        base = resolver or default_resolver()
        # submitters with ledger DIDs are resolved from this ledger itself
        self._resolver: DIDResolver = (
            base.with_method("vcred", LedgerDidResolver(self)) if isinstance(base, CompositeResolver) else base
        )
        if check_integrity:
            self.verify_integrity(full=store.size() <= 200_000)
        if store.size() == 0 and store.latest_checkpoint() is None:
            # readers serve the empty log's checkpoint until the first batch
            self._publish(0, _moment(now))

    @classmethod
    def open(
        cls, path: str | Path, *, origin: str, operator_name: str, operator_key: Ed25519SigningKey, **kw: object
    ) -> Ledger:
        """Open (or create) a ledger in one SQLite file."""
        return cls(SQLiteStore(path), origin=origin, operator_name=operator_name, operator_key=operator_key, **kw)  # type: ignore[arg-type]

    @classmethod
    def in_memory(cls, *, origin: str, operator_name: str, operator_key: Ed25519SigningKey) -> Ledger:
        """A ledger held in memory (tests, notebooks)."""
        return cls(MemoryStore(), origin=origin, operator_name=operator_name, operator_key=operator_key)

    @property
    def operator(self) -> tuple[str, Ed25519PublicKey]:
        """(name, public key) clients and witnesses use to verify checkpoints."""
        return self.operator_name, self._operator_key.public_key

    @property
    def size(self) -> int:
        """Number of entries."""
        return self.store.size()

    def root(self, size: int | None = None) -> bytes:
        """The root hash at ``size`` (default: now)."""
        return root_hash(self.store, self.size if size is None else size)

    # -- appending ------------------------------------------------------------------------------------------
    def append(self, entries: Sequence[bytes], *, now: datetime | None = None) -> list[int]:
        """Verify and append a batch atomically; return the indexes. LedgerError names the first bad entry.

        ``now`` is the ledger's time for this batch (entry timestamps must be within the allowed skew of it, and
        the new checkpoint is cosigned at it); without it the ledger reads the clock, here and nowhere below.
        """
        if not entries or len(entries) > MAX_BATCH:
            raise LedgerError(f"a batch holds 1 to {MAX_BATCH} entries")
        moment = _moment(now)
        # the whole batch under the store's write lock: another thread or process appending meanwhile would
        # otherwise compute the same indexes from the same size
        with self.store.writing():
            return self._append_locked(entries, moment)

    def _append_locked(self, entries: Sequence[bytes], now: datetime) -> list[int]:
        moment = int(now.timestamp())
        seen: set[bytes] = set()
        replayed: set[bytes] = set()
        leaves: list[bytes] = []
        stored: list[StoredEntry] = []
        batch_did_events: dict[str, list[tuple[Entry, bytes]]] = {}
        batch_publications: dict[str, _Anchored] = {}
        submitter_keys: dict[str, Ed25519PublicKey] = {}
        with SignatureBatch(expected=len(entries), use_helpers=self._signature_helpers) as signatures:
            start = self.size
            for offset, raw in enumerate(entries):
                if offset % _LOOKUP_SLICE == 0:
                    # replays looked up a slice at a time: the helpers get their first signatures at once
                    upcoming = [
                        leaf_hash(r) if isinstance(r, bytes) and len(r) <= MAX_ENTRY_BYTES else b""
                        for r in entries[offset : offset + _LOOKUP_SLICE]
                    ]
                    leaves += upcoming
                    replayed = self.store.stored_leaves(upcoming)
                leaf = leaves[offset]
                entry = parse_entry(raw)
                if leaf in seen or leaf in replayed:
                    raise LedgerError(f"entry {offset} is already in the ledger (replayed)")
                seen.add(leaf)
                if abs(entry.timestamp - moment) > MAX_CLOCK_SKEW:
                    raise LedgerError(f"entry {offset} is dated {entry.timestamp}, too far from the ledger's clock")
                key = self._authorise(entry, leaf, batch_did_events, batch_publications, submitter_keys)
                if key is not None:
                    signatures.add(offset, key, entry.signed_bytes, entry.signature)
                stored.append(StoredEntry(start + offset, leaf, raw, entry.kind, entry.subject, entry.timestamp))
            nodes = _BatchNodes(self.store)
            nodes.add_leaves(start, leaves)
            # Written into the store's open transaction while the helpers are still checking signatures; nothing
            # is committed before every signature has verified, and a refused batch is rolled back (writing()).
            created = [(lvl, idx, value) for (lvl, idx), value in nodes.pending.items()]
            for low in range(0, max(len(stored), len(created)), _STORE_SLICE):
                self.store.append(stored[low : low + _STORE_SLICE], created[low : low + _STORE_SLICE])
                signatures.poll()
            bad = signatures.first_failure()
            if bad is not None:
                raise LedgerError(f"entry {bad}: the {stored[bad].kind} entry's signature does not verify")
        # in the batch's transaction: a read-only source always has a signed checkpoint covering what it serves
        self._publish(self.size, now)
        return [e.index for e in stored]

    def _authorise(
        self,
        entry: Entry,
        leaf: bytes,
        batch_did_events: dict[str, list[tuple[Entry, bytes]]],
        batch_publications: dict[str, _Anchored],
        keys: dict[str, Ed25519PublicKey],
    ) -> Ed25519PublicKey | None:
        """Check the entry may be appended; return the key its signature must verify with (None: checked here)."""
        if entry.kind in DID_KINDS:
            did = entry.payload["did"]
            history = batch_did_events.setdefault(did, self.did_events(did, prove=False))
            if entry.kind == "did-create" and history:
                raise LedgerError(f"{did} already exists")
            replay(did, [*history, (entry, leaf)])  # raises on any broken rule, signatures included
            history.append((entry, leaf))
            return None
        owner = entry.payload.get("issuer") or entry.payload.get("publisher")
        submitter_did, _ = split_did_url(entry.submitter)
        if owner != submitter_did:
            raise LedgerError("an entry about an issuer must be signed by that issuer")
        if submitter_did.startswith("did:vcred:") and submitter_did in batch_did_events:
            state = replay(submitter_did, batch_did_events[submitter_did])
            key = state.current.key
        else:
            key = self._submitter_key(entry.submitter, keys)
        if entry.kind in PUBLICATION_KINDS:
            url = entry.payload["url"]
            if url not in batch_publications:
                batch_publications[url] = self._anchored(url)
            batch_publications[url].admit(entry)
        return key

    def _anchored(self, url: str) -> _Anchored:
        """Who owns ``url`` and the latest version the owner anchored of each kind, read from entry bytes.

        The store's columns only find the rows; each row read must hash to the tree's own leaf and say what its
        columns say, and the owner and versions come from those bytes, never from a column. The first row names
        the owner; the owner's latest of each kind is found from the end (in a ledger that enforces ownership,
        the last row).
        """
        rows = self.store.entries_about(url, PUBLICATION_KINDS)
        state = _Anchored(url, self._row_entry(rows[0], url).author if rows else None)
        for kind in PUBLICATION_KINDS:
            for stored in reversed([r for r in rows if r.kind == kind]):
                entry = self._row_entry(stored, url)
                if entry.author == state.owner:
                    state.versions[kind] = entry.payload["version"]
                    break
        return state

    def _row_entry(self, stored: StoredEntry, url: str) -> Entry:
        """A publication row's entry, refused unless its bytes are the tree's leaf and match its columns."""
        if leaf_hash(stored.raw) != self.store.node(0, stored.index):
            raise LedgerError(f"entry {stored.index} was modified in storage: its bytes no longer match the tree")
        entry = _check_columns(stored)
        if entry.kind not in PUBLICATION_KINDS or entry.payload["url"] != url:
            raise LedgerError(f"entry {stored.index}'s indexed columns do not match its bytes")
        return entry

    def _submitter_key(self, submitter: str, keys: dict[str, Ed25519PublicKey]) -> Ed25519PublicKey:
        """The submitter's assertion key in force now (resolved once per batch).

        Not as of the entry's own timestamp: that would let a key retired minutes ago still append entries dated
        just before its retirement (a backdated batch anchor, say).
        """
        found = keys.get(submitter)
        if found is None:
            try:
                found = resolve_verification_method(self._resolver, submitter, "assertionMethod").public_key
            except ResolutionError as exc:
                raise LedgerError(f"cannot verify the submitter: {exc.message}") from None
            keys[submitter] = found
        return found

    # -- reading --------------------------------------------------------------------------------------------
    def entry(self, index: int) -> StoredEntry:
        """The entry at ``index`` (its bytes checked against its leaf hash)."""
        stored = self.store.entry(index)
        if leaf_hash(stored.raw) != stored.leaf:
            raise LedgerError(f"entry {index} was modified in storage: its bytes no longer match its leaf hash")
        return stored

    def did_events(self, did: str, *, prove: bool = False) -> list[tuple[Entry, bytes]]:
        """A DID's events with their leaf hashes (the ledger's own view; clients prove them)."""
        return [(parse_entry(self.entry(s.index).raw), s.leaf) for s in self.store.entries_about(did, DID_KINDS)]

    def entries_about(self, subject: str, kinds: Sequence[str]) -> list[StoredEntry]:
        """Entries of ``kinds`` about ``subject``, checked against their leaf hashes."""
        return [self.entry(s.index) for s in self.store.entries_about(subject, kinds)]

    def did_resolver(self) -> LedgerDidResolver:
        """A did:vcred resolver over this ledger's own view (clients use LedgerClient.did_resolver)."""
        return LedgerDidResolver(self)

    def reader(self) -> LedgerReader:
        """The read-only source a verifier's client talks to: checkpoints, proofs and entries, no signing key."""
        return LedgerReader(self.store)

    # -- checkpoints and proofs -------------------------------------------------------------------------------
    def checkpoint(self, *, now: datetime | None = None) -> str:
        """A new signed checkpoint of the current size, cosigned (at ``now``, default the clock) and saved."""
        self.store.refresh()
        return self._publish(self.size, _moment(now))

    def _publish(self, size: int, now: datetime) -> str:
        """Sign the checkpoint of ``size``, have each cosigner cosign it (SplitView if one refuses), save it."""
        note = sign_checkpoint(Checkpoint(self.origin, size, self.root(size)), self.operator_name, self._operator_key)
        for witness in self._cosigners:
            seen = witness.reload()
            old = seen.size if seen is not None else 0
            proof = self.consistency_proof(old, size) if 0 < old < size else []
            note = witness.cosign(note, proof, now=now)
        self.store.save_checkpoint(size, note)
        return note

    def latest_checkpoint(self, *, now: datetime | None = None) -> str:
        """The newest signed checkpoint (signing one, cosigned at ``now`` or the clock, if the log grew since)."""
        self.store.refresh()
        saved = self.store.latest_checkpoint()
        if saved is not None and saved[0] == self.size:
            return saved[1]
        return self.checkpoint(now=now)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The proof that entry ``index`` is in the tree of ``size``, verified before it is served."""
        tree_size = self.size if size is None else size
        try:
            proof = inclusion_proof(self.store, index, tree_size)
        except ValueError as exc:
            raise LedgerError(str(exc)) from None
        if not verify_inclusion(index, tree_size, leaf_hash(self.entry(index).raw), proof, self.root(tree_size)):
            raise LedgerError("the ledger's storage is inconsistent: refusing to serve an unverifiable proof")
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``new_size`` extends the one of ``old_size``, verified before it is served."""
        size = self.size if new_size is None else new_size
        try:
            proof = consistency_proof(self.store, old_size, size)
        except ValueError as exc:
            raise LedgerError(str(exc)) from None
        old_root = self.root(old_size)
        if old_size and not verify_consistency(old_size, size, old_root, self.root(size), proof):
            raise LedgerError("the ledger's storage is inconsistent: refusing to serve an unverifiable proof")
        return proof

    def verify_integrity(self, *, full: bool = True) -> None:
        """Check the stored tree against the latest signed checkpoint (and, if ``full``, every entry's bytes).

        Raises LedgerError naming what is wrong: a modified entry, a missing or altered node, a truncated database.
        """
        try:
            # one snapshot: another process appending meanwhile must not look like a mismatch
            with self.store.reading():
                self._verify_snapshot(full=full)
        except StorageError as exc:
            raise LedgerError(f"the ledger database is damaged: {exc.message}") from None

    def _verify_snapshot(self, *, full: bool) -> None:
        size = self.size
        saved = self.store.latest_checkpoint()
        if full and isinstance(self.store, SQLiteStore):
            self.store.check_storage()
        if full:
            from vcred.ledger.merkle import MemoryTree

            tree = MemoryTree()
            for stored in self.store.iter_entries():
                if stored.index != tree.size:
                    raise LedgerError(f"entry {tree.size} is missing from the ledger")
                if leaf_hash(stored.raw) != stored.leaf:
                    raise LedgerError(f"entry {stored.index} was modified in storage")
                _check_columns(stored)
                tree.append(stored.leaf)
            if tree.size and tree.root() != self.root(size):
                raise LedgerError("the stored Merkle tree does not match the stored entries")
        if saved is not None:
            checkpoint = open_checkpoint(saved[1], self.operator).checkpoint
            if checkpoint.size > size:
                raise LedgerError(
                    f"the ledger holds {size} entries but signed a checkpoint of {checkpoint.size}: truncated"
                )
            if checkpoint.root_hash != self.root(checkpoint.size):
                raise LedgerError("the ledger's history no longer matches its own signed checkpoint")


@dataclass
class _Anchored:
    """An anchored URL's owner (the DID whose entry first anchored it, of either kind) and its latest versions."""

    url: str
    owner: str | None
    versions: dict[str, int] = field(default_factory=dict)

    def admit(self, entry: Entry) -> None:
        """Accept one more anchor of the URL, or raise LedgerError: only the owner anchors it, at advancing versions.

        Entries by anyone else (in a log written by an operator that did not enforce this) neither own the URL
        nor count for its versions.
        """
        if self.owner is None:
            self.owner = entry.author
        if entry.author != self.owner:
            raise LedgerError(
                f"{self.url} is anchored by {self.owner}: only that DID may anchor new versions of it, not "
                f"{entry.author}",
                hint="publish under a URL of your own",
            )
        latest = self.versions.get(entry.kind)
        if latest is not None and latest >= entry.payload["version"]:
            raise LedgerError(
                f"{entry.kind} version {entry.payload['version']} of {self.url} does not advance past version "
                f"{latest} (rollback)"
            )
        self.versions[entry.kind] = entry.payload["version"]


def _check_columns(stored: StoredEntry) -> Entry:
    """Refuse a row whose indexed columns (kind, subject, time) are not what its entry bytes say; the parsed entry.

    The operator finds a DID's events and a list's versions through these columns; one edited column would hide
    an event (a key rotation, say) from every lookup while every hash still matches.
    """
    try:
        entry = parse_entry(stored.raw)
    except LedgerError as exc:
        raise LedgerError(f"entry {stored.index} in storage is malformed: {exc.message}") from None
    derived = {"kind": entry.kind, "subject": entry.subject, "timestamp": entry.timestamp}
    for column, value in derived.items():
        if getattr(stored, column) != value:
            raise LedgerError(
                f"entry {stored.index}'s indexed {column} column does not match its bytes: the database was edited",
                hint="restore the ledger database from a backup or a replica; its index cannot be trusted",
            )
    return entry


class Witness:
    """An institution that cosigns checkpoints only if they extend what it saw before (state kept on disk)."""

    def __init__(
        self,
        name: str,
        key: Ed25519SigningKey,
        *,
        operator: tuple[str, Ed25519PublicKey],
        origin: str,
        state_file: str | Path | None = None,
    ) -> None:
        self.name = name
        self._key = key
        self.operator = operator
        self.origin = origin
        self._state_file = Path(state_file) if state_file else None
        self.last: Checkpoint | None = None
        self.reload()

    def reload(self) -> Checkpoint | None:
        """Catch up with the state file (another process may have cosigned since); return the last checkpoint."""
        if self._state_file and self._state_file.exists():
            try:
                saved = Checkpoint.parse(json.loads(self._state_file.read_text("utf-8"))["checkpoint"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise StorageError(f"cannot read the witness state {self._state_file}: {exc}") from None
            if self.last is None or saved.size >= self.last.size:
                self.last = saved
        return self.last

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key clients use to check this witness's cosignatures."""
        return self._key.public_key

    def cosign(self, note: str, proof: Sequence[bytes], *, now: datetime | None = None) -> str:
        """Cosign ``note`` if it is consistent with the last checkpoint this witness cosigned."""
        checkpoint = open_checkpoint(note, self.operator).checkpoint
        if checkpoint.origin != self.origin:
            raise LedgerError(f"checkpoint for {checkpoint.origin!r}, not {self.origin!r}")
        last = self.last
        if last is not None:
            if checkpoint.size < last.size:
                raise SplitView("the log went backwards", first=last, second=checkpoint)
            if checkpoint.size == last.size and checkpoint.root_hash != last.root_hash:
                raise SplitView("two different trees of the same size", first=last, second=checkpoint)
            if checkpoint.size > last.size and not verify_consistency(
                last.size, checkpoint.size, last.root_hash, checkpoint.root_hash, proof
            ):
                raise SplitView(
                    "the new checkpoint does not extend the one this witness cosigned", first=last, second=checkpoint
                )
        self.last = checkpoint
        if self._state_file:
            # durable before the cosignature leaves: a witness that forgot what it signed could sign a fork
            write_atomically(self._state_file, json.dumps({"checkpoint": checkpoint.body()}).encode("utf-8"))
        return cosign(note, self.name, self._key, int(_moment(now).timestamp()))


class LedgerSource(Protocol):
    """What a verifier's client reads from a ledger: signed checkpoints, consistency proofs and entry bytes.

    Nothing it answers is believed: the client checks checkpoints against the keys it was configured with,
    proofs against checkpoints, and entry bytes against the tree it rebuilt from them.
    """

    def latest_checkpoint(self) -> str:
        """The newest signed (and cosigned) checkpoint note."""
        ...

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """The proof that the tree of ``new_size`` extends the one of ``old_size``."""
        ...

    def entries(self, start: int, end: int) -> list[bytes]:
        """The bytes of entries ``start`` to ``end - 1``."""
        ...


class LedgerReader:
    """A read-only :class:`LedgerSource` over a ledger's storage: it serves the checkpoints the operator saved and
    never holds the operator's key (a verifier can open a replica or the operator's file with it)."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    @classmethod
    def open(cls, path: str | Path) -> LedgerReader:
        """Read the ledger database at ``path``; StorageError if there is none (a reader never creates one)."""
        if not Path(path).is_file():
            raise StorageError(f"there is no ledger database at {path}")
        return cls(SQLiteStore(path))

    def latest_checkpoint(self) -> str:
        """The newest checkpoint the operator saved; LedgerError if it has published none."""
        self.store.refresh()
        saved = self.store.latest_checkpoint()
        if saved is None:
            raise LedgerError("the ledger has published no checkpoint yet")
        return saved[1]

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """A consistency proof from the stored tree (unverified here: the client checks it)."""
        with self.store.reading():
            try:
                return consistency_proof(self.store, old_size, new_size)
            except ValueError as exc:
                raise LedgerError(str(exc)) from None

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """An inclusion proof from the stored tree (unverified here)."""
        with self.store.reading():
            try:
                return inclusion_proof(self.store, index, size)
            except ValueError as exc:
                raise LedgerError(str(exc)) from None

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entry bytes only: the store's indexed columns are not served, a client derives its own."""
        return [stored.raw for stored in self.store.entries_between(start, end)]


@dataclass
class ProvenEntry:
    """An entry with the index and leaf hash that put it in the client's checkpoint."""

    entry: Entry
    index: int
    leaf: bytes


_FETCH_CHUNK = 4096
MAX_CACHED_ENTRIES = 8192


class LedgerClient:
    """A verifier's view of a ledger: a trusted checkpoint, and an index the client built itself.

    ``source`` is a read-only :class:`LedgerSource` (given the operator's :class:`Ledger`, the client keeps only
    its :meth:`Ledger.reader`). For every checkpoint it adopts, the client fetches the entries it has not seen,
    checks that they rebuild the checkpoint's root, and indexes them by what their bytes say; "the events of a
    DID" and "the latest publication of a URL by a given author" are answered from that index, so storage that
    hides or relabels an entry cannot change an answer. Entries are checked again against their verified leaf
    hash when read, and their signatures against the key their submitter had in force when they were entered.

    ``witnesses`` (name → key) and ``quorum``: a checkpoint needs cosignatures by ``quorum`` distinct witness keys.
    ``trusted``: the last checkpoint note this verifier trusted (kept between runs); a newer one must extend it.
    ``on_adopt`` is called with each newly adopted checkpoint (to keep it for the next run).
    """

    def __init__(
        self,
        source: LedgerSource | Ledger,
        *,
        operator: tuple[str, Ed25519PublicKey],
        origin: str,
        witnesses: dict[str, Ed25519PublicKey] | None = None,
        quorum: int = 0,
        trusted: str | None = None,
        resolver: DIDResolver | None = None,
        on_adopt: Callable[[SignedCheckpoint], None] | None = None,
    ) -> None:
        from vcred.did import default_resolver

        # the operator's object holds its signing key: a verifier talks to its read-only view only
        self.source: LedgerSource = source.reader() if isinstance(source, Ledger) else source
        self.operator = operator
        self.origin = origin
        self.witnesses = check_witness_set(operator, dict(witnesses or {}), quorum)
        self.quorum = quorum
        self._on_adopt = on_adopt
        # submitters whose DIDs are not in the ledger (did:key, did:jwk) are resolved offline unless told otherwise
        self._resolver = resolver or default_resolver()
        self.checkpoint: SignedCheckpoint | None = None
        self._tree = MemoryTree()  # leaf hashes of the entries this client verified, in log order
        self._index: dict[tuple[str, str], list[int]] = {}  # (subject, kind) -> positions
        self._anchors: dict[tuple[str, str], list[int]] = {}  # (issuer, batch root) -> positions
        # (subject, kind) -> author -> (version, position) of the author's latest version, authors in the order
        # of their first entry
        self._authored: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
        self._entries: dict[int, ProvenEntry] = {}
        # a DID's events for the trusted checkpoint: verifying one credential resolves its issuer several times
        self._did_events: dict[str, list[ProvenEntry]] = {}
        if trusted is not None:
            self.checkpoint = self._open(trusted, require_quorum=False)

    def _open(self, note: str, *, require_quorum: bool = True) -> SignedCheckpoint:
        signed = open_checkpoint(note, self.operator, self.witnesses)
        if signed.checkpoint.origin != self.origin:
            raise LedgerError(f"checkpoint for {signed.checkpoint.origin!r}, not {self.origin!r}")
        if require_quorum:
            self._require_quorum(signed)
        return signed

    def _require_quorum(self, signed: SignedCheckpoint) -> None:
        # distinct keys, not names: one witness configured twice must not count twice
        cosigned = len(cosigning_keys(signed, self.witnesses))
        if cosigned < self.quorum:
            raise LedgerError(
                f"the checkpoint has {cosigned} distinct witness cosignature(s); {self.quorum} required",
                hint="a checkpoint the witnesses have not cosigned may be a fork shown to this verifier alone",
            )

    def accept(self, note: str, proof: Sequence[bytes] = ()) -> SignedCheckpoint:
        """Verify a newer checkpoint (signature, consistency with the current one, quorum) and adopt it.

        A checkpoint the operator signed that contradicts the trusted one is a SplitView whatever its cosignatures:
        the two notes are the evidence.
        """
        signed = self._open(note, require_quorum=False)
        checkpoint = signed.checkpoint
        current = self.checkpoint.checkpoint if self.checkpoint else None
        if current is not None:
            if checkpoint.size == current.size and checkpoint.root_hash != current.root_hash:
                raise SplitView(
                    "two checkpoints of the same size with different roots", first=current, second=checkpoint
                )
            if checkpoint.size < current.size:
                raise SplitView("the ledger showed an older, shorter history", first=current, second=checkpoint)
            if checkpoint.size > current.size and not verify_consistency(
                current.size, checkpoint.size, current.root_hash, checkpoint.root_hash, proof
            ):
                raise SplitView("the new checkpoint does not extend the trusted one", first=current, second=checkpoint)
        self._require_quorum(signed)
        if current != checkpoint:
            self._did_events.clear()
        self.checkpoint = signed
        if self._on_adopt is not None and current != checkpoint:
            self._on_adopt(signed)
        return signed

    def sync(self) -> SignedCheckpoint:
        """Fetch the ledger's latest checkpoint and a consistency proof from the trusted one, and adopt it."""
        note = self.source.latest_checkpoint()
        size = open_checkpoint(note, self.operator).checkpoint.size
        old = self.checkpoint.checkpoint.size if self.checkpoint else 0
        proof = self.source.consistency_proof(old, size) if 0 < old < size else []
        return self.accept(note, proof)

    # -- the client's own index ---------------------------------------------------------------------------------
    def _require(self) -> Checkpoint:
        """The trusted checkpoint, with the index extended to cover it."""
        if self.checkpoint is None:
            raise LedgerError("the client has no trusted checkpoint yet; call sync() or accept() first")
        checkpoint = self.checkpoint.checkpoint
        if self._tree.size < checkpoint.size:
            self._extend(checkpoint)
        return checkpoint

    def _extend(self, checkpoint: Checkpoint) -> None:
        """Fetch the entries after the indexed ones, check they rebuild ``checkpoint``'s root, index them."""
        start = self._tree.size
        found: list[IndexTerms] = []
        try:
            for low in range(start, checkpoint.size, _FETCH_CHUNK):
                high = min(low + _FETCH_CHUNK, checkpoint.size)
                served = self.source.entries(low, high)
                if len(served) != high - low:
                    raise LedgerError(f"the ledger did not serve entries {low} to {high - 1} of its checkpoint")
                for offset, raw in enumerate(served):
                    if not isinstance(raw, bytes) or len(raw) > MAX_ENTRY_BYTES:
                        raise LedgerError(f"ledger entry {low + offset} is not an entry")
                    try:
                        terms = index_terms(raw)  # fully parsed (and checked) when a lookup reads it
                    except LedgerError as exc:
                        raise LedgerError(f"ledger entry {low + offset} is malformed: {exc.message}") from None
                    found.append(terms)
                    self._tree.append(leaf_hash(raw))
            if self._tree.root() != checkpoint.root_hash:
                raise LedgerError(
                    "the entries the ledger served do not rebuild its signed checkpoint (rewritten or forked log)"
                )
        except BaseException:
            self._truncate(start)
            raise
        for position, (kind, subject, root, author, version) in enumerate(found, start):
            self._index.setdefault((subject, kind), []).append(position)
            if author:
                authors = self._authored.setdefault((subject, kind), {})
                # the highest version wins, the latest entry among equals: a replay of an older entry never does
                if version >= authors.get(author, (-1, -1))[0]:
                    authors[author] = (version, position)
            if root:
                self._anchors.setdefault((subject, root), []).append(position)

    def _truncate(self, size: int) -> None:
        """Forget leaves past ``size`` (a failed extension leaves the verified prefix as it was)."""
        self._tree.levels = [level[: size >> height] for height, level in enumerate(self._tree.levels)]

    def _positions(self, subject: str, kinds: Sequence[str]) -> list[int]:
        self._require()
        return sorted(p for kind in kinds for p in self._index.get((subject, kind), ()))

    def _entry(self, index: int) -> ProvenEntry:
        """Entry ``index``: its bytes must hash to the leaf this client verified; its signature is checked."""
        cached = self._entries.get(index)
        if cached is not None:
            return cached
        served = self.source.entries(index, index + 1)
        leaf = self._tree.node(0, index)
        if len(served) != 1 or leaf_hash(served[0]) != leaf:
            raise LedgerError(f"the ledger served entry {index} with bytes other than the ones this client verified")
        proven = ProvenEntry(parse_entry(served[0]), index, leaf)
        if proven.entry.kind not in DID_KINDS:  # a DID's events are checked when they are replayed
            proven.entry.verify_with(self._submitter_key(proven))
        if len(self._entries) >= MAX_CACHED_ENTRIES:
            self._entries.clear()
        self._entries[index] = proven
        return proven

    def _submitter_key(self, proven: ProvenEntry) -> Ed25519PublicKey:
        """The key the entry's submitter had in force when the entry was entered (the ledger's own rule)."""
        entry = proven.entry
        did, _ = split_did_url(entry.submitter)
        if (entry.payload.get("issuer") or entry.payload.get("publisher")) != did:
            raise LedgerError(f"ledger entry {proven.index} is not signed by the issuer it speaks for")
        if not did.startswith("did:vcred:"):
            try:
                return resolve_verification_method(self._resolver, entry.submitter, "assertionMethod").public_key
            except ResolutionError as exc:
                raise LedgerError(
                    f"cannot verify the submitter of ledger entry {proven.index}: {exc.message}"
                ) from None
        earlier = [e for e in self.proven_did_events(did) if e.index < proven.index]
        state = replay(did, [(e.entry, e.leaf) for e in earlier])
        if state.deactivated_at is not None or entry.submitter != method_id(did, state.version):
            raise LedgerError(f"ledger entry {proven.index} is not signed by the key {did} had in force then")
        return state.current.key

    # -- answers ----------------------------------------------------------------------------------------------
    def did_events(self, did: str) -> list[tuple[Entry, bytes]]:
        """A DID's events, each proven against the trusted checkpoint."""
        return [(p.entry, p.leaf) for p in self.proven_did_events(did)]

    def proven_did_events(self, did: str) -> list[ProvenEntry]:
        """Every event of ``did`` in the trusted checkpoint, with its ledger index, from the client's own index."""
        cached = self._did_events.get(did)
        if cached is None:
            cached = [self._entry(i) for i in self._positions(did, DID_KINDS)]
            if len(self._did_events) >= MAX_CACHED_DIDS:
                self._did_events.clear()
            self._did_events[did] = cached
        return list(cached)

    def proven_entries(self, subject: str, kind: str, *, containing: bytes = b"") -> list[ProvenEntry]:
        """Entries of ``kind`` about ``subject`` in the trusted checkpoint, each proven (``containing``: only those
        whose bytes contain it). Whoever wrote them: anyone can sign an entry naming any URL, so a caller that takes
        one entry's word uses :meth:`latest` with its author instead."""
        found = [self._entry(i) for i in self._positions(subject, [kind])]
        return [p for p in found if containing in p.entry.raw]

    def batch_anchors(self, issuer: str, root: str) -> list[ProvenEntry]:
        """The batch anchors ``issuer`` entered with this Merkle root (hex): one index lookup, only those read."""
        self._require()
        return [self._entry(i) for i in self._anchors.get((issuer, root), ())]

    def did_resolver(self) -> LedgerDidResolver:
        """A did:vcred resolver that trusts only proven events."""
        return LedgerDidResolver(self)

    def latest(self, subject: str, kind: str, *, author: str) -> ProvenEntry | None:
        """The latest proven entry of ``kind`` about ``subject`` (e.g. a status list URL) that ``author`` signed.

        Never "the newest entry about the URL": anyone can sign an entry naming any URL, so the caller says whose
        word it takes (a status list's issuer, the publisher an office configured for its trust registry), and
        entries by everyone else are not read. Latest means the author's highest version (the last entry among
        equal versions), not the last position: a copy of the author's older entry appended again is a replay,
        never a newer word. Found through the client's own index of verified bytes; the entry returned is proven,
        its signature checked, and its author and URL read again from it.
        """
        if not author:
            raise UsageError("say whose entry to take: latest(subject, kind, author=DID)")
        self._require()
        found = self._authored.get((subject, kind), {}).get(author)
        if found is None:
            return None
        proven = self._entry(found[1])
        if (proven.entry.kind, proven.entry.subject, proven.entry.author) != (kind, subject, author):
            raise LedgerError(f"ledger entry {proven.index} is not the entry this client indexed")
        return proven

    def authors(self, subject: str, kind: str) -> list[str]:
        """The DIDs that claim entries of ``kind`` about ``subject``, in order of their first entry.

        What the verified bytes name, not a proof that each signed: read one with :meth:`latest` to prove it. For
        messages and for refusing to guess whose entry counts, never for choosing one.
        """
        self._require()
        return list(self._authored.get((subject, kind), {}))


def _moment(now: datetime | None) -> datetime:
    """``now``, or the clock when the caller of a public method gave none (the only place the ledger reads it)."""
    return utcnow() if now is None else require_aware(now)
