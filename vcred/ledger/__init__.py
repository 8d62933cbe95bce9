"""The vcred ledger: a small RFC 9162 transparency log of signed, personal-data-free statements.

Issuer DID events (did:vcred), status-list publications, credential batch anchors and trust-registry
publications are appended as signed entries; checkpoints are C2SP signed notes cosigned by witnesses; a
:class:`LedgerClient` indexes only entries it verified against a checkpoint it trusts (reading a read-only
:class:`LedgerSource`) and reports split views.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real names, for type checkers and readers
    from vcred.ledger.anchors import BatchProof, build_batch, credential_hash, in_batch
    from vcred.ledger.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint, verifier_key
    from vcred.ledger.entries import KINDS, make_entry, parse_entry
    from vcred.ledger.log import Ledger, LedgerClient, LedgerReader, LedgerSource, Witness
    from vcred.ledger.merkle import (
        consistency_proof,
        inclusion_proof,
        leaf_hash,
        node_hash,
        verify_consistency,
        verify_inclusion,
    )
    from vcred.ledger.store import LedgerStore, MemoryStore, SQLiteStore

# Loaded on first use: vcred.did.ledger (the DID method) and vcred.ledger.log import each other's modules.
_EXPORTS = {
    "BatchProof": "anchors",
    "build_batch": "anchors",
    "credential_hash": "anchors",
    "in_batch": "anchors",
    "Checkpoint": "checkpoint",
    "SignedCheckpoint": "checkpoint",
    "open_checkpoint": "checkpoint",
    "sign_checkpoint": "checkpoint",
    "verifier_key": "checkpoint",
    "KINDS": "entries",
    "make_entry": "entries",
    "parse_entry": "entries",
    "Ledger": "log",
    "LedgerClient": "log",
    "LedgerReader": "log",
    "LedgerSource": "log",
    "Witness": "log",
    "consistency_proof": "merkle",
    "inclusion_proof": "merkle",
    "leaf_hash": "merkle",
    "node_hash": "merkle",
    "verify_consistency": "merkle",
    "verify_inclusion": "merkle",
    "LedgerStore": "store",
    "MemoryStore": "store",
    "SQLiteStore": "store",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vcred.ledger' has no attribute {name!r}")
    return getattr(import_module(f"vcred.ledger.{module}"), name)


__all__ = [
    "KINDS",
    "BatchProof",
    "Checkpoint",
    "Ledger",
    "LedgerClient",
    "LedgerReader",
    "LedgerSource",
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
