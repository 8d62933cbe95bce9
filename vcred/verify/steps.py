"""One step runner for every verification pipeline.

A pipeline is a declared list of :class:`Step`. Each step adds its checks to the report and may open *gates*
(``"proof"``, ``"view"``…) that later steps need; a step whose gate stayed closed is reported as skipped, with the
reason, and never silently missing. A step that must end the pipeline (unreadable input, say) returns ``STOP``.
The verdict is computed from gates and checks by the pipeline, never by parsing check ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from vcred.report import Check

STOP = object()  # returned by a step after which nothing more can be read


@dataclass
class Run:
    """What every pipeline's state carries: its checks and which gates are open (and why one is closed)."""

    checks: list[Check]
    gates: dict[str, bool] = field(default_factory=dict)
    closed_because: dict[str, str] = field(default_factory=dict)

    def open(self, gate: str, is_open: bool, because: str = "") -> None:
        """Record whether ``gate`` is open; ``because`` says why not (shown on the steps it skips)."""
        self.gates[gate] = is_open
        if not is_open:
            self.closed_because[gate] = because or f"{gate} failed"


S = TypeVar("S", bound=Run)


@dataclass(frozen=True)
class Step(Generic[S]):
    """``run(state)`` adds checks; it runs only when every gate in ``needs`` is open, else ``name`` is skipped."""

    name: str
    run: Callable[[S], object]
    needs: tuple[str, ...] = ()


def run_steps(steps: Sequence[Step[S]], state: S) -> None:
    """Run ``steps`` in order on ``state``."""
    for step in steps:
        closed = [gate for gate in step.needs if not state.gates.get(gate, False)]
        if closed:
            reason = state.closed_because.get(closed[0], f"{closed[0]} was not established")
            state.checks.append(Check.skipped(step.name, f"not checked: {reason}"))
            continue
        if step.run(state) is STOP:
            return
