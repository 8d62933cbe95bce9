"""Fixtures for the CLI tests: an office's files built from real issuers, and the ``vcred`` command as a process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support_cli import VCRED, WALLET_PASSPHRASE, build_office


@pytest.fixture
def office_files(tmp_path, monkeypatch):
    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path / "data"))
    return build_office(tmp_path)


def _limit_memory() -> None:
    # a regression that reads /dev/zero whole must fail fast here, not exhaust the machine running the tests
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


@pytest.fixture
def vcred_process(tmp_path):
    """``vcred`` run as a user runs it (a process, so its one error boundary is what answers)."""
    env = {
        **os.environ,
        "VCRED_DATA_DIR": str(tmp_path / "data"),
        "VCRED_WALLET": str(tmp_path / "w.vcw"),
        "VCRED_PASSPHRASE": WALLET_PASSPHRASE,
        "COLUMNS": "400",
    }

    def run(*args: str, expect: int) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*VCRED, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            preexec_fn=None if sys.platform == "win32" else _limit_memory,
        )
        assert result.returncode == expect, (args, result.returncode, result.stdout[-2000:], result.stderr[-2000:])
        assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
        return result

    return run
