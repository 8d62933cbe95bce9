"""Several writers on one ledger: threads sharing a Ledger, processes sharing its SQLite file. Every append lands
once, with its own indexes, and the tree stays whole."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from support_ledger import T0

from vcred.ledger import Ledger, make_entry
from vcred.testing import FIXED_NOW, insecure_seeded_key

KEY = insecure_seeded_key("concurrent issuer")
DID = KEY.public_key.did_key
SUBMITTER = f"{DID}#{KEY.public_key.multibase}"
OPERATOR = insecure_seeded_key("concurrent operator")


def batch(writer: int, number: int, size: int = 20) -> list[bytes]:
    return [
        make_entry(
            "batch-anchor",
            {"issuer": DID, "root": f"{writer:08x}{number:08x}{i:048x}", "count": 1},
            submitter=SUBMITTER,
            key=KEY,
            timestamp=T0,
        )
        for i in range(size)
    ]


def open_ledger(path):
    return Ledger.open(path, origin="o", operator_name="op", operator_key=OPERATOR)


def test_threads_sharing_one_ledger(tmp_path):
    ledger = open_ledger(tmp_path / "l.sqlite")
    errors: list[BaseException] = []
    indexes: list[int] = []

    def writer(number: int) -> None:
        try:
            for b in range(10):
                indexes.extend(ledger.append(batch(number, b), now=FIXED_NOW))
                ledger.checkpoint()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(indexes) == list(range(800)) and ledger.size == 800
    ledger.verify_integrity(full=True)


def test_processes_sharing_one_file(tmp_path):
    path = tmp_path / "l.sqlite"
    early = open_ledger(path)  # created once, so the writers race only on appends
    here = Path(__file__).parent
    script = f"""
import sys
sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]
from test_ledger_concurrency import batch, open_ledger
from vcred.testing import FIXED_NOW
ledger = open_ledger({str(path)!r})
writer = int(sys.argv[1])
for b in range(10):
    ledger.append(batch(writer, b), now=FIXED_NOW)
    ledger.checkpoint()
"""
    writers = [subprocess.Popen([sys.executable, "-c", script, str(n)]) for n in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    ledger = open_ledger(path)
    assert ledger.size == 600
    ledger.verify_integrity(full=True)
    # a ledger object opened before the others wrote serves their entries, and checkpoints them
    assert "\n600\n" in early.latest_checkpoint()
    assert early.size == 600 and len(early.inclusion_proof(599)) > 0
