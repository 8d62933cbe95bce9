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
