"""RFC 9162 Merkle trees: hashing, inclusion and consistency proofs (create and verify). Pure.

Proofs are created from a :class:`NodeSource` that can return the hash of any *perfect* subtree (``2**level``
leaves starting at ``index * 2**level``); a store keeps those, so a proof at a million entries needs about 40
lookups. Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 and needs only the sizes, hashes and the proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class NodeSource(Protocol):
    """Hashes of perfect subtrees: ``node(level, index)`` covers leaves [index * 2**level, (index + 1) * 2**level)."""

    def node(self, level: int, index: int) -> bytes:
        """The subtree hash."""
        ...


def range_hash(source: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for the ranges RFC 9162's recursion produces (``start`` aligned to the range's split)."""
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        return source.node(size.bit_length() - 1, start // size)
    k = _largest_power_of_two_below(size)
    return node_hash(range_hash(source, start, start + k), range_hash(source, start + k, end))


def root_hash(source: NodeSource, size: int) -> bytes:
    """The root of the first ``size`` leaves."""
    return range_hash(source, 0, size)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) from RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            path.append(range_hash(source, start + k, end))
            end = start + k
        else:
            path.append(range_hash(source, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) from RFC 9162 §2.1.4.1."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot prove consistency from size {old_size} to {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, new_size, old_size, True
    while end != m:
        k = _largest_power_of_two_below(end - start)
        if m - start <= k:
            proof.append(range_hash(source, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(source, start, start + k))
            start += k
            complete = False
    if not complete:
        proof.append(range_hash(source, start, end))
    proof.reverse()
    return proof


def _ok(values: Sequence[bytes]) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: is ``leaf`` (a leaf hash) at ``index`` in the tree of ``size`` with ``root``?"""
    if not (0 <= index < size) or not _ok([leaf, root, *proof]) or len(proof) > 64:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``new_size`` with ``new_root`` an append-only extension of the older one?"""
    if not (0 <= old_size <= new_size) or not _ok([old_root, new_root, *proof]) or len(proof) > 64:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # every tree extends the empty tree
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class MemoryTree:
    """An in-memory tree keeping every perfect subtree hash: append leaf hashes, ask for nodes."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self.levels[0])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return every (level, index, hash) node completed by it (level 0 included)."""
        created = [(0, len(self.levels[0]), leaf)]
        self.levels[0].append(leaf)
        level = 0
        while len(self.levels[level]) % 2 == 0:
            pair = self.levels[level][-2:]
            parent = node_hash(pair[0], pair[1])
            if len(self.levels) == level + 1:
                self.levels.append([])
            self.levels[level + 1].append(parent)
            created.append((level + 1, len(self.levels[level + 1]) - 1, parent))
            level += 1
        return created

    def node(self, level: int, index: int) -> bytes:
        """A perfect subtree's hash."""
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        """The root at ``size`` (default: now)."""
        return root_hash(self, self.size if size is None else size)
