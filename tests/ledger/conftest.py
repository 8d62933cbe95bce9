"""Ledger fixtures."""

from __future__ import annotations

import pytest
from support_ledger import OPERATOR, ORIGIN, World

from vcred.ledger import Ledger
from vcred.testing import insecure_seeded_key


@pytest.fixture
def world():
    return World(Ledger.in_memory(origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator")))


@pytest.fixture
def sqlite_world(tmp_path):
    ledger = Ledger.open(
        tmp_path / "ledger.sqlite", origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator")
    )
    return World(ledger)
