"""The append path's shortcuts give what the plain code gives: a batch is written before its last signature is
checked and leaves nothing behind when one fails; the tree is built a level at a time; entries are decoded and
re-encoded without the general-purpose helpers."""

from __future__ import annotations

import json
import random

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support_ledger import T0

from vcred.crypto import multibase
from vcred.errors import KeyFormatError, LedgerError
from vcred.ledger import Ledger, make_entry, signatures
from vcred.ledger.entries import _canonical_statement, parse_entry
from vcred.ledger.log import _BatchNodes
from vcred.ledger.merkle import MemoryTree, leaf_hash
from vcred.ledger.store import MemoryStore, StoredEntry
from vcred.testing import FIXED_NOW, insecure_seeded_key

ISSUER_KEY = insecure_seeded_key("append path issuer")
ISSUER = ISSUER_KEY.public_key.did_key
SUBMITTER = f"{ISSUER}#{ISSUER_KEY.public_key.multibase}"


def anchors(start: int, count: int, *, forged_at: int | None = None) -> list[bytes]:
    forger = insecure_seeded_key("append path forger")
    return [
        make_entry(
            "batch-anchor",
            {"issuer": ISSUER, "root": (start + i).to_bytes(32, "big").hex(), "count": 1},
            submitter=SUBMITTER,
            key=forger if i == forged_at else ISSUER_KEY,
            timestamp=T0,
        )
        for i in range(count)
    ]


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request, tmp_path):
    if request.param == "memory":
        return Ledger(
            MemoryStore(), origin="append.example/log", operator_name="op", operator_key=insecure_seeded_key("op")
        )
    return Ledger.open(
        tmp_path / "ledger.sqlite",
        origin="append.example/log",
        operator_name="op",
        operator_key=insecure_seeded_key("op"),
    )


@pytest.mark.parametrize("helpers", [True, False])
def test_a_refused_batch_leaves_no_row_node_or_checkpoint(ledger, monkeypatch, helpers):
    """The batch is written into the store's open transaction before its signatures are all checked: a forged
    entry must leave the store exactly as it was (no row, no tree node, no checkpoint, no replay record)."""
    monkeypatch.setattr(signatures, "HELPER_THRESHOLD", 16 if helpers else 10**9)
    monkeypatch.setattr(signatures, "CHUNK", 8)
    ledger.append(anchors(0, 37), now=FIXED_NOW)
    size, root, checkpoint = ledger.size, ledger.root(), ledger.store.latest_checkpoint()
    refused = anchors(100, 1200, forged_at=1199)  # the last one: every other row is written by then
    with pytest.raises(LedgerError, match="entry 1199: the batch-anchor entry's signature does not verify"):
        ledger.append(refused, now=FIXED_NOW)
    assert (ledger.size, ledger.root(), ledger.store.latest_checkpoint()) == (size, root, checkpoint)
    assert ledger.store.stored_leaves([leaf_hash(raw) for raw in refused]) == set()
    ledger.verify_integrity(full=True)
    # the refused batch's good entries are not replays: they append at the indexes the refused batch had
    indexes = ledger.append(refused[:1199], now=FIXED_NOW)
    assert indexes == list(range(size, size + 1199))
    ledger.verify_integrity(full=True)


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.integers(min_value=1, max_value=70), min_size=1, max_size=6))
def test_a_tree_built_a_level_at_a_time_is_the_tree_built_leaf_by_leaf(batches):
    store, tree = MemoryStore(), MemoryTree()
    for count in batches:
        start = store.size()
        leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(start, start + count)]
        nodes = _BatchNodes(store)
        nodes.add_leaves(start, leaves)
        expected = [created for leaf in leaves for created in tree.append(leaf)]
        assert sorted((lvl, idx, value) for (lvl, idx), value in nodes.pending.items()) == sorted(expected)
        stored = [StoredEntry(start + i, leaf, b"x", "batch-anchor", "s", 0) for i, leaf in enumerate(leaves)]
        store.append(stored, [(lvl, idx, value) for (lvl, idx), value in nodes.pending.items()])


def test_base58_decoding_agrees_with_the_base58_package():
    rng = random.Random(58)
    for length in [*range(1, 40), 64, 65, 100]:
        for _ in range(20):
            data = bytes(rng.randrange(256) for _ in range(length))
            if rng.random() < 0.3:
                data = bytes(rng.randrange(1, 4)) + data  # leading zero bytes are leading '1's
            encoded = multibase.encode_base58btc(data)
            assert multibase.decode_base58btc(encoded) == data == base58.b58decode(encoded[1:])
    for bad in ["z", "z0", "zO", "zI", "zl", "z abc", "zabc\n", "z\u0661"]:
        with pytest.raises(KeyFormatError):
            multibase.decode_base58btc(bad)


@pytest.mark.parametrize(
    "payload",
    [
        {"issuer": "did:key:z6Mk", "url": "https://e.example/\u00e9\u4e2d/\U0001f600", "version": 2**53 - 1},
        {"b": 'quote " backslash \\ tab \t nul \x00 del \x7f', "a": [1, {"z": None, "y": True}]},
        {},
    ],
)
def test_the_statement_encoder_is_sorted_key_json(payload):
    statement = {"kind": "k", "payload": payload, "submitter": "did:x:y#z", "timestamp": 0}
    expected = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert _canonical_statement(statement) == expected


def test_only_the_exact_canonical_bytes_parse():
    raw = anchors(0, 1)[0]
    assert parse_entry(raw).raw == raw
    for variant in [
        raw + b" ",
        raw + b"\n",
        b" " + raw,
        raw + b"{}",
        raw.replace(b'{"signature"', b'{ "signature"'),
        b"\xef\xbb\xbf" + raw,  # a UTF-8 byte order mark
        raw.decode().encode("utf-16"),
        raw.decode().encode("utf-32-le"),
    ]:
        with pytest.raises(LedgerError):
            parse_entry(variant)
