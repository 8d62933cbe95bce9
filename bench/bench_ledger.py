"""Ledger figures: append throughput in batches, proof generation and verification at 1 000 000 entries.

Appends are measured twice: with every entry's signature verified (what the ledger always does; large batches
stream signatures to helper processes on the other cores) and the storage and tree work alone (pre-verified
entries through the store), so the cost of each part is visible.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from vcred.ledger import Ledger, make_entry
from vcred.ledger.log import _BatchNodes
from vcred.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from vcred.ledger.signatures import helper_count
from vcred.ledger.store import SQLiteStore, StoredEntry
from vcred.testing import insecure_seeded_key

SIZE = int(os.environ.get("VCRED_BENCH_LEDGER_SIZE", "1000000"))
BATCH = 10_000


def bulk_fill(store: SQLiteStore, count: int) -> float:
    """Store ``count`` synthetic entries in batches (tree and storage only); return entries per second."""
    start = time.perf_counter()
    index = store.size()
    while index < count:
        nodes = _BatchNodes(store)
        batch = []
        for i in range(index, min(index + BATCH, count)):
            raw = i.to_bytes(8, "big") * 8
            leaf = leaf_hash(raw)
            nodes.add_leaf(i, leaf)
            batch.append(StoredEntry(i, leaf, raw, "batch-anchor", "bench", 0))
        store.append(batch, [(lvl, idx, value) for (lvl, idx), value in nodes.pending.items()])
        index += len(batch)
    return count / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        key = insecure_seeded_key("bench issuer")
        did = key.public_key.did_key
        vm = f"{did}#{key.public_key.multibase}"
        ledger = Ledger.open(
            Path(tmp) / "signed.sqlite",
            origin="bench/log",
            operator_name="bench",
            operator_key=insecure_seeded_key("bench operator"),
        )
        now = datetime.now(UTC)
        stamp = int(now.timestamp())
        entries = [
            make_entry(
                "batch-anchor",
                {"issuer": did, "root": i.to_bytes(32, "big").hex(), "count": 1},
                submitter=vm,
                key=key,
                timestamp=stamp,
            )
            for i in range(25_000)
        ]
        # the first large batch also starts the signature helper processes; later batches find them running
        start = time.perf_counter()
        ledger.append(entries[:5_000], now=now)
        cold_rate = 5_000 / (time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(5_000, len(entries), 5_000):
            ledger.append(entries[i : i + 5_000], now=now)
        signed_rate = 20_000 / (time.perf_counter() - start)
        helpers = helper_count()
        print(
            f"append, signatures verified: {signed_rate:10.0f} entries/s "
            f"(batches of 5 000, {helpers} helper process{'' if helpers == 1 else 'es'})"
        )
        print(f"  first batch, helpers starting: {cold_rate:6.0f} entries/s")
        print(f"target append >= 20000 entries/s -> {'met' if signed_rate >= 20_000 else 'NOT met'}")

        store = SQLiteStore(Path(tmp) / "big.sqlite")
        rate = bulk_fill(store, SIZE)
        print(f"append, storage and tree:    {rate:10.0f} entries/s (batches of {BATCH}, {SIZE} entries)")
        big = Ledger(
            store,
            origin="bench/big",
            operator_name="bench",
            operator_key=insecure_seeded_key("op"),
            check_integrity=False,
        )
        root = big.root()
        rng = random.Random(1)
        samples = [rng.randrange(SIZE) for _ in range(200)]
        start = time.perf_counter()
        proofs = [big.inclusion_proof(i) for i in samples]
        generate = (time.perf_counter() - start) / len(samples)
        start = time.perf_counter()
        assert all(
            verify_inclusion(i, SIZE, leaf_hash(store.entry(i).raw), p, root)
            for i, p in zip(samples, proofs, strict=True)
        )
        verify = (time.perf_counter() - start) / len(samples)
        print(
            f"inclusion proof at {SIZE}: generate (verified before serving) {generate * 1e3:.3f} ms, "
            f"verify {verify * 1e3:.3f} ms"
        )
        olds = [rng.randrange(1, SIZE) for _ in range(100)]
        old_roots = {o: big.root(o) for o in olds}
        start = time.perf_counter()
        cproofs = [big.consistency_proof(o) for o in olds]
        generate = (time.perf_counter() - start) / len(olds)
        start = time.perf_counter()
        assert all(verify_consistency(o, SIZE, old_roots[o], root, p) for o, p in zip(olds, cproofs, strict=True))
        verify = (time.perf_counter() - start) / len(olds)
        print(
            f"consistency proof at {SIZE}: generate (verified before serving) {generate * 1e3:.3f} ms, "
            f"verify {verify * 1e3:.3f} ms"
        )


if __name__ == "__main__":
    main()
