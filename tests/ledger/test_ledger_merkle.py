"""RFC 9162 proofs: the transparency-dev vectors, and round trips at many sizes."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import load_vector

from vcred.ledger.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

INCLUSION = load_vector("tlog_inclusion.json")["cases"]
CONSISTENCY = load_vector("tlog_consistency.json")["cases"]
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]


def b(value):
    return base64.b64decode(value) if value else b""


def tree(n):
    t = MemoryTree()
    for i in range(n):
        t.append(leaf_hash(LEAVES[i] if i < len(LEAVES) else i.to_bytes(4, "big")))
    return t


def test_rfc6962_root():
    assert tree(8).root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("case", INCLUSION, ids=[c["file"] for c in INCLUSION])
def test_inclusion_vectors(case):
    ok = verify_inclusion(
        case["leafIdx"], case["treeSize"], b(case["leafHash"]), [b(p) for p in case["proof"] or []], b(case["root"])
    )
    assert ok is not case["wantErr"]
    if not case["wantErr"]:
        generated = inclusion_proof(tree(8), case["leafIdx"], case["treeSize"])
        assert [base64.b64encode(p).decode() for p in generated] == (case["proof"] or [])


@pytest.mark.parametrize("case", CONSISTENCY, ids=[c["file"] for c in CONSISTENCY])
def test_consistency_vectors(case):
    ok = verify_consistency(
        case["size1"], case["size2"], b(case["root1"]), b(case["root2"]), [b(p) for p in case["proof"] or []]
    )
    if case["file"].endswith("sizes-are-equal-one-and-proof-is-empty.json"):
        # its "roots" are 12-byte placeholders; vcred refuses any hash that is not 32 bytes, by design
        assert ok is False
        return
    assert ok is not case["wantErr"]
    if not case["wantErr"] and case["size1"] and len(b(case["root1"])) == 32:
        generated = consistency_proof(tree(8), case["size1"], case["size2"])
        assert [base64.b64encode(p).decode() for p in generated] == (case["proof"] or [])


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_round_trips(size, data):
    t = tree(size)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(t, index, size)
    assert verify_inclusion(index, size, t.node(0, index), proof, t.root(size))
    assert not verify_inclusion(index, size, t.node(0, index), proof, t.root(size - 1) if size > 1 else EMPTY_ROOT)
    old = data.draw(st.integers(0, size))
    proof = consistency_proof(t, old, size)
    assert verify_consistency(old, size, t.root(old) if old else EMPTY_ROOT, t.root(size), proof)
    if 0 < old < size:
        assert not verify_consistency(old, size, t.root(old), t.root(size), proof[:-1])
        # the sizes are bound by the signed checkpoint; here: a wrong new root must fail
        assert not verify_consistency(old, size, t.root(old), t.root(size - 1), proof)


@pytest.mark.parametrize("bad", [[b"\x00" * 31], [b"\x00" * 33], ["not bytes"], [b"\x00" * 32] * 65])
def test_wrong_size_proofs_are_rejected(bad):
    t = tree(8)
    assert not verify_inclusion(3, 8, t.node(0, 3), bad, t.root())
    assert not verify_consistency(3, 8, t.root(3), t.root(), bad)
    with pytest.raises(ValueError):
        inclusion_proof(t, 8, 8)
