"""Shared fixtures (a credentialing world), and the attack-suite summary (mutations tried and rejected, fuzz
inputs, kills survived)."""

from __future__ import annotations

import pytest
from support_attacks import COUNTS, FULL

from vcred.testing import CredentialingWorld


@pytest.fixture
def world(tmp_path):
    """A fresh credentialing world (vcred.testing.CredentialingWorld) in this test's directory, at FIXED_NOW."""
    return CredentialingWorld.create(tmp_path / "world")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    terminalreporter.section(f"vcred attack suite ({'full' if FULL else 'quick'} budget)")
    for form in sorted(COUNTS):
        figures = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS[form].items()))
        terminalreporter.write_line(f"{form}: {figures}")
