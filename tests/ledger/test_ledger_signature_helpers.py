"""Large append batches check signatures in helper processes: forged entries are still refused, and a helper
that dies, lies or is left mid-batch never lets one through or puts the next batch out of step."""

from __future__ import annotations

import sys
import time

import pytest
from support_ledger import T0

from vcred.errors import LedgerError
from vcred.ledger import make_entry, signatures
from vcred.testing import FIXED_NOW, insecure_seeded_key

ISSUER_KEY = insecure_seeded_key("helper test issuer")
ISSUER = ISSUER_KEY.public_key.did_key
SUBMITTER = f"{ISSUER}#{ISSUER_KEY.public_key.multibase}"
OTHER_KEY = insecure_seeded_key("helper test forger")


def anchors(start: int, count: int, *, forged_at: int | None = None) -> list[bytes]:
    """Signed batch anchors; the one at ``forged_at`` is signed by a key the issuer does not control."""
    return [
        make_entry(
            "batch-anchor",
            {"issuer": ISSUER, "root": (start + i).to_bytes(32, "big").hex(), "count": 1},
            submitter=SUBMITTER,
            key=OTHER_KEY if i == forged_at else ISSUER_KEY,
            timestamp=T0,
        )
        for i in range(count)
    ]


@pytest.fixture(autouse=True)
def small_helper_batches(monkeypatch):
    """Use helpers for small batches and chunks, on any machine, and start each test with fresh helpers."""
    monkeypatch.setattr(signatures, "HELPER_THRESHOLD", 16)
    monkeypatch.setattr(signatures, "CHUNK", 8)
    monkeypatch.setattr(signatures, "IN_FLIGHT", 1)
    monkeypatch.setattr(signatures, "helper_count", lambda: 2)
    signatures._HELPERS.close()
    signatures._HELPERS.unavailable = False
    yield
    signatures._HELPERS.close()
    signatures._HELPERS.unavailable = False


def helpers_running() -> list[signatures._Helper]:
    return [h for h in signatures._HELPERS._helpers if h.process.poll() is None]


def test_large_batches_go_through_helpers_and_append(world):
    size = world.ledger.size
    indexes = world.ledger.append(anchors(0, 100), now=FIXED_NOW)
    assert indexes == list(range(size, size + 100))
    assert len(helpers_running()) == 2


@pytest.mark.parametrize("forged_at", [0, 7, 8, 55, 99])
def test_a_forged_signature_anywhere_in_a_large_batch_refuses_the_batch(world, forged_at):
    size = world.ledger.size
    with pytest.raises(LedgerError, match=rf"entry {forged_at}: the batch-anchor entry's signature does not verify"):
        world.ledger.append(anchors(0, 100, forged_at=forged_at), now=FIXED_NOW)
    assert world.ledger.size == size
    # the helpers are in step for the next batch
    world.ledger.append(anchors(1000, 40), now=FIXED_NOW)
    assert world.ledger.size == size + 40


def test_the_first_forged_entry_is_named(world):
    batch = anchors(0, 60, forged_at=50)
    batch[20] = anchors(20, 1, forged_at=0)[0]
    with pytest.raises(LedgerError, match="entry 20:"):
        world.ledger.append(batch, now=FIXED_NOW)


def test_dead_helpers_fall_back_to_checking_in_process(world):
    world.ledger.append(anchors(0, 20), now=FIXED_NOW)
    for helper in helpers_running():
        helper.process.kill()
        helper.process.wait()
    with pytest.raises(LedgerError, match="entry 33:"):
        world.ledger.append(anchors(100, 50, forged_at=33), now=FIXED_NOW)
    size = world.ledger.size
    world.ledger.append(anchors(200, 50), now=FIXED_NOW)
    assert world.ledger.size == size + 50


def test_a_helper_answering_nonsense_is_not_believed(world, monkeypatch):
    # answers "first bad signature at position 2**31 - 1" to every byte it reads
    lying = (
        "import sys\n"
        "sys.stdout.buffer.write(b'vcred-signature-helper/1\\n'); sys.stdout.buffer.flush()\n"
        "while sys.stdin.buffer.read(1):\n"
        "    sys.stdout.buffer.write(b'\\x7f\\xff\\xff\\xff'); sys.stdout.buffer.flush()\n"
    )
    monkeypatch.setattr(signatures, "_CHECKER", lying)
    with pytest.raises(LedgerError, match="entry 12:"):
        world.ledger.append(anchors(0, 30, forged_at=12), now=FIXED_NOW)


def test_a_program_that_is_not_our_checker_is_never_used(world, monkeypatch):
    # an embedding host's sys.executable may be another program: it never says hello
    monkeypatch.setattr(signatures, "_CHECKER", "import time; time.sleep(30)")
    monkeypatch.setattr(signatures, "HELLO_TIMEOUT", 0.5)
    with pytest.raises(LedgerError, match="entry 4:"):
        world.ledger.append(anchors(0, 30, forged_at=4), now=FIXED_NOW)
    assert helpers_running() == []
    # remembered: later batches check in process without waiting for a hello again
    start = time.monotonic()
    world.ledger.append(anchors(100, 30), now=FIXED_NOW)
    assert time.monotonic() - start < 0.4 and signatures._HELPERS.unavailable


def test_a_helper_that_cannot_start_leaves_the_check_in_process(world, monkeypatch):
    monkeypatch.setattr(signatures.sys, "executable", "/nonexistent/python")
    with pytest.raises(LedgerError, match="entry 3:"):
        world.ledger.append(anchors(0, 30, forged_at=3), now=FIXED_NOW)
    world.ledger.append(anchors(100, 30), now=FIXED_NOW)


def test_a_batch_abandoned_midway_leaves_helpers_in_step(world):
    batch = anchors(0, 60)
    batch[45] = b"not an entry"
    with pytest.raises(LedgerError, match="not JSON"):
        world.ledger.append(batch, now=FIXED_NOW)
    # chunks already sent were answered and drained: the next batch's answers are its own
    with pytest.raises(LedgerError, match="entry 2:"):
        world.ledger.append(anchors(100, 30, forged_at=2), now=FIXED_NOW)
    world.ledger.append(anchors(200, 30), now=FIXED_NOW)


def test_small_batches_and_single_core_machines_check_in_process(world, monkeypatch):
    world.ledger.append(anchors(0, 5), now=FIXED_NOW)
    assert helpers_running() == []
    monkeypatch.setattr(signatures, "helper_count", lambda: 0)
    with pytest.raises(LedgerError, match="entry 40:"):
        world.ledger.append(anchors(100, 50, forged_at=40), now=FIXED_NOW)
    assert helpers_running() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process states from /proc")
def test_helpers_exit_when_the_appending_process_is_killed(tmp_path):
    """A SIGKILLed ledger process leaves no helper behind: each sees its input close and exits."""
    import os
    import signal
    import subprocess
    import time

    script = tmp_path / "append_forever.py"
    script.write_text(
        f"""
import sys
from vcred.ledger import Ledger, make_entry, signatures
from vcred.testing import FIXED_NOW, insecure_seeded_key
signatures.HELPER_THRESHOLD, signatures.CHUNK = 16, 8
signatures.helper_count = lambda: 2
key = insecure_seeded_key("helper test issuer")
did = key.public_key.did_key
path = {str(tmp_path / "l.sqlite")!r}
ledger = Ledger.open(path, origin="o", operator_name="op", operator_key=insecure_seeded_key("op"))
n = 0
while True:
    batch = [make_entry("batch-anchor", {{"issuer": did, "root": (n + i).to_bytes(32, "big").hex(), "count": 1}},
                        submitter=f"{{did}}#{{key.public_key.multibase}}", key=key, timestamp={T0}) for i in range(64)]
    ledger.append(batch, now=FIXED_NOW)
    n += 64
    if n == 64:
        print(" ".join(str(h.process.pid) for h in signatures._HELPERS._helpers), flush=True)
"""
    )
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 2
    time.sleep(0.3)  # killed in the middle of some batch
    child.send_signal(signal.SIGKILL)
    child.wait()

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # a reaped-by-init zombie is gone for our purposes
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().split()[2] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)
