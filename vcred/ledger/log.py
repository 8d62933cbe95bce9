"""The ledger (append, checkpoints, proofs), the witnesses that cosign it, and the client verifiers use.

The ledger checks every entry's signature before appending, refuses replays and rollbacks, and never serves a
proof it has not verified against its own root. A client trusts nothing the ledger says unless it is proven
against a checkpoint signed by the operator (and cosigned by a quorum of witnesses when configured); a checkpoint
that contradicts one it has seen raises :class:`vcred.errors.SplitView` with both as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vcred._files import write_atomically
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.did.ledger import DID_KINDS, LedgerDidResolver, replay
from vcred.did.resolver import DIDResolver, resolve_verification_method, split_did_url
from vcred.errors import LedgerError, ResolutionError, SplitView, StorageError
from vcred.ledger.checkpoint import Checkpoint, SignedCheckpoint, cosign, open_checkpoint, sign_checkpoint
from vcred.ledger.entries import MAX_ENTRY_BYTES, Entry, parse_entry
from vcred.ledger.merkle import (
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
    ) -> None:
        self.store = store
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
        """Verify and append a batch atomically; return the indexes. LedgerError names the first bad entry."""
        if not entries or len(entries) > MAX_BATCH:
            raise LedgerError(f"a batch holds 1 to {MAX_BATCH} entries")
        # the whole batch under the store's write lock: another thread or process appending meanwhile would
        # otherwise compute the same indexes from the same size
        with self.store.writing():
            return self._append_locked(entries, now)

    def _append_locked(self, entries: Sequence[bytes], now: datetime | None) -> list[int]:
        moment = int((now or datetime.now(UTC)).timestamp())
        leaves = [leaf_hash(raw) if isinstance(raw, bytes) and len(raw) <= MAX_ENTRY_BYTES else b"" for raw in entries]
        replayed = self.store.stored_leaves(leaves)
        seen: set[bytes] = set()
        nodes = _BatchNodes(self.store)
        stored: list[StoredEntry] = []
        batch_did_events: dict[str, list[tuple[Entry, bytes]]] = {}
        submitter_keys: dict[str, Ed25519PublicKey] = {}
        with SignatureBatch(expected=len(entries), use_helpers=self._signature_helpers) as signatures:
            start = self.size
            for offset, (raw, leaf) in enumerate(zip(entries, leaves, strict=True)):
                entry = parse_entry(raw)
                if leaf in seen or leaf in replayed:
                    raise LedgerError(f"entry {offset} is already in the ledger (replayed)")
                seen.add(leaf)
                if abs(entry.timestamp - moment) > MAX_CLOCK_SKEW:
                    raise LedgerError(f"entry {offset} is dated {entry.timestamp}, too far from the ledger's clock")
                key = self._authorise(entry, leaf, batch_did_events, stored, submitter_keys)
                if key is not None:
                    signatures.add(offset, key, entry.signed_bytes, entry.signature)
                index = start + offset
                nodes.add_leaf(index, leaf)
                stored.append(StoredEntry(index, leaf, raw, entry.kind, entry.subject, entry.timestamp))
            bad = signatures.first_failure()
            if bad is not None:
                raise LedgerError(f"entry {bad}: the {stored[bad].kind} entry's signature does not verify")
        self.store.append(stored, [(lvl, idx, value) for (lvl, idx), value in nodes.pending.items()])
        return [e.index for e in stored]

    def _authorise(
        self,
        entry: Entry,
        leaf: bytes,
        batch_did_events: dict[str, list[tuple[Entry, bytes]]],
        stored: list[StoredEntry],
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
        if entry.kind in ("status-list", "trust-registry"):
            pending = [s for s in stored if s.kind == entry.kind and s.subject == entry.subject]
            previous = [*self.store.entries_about(entry.subject, [entry.kind]), *pending]
            if previous and parse_entry(previous[-1].raw).payload["version"] >= entry.payload["version"]:
                raise LedgerError(f"{entry.kind} version {entry.payload['version']} does not advance (rollback)")
        return key

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

    # -- checkpoints and proofs -------------------------------------------------------------------------------
    def checkpoint(self) -> str:
        """A new signed checkpoint of the current size."""
        self.store.refresh()
        note = sign_checkpoint(Checkpoint(self.origin, self.size, self.root()), self.operator_name, self._operator_key)
        self.store.save_checkpoint(self.size, note)
        return note

    def latest_checkpoint(self) -> str:
        """The newest signed checkpoint (signing one if the log grew since)."""
        self.store.refresh()
        saved = self.store.latest_checkpoint()
        if saved is not None and saved[0] == self.size:
            return saved[1]
        return self.checkpoint()

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
        if self._state_file and self._state_file.exists():
            self.last = Checkpoint.parse(json.loads(self._state_file.read_text("utf-8"))["checkpoint"])

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
        timestamp = int((now or datetime.now(UTC)).timestamp())
        return cosign(note, self.name, self._key, timestamp)


@dataclass
class ProvenEntry:
    """An entry with the index and proof that put it in the client's checkpoint."""

    entry: Entry
    index: int
    leaf: bytes


class LedgerClient:
    """A verifier's view of a ledger: a trusted checkpoint, and proofs for everything else.

    ``source`` is the ledger being read (a local file, or a replica). The client keeps the newest checkpoint it
    has verified; every entry it returns is proven included in that checkpoint.
    """

    def __init__(
        self,
        source: Ledger,
        *,
        operator: tuple[str, Ed25519PublicKey],
        origin: str,
        witnesses: dict[str, Ed25519PublicKey] | None = None,
        quorum: int = 0,
    ) -> None:
        self.source = source
        self.operator = operator
        self.origin = origin
        self.witnesses = dict(witnesses or {})
        self.quorum = quorum
        self.checkpoint: SignedCheckpoint | None = None
        # a DID's proven events for the trusted checkpoint: verifying one credential resolves its issuer several
        # times (proof, ledger and anchor checks), a presentation many; proofs hold until the checkpoint changes
        self._did_events: dict[str, list[ProvenEntry]] = {}

    def accept(self, note: str, proof: Sequence[bytes] = ()) -> SignedCheckpoint:
        """Verify a newer checkpoint (signature, quorum, consistency with the current one) and adopt it."""
        signed = open_checkpoint(note, self.operator, self.witnesses)
        checkpoint = signed.checkpoint
        if checkpoint.origin != self.origin:
            raise LedgerError(f"checkpoint for {checkpoint.origin!r}, not {self.origin!r}")
        if len({c.name for c in signed.cosignatures}) < self.quorum:
            raise LedgerError(
                f"the checkpoint has {len(signed.cosignatures)} witness cosignature(s); {self.quorum} required"
            )
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
        if self.checkpoint is None or self.checkpoint.checkpoint != checkpoint:
            self._did_events.clear()
        self.checkpoint = signed
        return signed

    def sync(self) -> SignedCheckpoint:
        """Fetch the ledger's latest checkpoint and a consistency proof from the trusted one, and adopt it."""
        note = self.source.latest_checkpoint()
        size = open_checkpoint(note, self.operator).checkpoint.size
        old = self.checkpoint.checkpoint.size if self.checkpoint else 0
        proof = self.source.consistency_proof(old, size) if 0 < old <= size else []
        return self.accept(note, proof)

    def _require(self) -> Checkpoint:
        if self.checkpoint is None:
            raise LedgerError("the client has no trusted checkpoint yet; call sync() or accept() first")
        return self.checkpoint.checkpoint

    def prove(self, stored: StoredEntry) -> ProvenEntry:
        """Check that ``stored`` is in the trusted checkpoint; LedgerError otherwise."""
        checkpoint = self._require()
        if stored.index >= checkpoint.size:
            raise LedgerError(f"entry {stored.index} is newer than the trusted checkpoint; sync first")
        proof = self.source.inclusion_proof(stored.index, checkpoint.size)
        leaf = leaf_hash(stored.raw)
        if not verify_inclusion(stored.index, checkpoint.size, leaf, proof, checkpoint.root_hash):
            raise LedgerError(f"entry {stored.index} is not in the trusted checkpoint (rewritten or forked log)")
        return ProvenEntry(parse_entry(stored.raw), stored.index, leaf)

    def did_events(self, did: str) -> list[tuple[Entry, bytes]]:
        """A DID's events, each proven against the trusted checkpoint."""
        return [(p.entry, p.leaf) for p in self.proven_did_events(did)]

    def proven_did_events(self, did: str) -> list[ProvenEntry]:
        """A DID's events with their ledger indexes, each proven against the trusted checkpoint."""
        cached = self._did_events.get(did)
        if cached is None:
            size = self._require().size
            cached = [self.prove(s) for s in self.source.store.entries_about(did, DID_KINDS) if s.index < size]
            if len(self._did_events) >= MAX_CACHED_DIDS:
                self._did_events.clear()
            self._did_events[did] = cached
        return list(cached)

    def proven_entries(self, subject: str, kind: str, *, containing: bytes = b"") -> list[ProvenEntry]:
        """Entries of ``kind`` about ``subject`` in the trusted checkpoint, each proven.

        ``containing`` keeps only entries whose bytes contain it (a root hash, say) before any proof is made, so
        finding one anchor among an issuer's thousands costs one scan, not thousands of proofs.
        """
        size = self._require().size
        stored = self.source.store.entries_about(subject, [kind])
        return [self.prove(s) for s in stored if s.index < size and containing in s.raw]

    def did_resolver(self) -> LedgerDidResolver:
        """A did:vcred resolver that trusts only proven events."""
        return LedgerDidResolver(self)

    def latest(self, subject: str, kind: str) -> ProvenEntry | None:
        """The newest proven entry of ``kind`` about ``subject`` (e.g. a status list URL)."""
        size = self._require().size
        found = [s for s in self.source.store.entries_about(subject, [kind]) if s.index < size]
        return self.prove(found[-1]) if found else None
