"""Shared fixtures (a credentialing world), and the attack-suite summary (mutations tried and rejected, fuzz
inputs, kills survived)."""

from __future__ import annotations

import pytest
from support_attacks import COUNTS, FULL

from vcred.jsonld import canon
from vcred.testing import CredentialingWorld


@pytest.fixture(autouse=True)
def direct_rdf_matches_the_parser():
    """Every RDFC canonicalization a test makes through the direct reader is compared with the JSON-LD parser's:
    the whole suite (vectors, examples, attack mutations) is the differential test of vcred.jsonld.direct_rdf."""
    differences: list = []
    canon.cross_check(differences)
    yield
    canon.cross_check(None)
    assert not differences, f"direct RDF differs from the JSON-LD parser on {differences[0]!r}"[:3000]


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
