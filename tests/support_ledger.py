"""A small ledger world shared by ledger tests: an operator, a board with a did:vcred, witnesses."""

from __future__ import annotations

from vcred.did.ledger import create_event
from vcred.ledger import Ledger, LedgerClient, Witness
from vcred.testing import FIXED_NOW, insecure_seeded_key

ORIGIN = "ledger.credentialing.example/main"
OPERATOR = "ledger.credentialing.example"
T0 = int(FIXED_NOW.timestamp())


class World:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.keys = [insecure_seeded_key(f"ledger board key {i}") for i in range(1, 5)]
        self.did, event = create_event(self.keys[0], self.keys[1].public_key, timestamp=T0)
        ledger.append([event], now=FIXED_NOW)
        self.witnesses = [
            Witness(
                f"witness-{i}.example", insecure_seeded_key(f"witness {i}"), operator=ledger.operator, origin=ORIGIN
            )
            for i in range(2)
        ]

    def client(self, quorum: int = 1) -> LedgerClient:
        return LedgerClient(
            self.ledger,
            operator=self.ledger.operator,
            origin=ORIGIN,
            witnesses={w.name: w.public_key for w in self.witnesses},
            quorum=quorum,
        )

    def cosigned(self, old_size: int = 0) -> str:
        note = self.ledger.checkpoint()
        proof = self.ledger.consistency_proof(old_size) if old_size else []
        for witness in self.witnesses:
            note = witness.cosign(note, proof, now=FIXED_NOW)
        return note


def force_append(ledger: Ledger, raw: bytes) -> int:
    """Append an entry as an operator that enforces none of the ledger's write rules would, and sign a checkpoint.

    Verifiers must not rely on the operator: what such an entry can do to them is what these tests measure.
    """
    from vcred.ledger import leaf_hash, parse_entry
    from vcred.ledger.log import _BatchNodes
    from vcred.ledger.store import StoredEntry

    entry, leaf = parse_entry(raw), leaf_hash(raw)
    with ledger.store.writing():
        index = ledger.store.size()
        nodes = _BatchNodes(ledger.store)
        nodes.add_leaf(index, leaf)
        stored = StoredEntry(index, leaf, raw, entry.kind, entry.subject, entry.timestamp)
        ledger.store.append([stored], [(level, i, value) for (level, i), value in nodes.pending.items()])
    ledger.checkpoint()
    return index


def did_key_entry(key_seed: str, kind: str, payload: dict, *, timestamp: int = T0) -> tuple[str, bytes]:
    """(DID, entry) for an entry signed by a plain did:key, speaking for itself (``payload`` without the author)."""
    from vcred.ledger import make_entry

    key = insecure_seeded_key(key_seed)
    did = key.public_key.did_key
    author = "issuer" if kind == "status-list" else "publisher"
    entry = make_entry(
        kind, {author: did, **payload}, submitter=f"{did}#{key.public_key.multibase}", key=key, timestamp=timestamp
    )
    return did, entry
