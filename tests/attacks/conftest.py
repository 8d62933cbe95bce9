"""Attack-suite summary: the counts of mutations, fuzz inputs and kills, printed at the end of the run."""

from __future__ import annotations

from support_attacks import COUNTS, FULL


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    terminalreporter.section(f"vcred attack suite ({'full' if FULL else 'quick'} budget)")
    for form in sorted(COUNTS):
        figures = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS[form].items()))
        terminalreporter.write_line(f"{form}: {figures}")
