"""A wallet killed (SIGKILL) at random moments during imports is never corrupt and loses nothing acknowledged."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from support_attacks import count

import vcred
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

IMPORTER = textwrap.dedent(
    """
    import json, sys
    from vcred.testing import FIXED_NOW
    from vcred.wallet import Wallet
    path, source = sys.argv[1], sys.argv[2]
    wallet = Wallet.open(path, "pw")
    for line in open(source):
        stored = wallet.import_credential(json.loads(line), now=FIXED_NOW)
        print(stored.id, flush=True)
    """
)


KILLS = int(os.environ.get("VCRED_WALLET_KILLS", "25"))


@pytest.mark.timeout(120 + 4 * KILLS)  # each round starts an importer, kills it, reopens and checks
def test_sigkill_during_imports(tmp_path):
    path = tmp_path / "wallet.vcw"
    holder = insecure_seeded_key("crash holder")
    Wallet.create(path, "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS, holder_key=holder)
    issuer = insecure_seeded_key("crash issuer")
    source = tmp_path / "credentials.jsonl"
    with source.open("w") as handle:
        for i in range(400):
            credential = sample_credential(issuer.public_key.did_key, holder.public_key.did_key, name=f"Dr. {i}")
            handle.write(
                json.dumps(vcred.issue_credential(credential, issuer, now=FIXED_NOW, suite="eddsa-jcs-2022")) + "\n"
            )
    rng = random.Random(5)
    acknowledged: set[str] = set()
    kills = KILLS
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-c", IMPORTER, str(path), str(source)], stdout=subprocess.PIPE, text=True
        )
        time.sleep(rng.uniform(0.3, 0.9))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        acknowledged.update(line.strip() for line in out.splitlines() if line.strip())
        wallet = Wallet.open(path, "pw")  # never corrupt
        assert acknowledged <= {c.id for c in wallet.credentials}
        count("faults: wallet SIGKILLs", "survived")
    assert acknowledged
