"""Batch anchors: prove when credentials were issued without revealing them.

An issuer hashes each issued credential (SHA-256 of its canonical JSON), builds a Merkle tree of those hashes and
anchors only the root and the count on the ledger. Later, the credential plus its batch proof plus the anchored
entry prove it existed at the anchor's time; the ledger itself learns nothing about any credential or person.

That is what makes a credential's issuance time more than the issuer's word: once an issuer rotates a key (say,
after it leaked), a credential signed with the old key is accepted only with an anchor older than the rotation, so
a thief holding the old key cannot backdate new credentials. Holders keep each credential's proof and present it
(a presentation's ``anchorProofs``) as JSON: ``{"type": "BatchAnchorProof", "credentialHash", "index", "count",
"path", "root"}``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from vcred.errors import LedgerError
from vcred.jsonld.canon import canonize_jcs
from vcred.ledger.merkle import MemoryTree, inclusion_proof, leaf_hash, verify_inclusion


def credential_hash(credential: dict[str, Any] | str) -> bytes:
    """SHA-256 of the secured credential (canonical JSON for Data Integrity, the compact JWS for vc+jwt)."""
    data = credential.encode("ascii") if isinstance(credential, str) else canonize_jcs(credential)
    return hashlib.sha256(data).digest()


_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
MAX_BATCH = 2**32
MAX_PATH = 32  # ceil(log2(MAX_BATCH))


@dataclass(frozen=True)
class BatchProof:
    """Where a credential sits in an anchored batch, and the path to the batch root."""

    index: int
    count: int
    path: tuple[bytes, ...]
    root: bytes
    credential: bytes = b""  # the credential's hash (credential_hash), so a verifier can match proof and credential

    def to_json(self) -> dict[str, Any]:
        """The JSON form a holder keeps and presents."""
        return {
            "type": "BatchAnchorProof",
            "credentialHash": self.credential.hex(),
            "index": self.index,
            "count": self.count,
            "path": [node.hex() for node in self.path],
            "root": self.root.hex(),
        }

    @classmethod
    def coerce(cls, value: Any) -> BatchProof:
        """A BatchProof as given, or parsed from its JSON form (LedgerError when malformed)."""
        return value if isinstance(value, BatchProof) else cls.from_json(value)

    @classmethod
    def from_json(cls, value: Any) -> BatchProof:
        """Parse the JSON form strictly; LedgerError names what is wrong."""
        if not isinstance(value, dict) or value.get("type") != "BatchAnchorProof":
            raise LedgerError("an anchor proof is an object of type BatchAnchorProof")
        if set(value) != {"type", "credentialHash", "index", "count", "path", "root"}:
            raise LedgerError("an anchor proof has exactly type, credentialHash, index, count, path and root")
        index, count, path = value["index"], value["count"], value["path"]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (index, count)):
            raise LedgerError("an anchor proof's index and count are integers")
        if not 0 <= index < count <= MAX_BATCH:
            raise LedgerError(f"an anchor proof's index must be below its count (at most {MAX_BATCH})")
        if not isinstance(path, list) or len(path) > MAX_PATH:
            raise LedgerError(f"an anchor proof's path is a list of at most {MAX_PATH} hashes")
        hashes = [value["credentialHash"], value["root"], *path]
        if not all(isinstance(h, str) and _HEX64.match(h) for h in hashes):
            raise LedgerError("an anchor proof's hashes are 64 lowercase hex digits")
        return cls(
            index=index,
            count=count,
            path=tuple(bytes.fromhex(h) for h in path),
            root=bytes.fromhex(value["root"]),
            credential=bytes.fromhex(value["credentialHash"]),
        )


def build_batch(credentials: list[dict[str, Any] | str]) -> tuple[bytes, list[BatchProof]]:
    """The batch root to anchor, and each credential's proof (to hand to its holder)."""
    tree = MemoryTree()
    digests = [credential_hash(credential) for credential in credentials]
    for digest in digests:
        tree.append(leaf_hash(digest))
    root = tree.root()
    count = tree.size
    proofs = [BatchProof(i, count, tuple(inclusion_proof(tree, i, count)), root, digests[i]) for i in range(count)]
    return root, proofs


def in_batch(credential: dict[str, Any] | str | bytes, proof: BatchProof) -> bool:
    """True when ``credential`` (or its hash, as bytes) is the one at ``proof.index`` of the batch ``proof.root``."""
    digest = credential if isinstance(credential, bytes) else credential_hash(credential)
    if proof.credential and proof.credential != digest:
        return False
    return verify_inclusion(proof.index, proof.count, leaf_hash(digest), list(proof.path), proof.root)
