"""Retry schedule, breaker and the meaning of each answer: pure, no network."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from site_function.delivery import BreakerPolicy, RetryPolicy, SendResult, judge
from site_function.delivery.policy import host_after_failure, host_after_success

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "delivered"), (202, "delivered"), (204, "delivered"),
        (410, "gone"),
        (500, "retry"), (502, "retry"), (503, "retry"), (408, "retry"), (429, "retry"),
        (401, "retry"),
        (400, "failed"), (403, "failed"), (404, "failed"), (422, "failed"), (501, "failed"),
        (301, "failed"),
        (None, "retry"),
    ],
)  # fmt: skip
def test_judge(status: int | None, kind: str) -> None:
    assert judge(SendResult(status, None if status else "ClientConnectorError")).kind == kind


def test_backoff_grows_with_jitter_and_gives_up_after_about_two_days() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    delays = [policy.delay(n, rng).total_seconds() for n in range(1, 12)]
    assert 48 <= delays[0] <= 72  # one minute +-20 %
    assert all(b > a for a, b in itertools.pairwise(delays[:7]))  # until the 6 h cap
    assert max(delays) <= 6 * 3600 * 1.2
    now, attempts = T0, 0
    while (when := policy.next_attempt(attempts + 1, T0, now, rng)) is not None:
        attempts += 1
        now = when
    assert 10 <= attempts <= 20
    assert timedelta(days=1, hours=12) < now - T0 <= timedelta(days=2)


def test_jitter_spreads_rows_queued_together() -> None:
    policy, rng = RetryPolicy(), random.Random(1)
    times = {policy.next_attempt(3, T0, T0, rng) for _ in range(50)}
    assert len(times) > 40


def test_breaker_trips_only_after_failing_long_enough() -> None:
    policy = BreakerPolicy(trip_after=3, failing_for=timedelta(minutes=30))
    state = None
    for minute in (0, 1, 2):
        state = host_after_failure(
            state, "h.test", "HTTP 503", T0 + timedelta(minutes=minute), policy
        )
    assert state is not None
    assert state.consecutive_failures == 3
    assert state.paused_until is None
    state = host_after_failure(state, "h.test", "HTTP 503", T0 + timedelta(minutes=31), policy)
    assert state.paused_until == T0 + timedelta(minutes=31) + policy.pause
    assert state.first_failure_at == T0
    assert state.last_error == "HTTP 503"
    assert host_after_success("h.test").paused_until is None
