"""The local data directory: keys created on first use are the same for every process that starts at once."""

from __future__ import annotations

import subprocess
import sys


def test_processes_starting_together_share_one_operator_key(tmp_path):
    script = f"""
from vcred.local import LocalSetting
setting = LocalSetting({str(tmp_path / "data")!r})
print(setting._operator_key().public_key.multibase, setting.witness("w.example").public_key.multibase)
"""
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = {r.communicate(timeout=60)[0] for r in runs}
    assert [r.returncode for r in runs] == [0, 0, 0, 0]
    assert len(outputs) == 1
