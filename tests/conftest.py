"""Shared fixtures, and the attack-suite summary (mutations tried and rejected, fuzz inputs, kills survived)."""

from __future__ import annotations

import pytest
from support_attacks import COUNTS, FULL

from vcred.testing import FIXED_NOW, insecure_seeded_key


@pytest.fixture
def now():
    return FIXED_NOW


@pytest.fixture
def issuer_key():
    return insecure_seeded_key("test issuer")


@pytest.fixture
def other_key():
    return insecure_seeded_key("someone else")


@pytest.fixture
def holder_key():
    return insecure_seeded_key("test holder")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    terminalreporter.section(f"vcred attack suite ({'full' if FULL else 'quick'} budget)")
    for form in sorted(COUNTS):
        figures = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS[form].items()))
        terminalreporter.write_line(f"{form}: {figures}")
