"""Batch anchors: prove when credentials were issued without revealing them.

An issuer hashes each issued credential (SHA-256 of its canonical JSON), builds a Merkle tree of those hashes and
anchors only the root and the count on the ledger. Later, the credential plus its batch proof plus the anchored
entry prove it existed at the anchor's time; the ledger itself learns nothing about any credential or person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from vcred.jsonld.canon import canonize_jcs
from vcred.ledger.merkle import MemoryTree, inclusion_proof, leaf_hash, verify_inclusion


def credential_hash(credential: dict[str, Any] | str) -> bytes:
    """SHA-256 of the secured credential (canonical JSON for Data Integrity, the compact JWS for vc+jwt)."""
    data = credential.encode("ascii") if isinstance(credential, str) else canonize_jcs(credential)
    return hashlib.sha256(data).digest()


@dataclass(frozen=True)
class BatchProof:
    """Where a credential sits in an anchored batch, and the path to the batch root."""

    index: int
    count: int
    path: tuple[bytes, ...]
    root: bytes


def build_batch(credentials: list[dict[str, Any] | str]) -> tuple[bytes, list[BatchProof]]:
    """The batch root to anchor, and each credential's proof (to hand to its holder)."""
    tree = MemoryTree()
    for credential in credentials:
        tree.append(leaf_hash(credential_hash(credential)))
    root = tree.root()
    count = tree.size
    proofs = [BatchProof(i, count, tuple(inclusion_proof(tree, i, count)), root) for i in range(count)]
    return root, proofs


def in_batch(credential: dict[str, Any] | str, proof: BatchProof) -> bool:
    """True when ``credential`` is the one at ``proof.index`` of the batch with ``proof.root``."""
    return verify_inclusion(
        proof.index, proof.count, leaf_hash(credential_hash(credential)), list(proof.path), proof.root
    )
