"""The vcred ledger: a small RFC 9162 transparency log of signed, personal-data-free statements.

Issuer DID events (did:vcred), status-list publications, credential batch anchors and trust-registry
publications are appended as signed entries; checkpoints are C2SP signed notes cosigned by witnesses; a
:class:`LedgerClient` proves every entry it uses against a checkpoint it trusts and reports split views.
"""

from vcred.ledger.anchors import BatchProof, build_batch, credential_hash, in_batch
from vcred.ledger.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint, verifier_key
from vcred.ledger.entries import KINDS, make_entry, parse_entry
from vcred.ledger.log import Ledger, LedgerClient, Witness
from vcred.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from vcred.ledger.store import LedgerStore, MemoryStore, SQLiteStore

__all__ = [
    "KINDS",
    "BatchProof",
    "Checkpoint",
    "Ledger",
    "LedgerClient",
    "LedgerStore",
    "MemoryStore",
    "SQLiteStore",
    "SignedCheckpoint",
    "Witness",
    "build_batch",
    "consistency_proof",
    "credential_hash",
    "in_batch",
    "inclusion_proof",
    "leaf_hash",
    "make_entry",
    "node_hash",
    "open_checkpoint",
    "parse_entry",
    "sign_checkpoint",
    "verifier_key",
    "verify_consistency",
    "verify_inclusion",
]
