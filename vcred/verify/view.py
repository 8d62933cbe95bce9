"""The verified view: the one step after which every check may read JSON keys as the terms they are.

A document enters the view only if it is in the closed world (see :mod:`vcred.jsonld.closed_world` and ADR 9).
Inside it, two documents with the same signed content differ at most in key order, array order and the choice
between a single value and a one-element array, so every later check (validity, status, schema, ledger, trust),
the policy and every output read what was signed, whichever securing mechanism signed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vcred.jsonld.closed_world import closed_world_problems
from vcred.jsonld.loader import DocumentLoader
from vcred.report import Check

MALFORMED = "MALFORMED_VALUE_ERROR"


def closed_world_check(
    document: dict[str, Any], *, loader: DocumentLoader, inline_contexts: Sequence[Any], prefix: str
) -> Check:
    """``<prefix>.closed_world``: passed only when every key and type of ``document`` is a defined term."""
    problems = closed_world_problems(document, loader=loader, inline_contexts=inline_contexts)
    if problems:
        return Check.failed(f"{prefix}.closed_world", "; ".join(problems[:3]), MALFORMED, problems=problems)
    return Check.passed(
        f"{prefix}.closed_world",
        "every key and type is a term the bundled contexts define, so the checks read what was signed",
    )
