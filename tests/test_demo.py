"""The demo's story runs end to end (twice, on the same data directory) and every step behaves."""

from __future__ import annotations

import io

from rich.console import Console

from vcred.demo import run


def test_demo_runs_twice(tmp_path):
    for _ in range(2):
        output = io.StringIO()
        assert run(tmp_path, Console(file=output, width=120)) == 0, output.getvalue()
    text = output.getvalue()
    assert "DECISION: APPROVED" in text and "NOT APPROVED" in text and "tampering detected" in text
    assert "before key version 2 was retired" in text and "without a batch anchor" in text
    assert (tmp_path / "decision.html").read_text().startswith("<!doctype html>")
