"""A ledger killed (SIGKILL) at random moments during appends opens intact and has lost nothing acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from support_attacks import count

from vcred.ledger import Ledger
from vcred.testing import insecure_seeded_key

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from vcred.ledger import Ledger, make_entry
    from vcred.testing import insecure_seeded_key
    path, start = sys.argv[1], int(sys.argv[2])
    ledger = Ledger.open(path, origin="crash.example/log", operator_name="crash.example",
                         operator_key=insecure_seeded_key("crash operator"), check_integrity=False)
    key = insecure_seeded_key("crash issuer")
    did = key.public_key.did_key
    vm = did + "#" + key.public_key.multibase
    n = start
    while True:
        now = datetime.now(timezone.utc)
        batch = [make_entry("batch-anchor", {"issuer": did, "root": (n + i).to_bytes(32, "big").hex(), "count": 1},
                            submitter=vm, key=key, timestamp=int(now.timestamp())) for i in range(25)]
        ledger.append(batch, now=now)
        n += 25
        print(ledger.size, flush=True)
    """
)


KILLS = int(os.environ.get("VCRED_LEDGER_KILLS", "12"))


@pytest.mark.timeout(120 + 6 * KILLS)  # each round starts a writer, kills it, reopens and checks the whole tree
def test_sigkill_during_appends(tmp_path):
    path = tmp_path / "ledger.sqlite"
    rng = random.Random(2026)
    acknowledged = 0
    kills = KILLS
    for round_ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(round_ * 1_000_000)], stdout=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + rng.uniform(0.6, 1.2)
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        lines += rest.splitlines()
        sizes = [int(x) for x in lines if x.strip()]
        if sizes:
            acknowledged = max(acknowledged, sizes[-1])
        ledger = Ledger.open(
            path,
            origin="crash.example/log",
            operator_name="crash.example",
            operator_key=insecure_seeded_key("crash operator"),
        )
        assert ledger.size >= acknowledged, f"round {round_}: acknowledged {acknowledged}, found {ledger.size}"
        assert ledger.size % 25 == 0, "a batch was half written"
        ledger.checkpoint()
        ledger.store.close()
        count("faults: ledger SIGKILLs", "survived")
    assert acknowledged > 0
