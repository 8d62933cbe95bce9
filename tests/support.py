"""Helpers shared by test modules (importable because pytest puts tests/ on the path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent / "vectors"
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def load_vector(name: str) -> Any:
    """A transcribed vector file from tests/vectors."""
    return json.loads((VECTORS / name).read_text("utf-8"))
