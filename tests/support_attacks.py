"""Attack-suite budget and counters, shared by the attack tests. ``make fuzz`` sets VCRED_FUZZ=full."""

from __future__ import annotations

import os
from collections import defaultdict

FULL = os.environ.get("VCRED_FUZZ") == "full"
MUTATIONS_PER_FORM = 400 if FULL else 40
FUZZ_INPUTS = 3000 if FULL else 200

COUNTS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def count(form: str, outcome: str, n: int = 1) -> None:
    """Record an outcome (tried, rejected, harmless-accepted, …) for the summary."""
    COUNTS[form][outcome] += n
