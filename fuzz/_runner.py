"""Run hypothesis tests over and over until a time budget is spent, then print the figures.

Hypothesis runs a test for a number of examples, not for a time; a fuzz run wants a time. So
each target runs in batches of `max_examples` with a fresh random seed and no example database
(a found failure is printed, not replayed), until the budget is used up.
"""

from __future__ import annotations

import argparse
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis.errors import HypothesisWarning

__all__ = ["BATCH", "Figures", "parse_seconds", "run_bounded"]

BATCH = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@dataclass
class Figures:
    """What a run saw: examples run, outcomes by name, failures with their shrunk input."""

    examples: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def saw(self, outcome: str) -> None:
        self.examples += 1
        self.outcomes[outcome] += 1


def parse_seconds(description: str) -> float:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=180.0, help="time budget (default 180)")
    return float(parser.parse_args().seconds)


def run_bounded(
    name: str, targets: list[Callable[[], None]], figures: Figures, seconds: float
) -> None:
    """Cycle through `targets` (hypothesis-wrapped, no arguments) until `seconds` have passed."""
    warnings.filterwarnings("ignore", category=HypothesisWarning)  # large reprs of big bodies
    started = time.monotonic()
    deadline = started + seconds
    batches = 0
    while time.monotonic() < deadline:
        target = targets[batches % len(targets)]
        batches += 1
        try:
            target()
        except Exception as exc:  # a failure hypothesis shrank: keep it and go on
            notes = "\n".join(getattr(exc, "__notes__", []))
            text = "".join(traceback.format_exception_only(type(exc), exc))
            where = traceback.extract_tb(exc.__traceback__)[-1]
            kind = f"{type(exc).__name__} at {where.filename}:{where.lineno}"
            figures.failures.append(kind)
            if figures.failures.count(kind) == 1:  # print each distinct failure once
                print(f"FAILURE in {target.__name__}: {text}{notes}\n", flush=True)
                traceback.print_exc()
    elapsed = time.monotonic() - started
    print(f"\n== fuzz {name} ==")
    print(f"examples run: {figures.examples}")
    print(f"seconds: {elapsed:.1f} ({batches} batches)")
    print(f"distinct outcomes seen: {len(figures.outcomes)}")
    for outcome, count in sorted(figures.outcomes.items()):
        print(f"  {outcome}: {count}")
    print(f"failures found: {len(figures.failures)} ({len(set(figures.failures))} distinct)")
    for kind in sorted(set(figures.failures)):
        print(f"  {kind}")
