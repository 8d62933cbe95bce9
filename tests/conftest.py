"""Shared fixtures: vector files, deterministic keys, fixed time."""

from __future__ import annotations

import pytest

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
