"""When to try a delivery again, and when to stop: the retry and breaker policies.

`DrainSettings` bundles them with the drain's sizes; it lives here, below both the engine and
the outcome recorder, so neither of those imports the other.

Both are pure functions of the facts (attempts so far, when the row was queued, the host's
failure streak, `now`, a random source) so the engine's timing is testable without sleeping.

Retries follow Mastodon's own delivery semantics (FEDERATION.md#mastodon-retries): exponential
backoff with jitter for about two days, then give up. The breaker is what Mastodon's
`DeliveryFailureTracker` does per domain, made shorter: a host that has failed every attempt for an
hour is paused as a whole, so thousands of rows queued for a dead server do not each spend a
connection timeout on every drain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from site_function.store.base import HostState

__all__ = [
    "BreakerPolicy",
    "DrainSettings",
    "RetryPolicy",
    "host_after_failure",
    "host_after_success",
]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, for about two days after queuing.

    Attempt n (1-based, counting finished attempts) waits `first_delay * 2**(n-1)`, at most
    `max_delay`, times a random factor in [1 - jitter, 1 + jitter] so that rows queued
    together spread out instead of hitting a recovering server in one burst.
    """

    first_delay: timedelta = timedelta(seconds=60)
    max_delay: timedelta = timedelta(hours=6)
    give_up_after: timedelta = timedelta(days=2)
    jitter: float = 0.2

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after `attempts` finished attempts (>= 1)."""
        exponent = min(max(attempts - 1, 0), 30)
        base = min(self.first_delay * (2**exponent), self.max_delay)
        factor = 1.0 + rng.uniform(-self.jitter, self.jitter)
        delay: timedelta = base * factor
        return delay

    def next_attempt(
        self, attempts: int, queued_at: datetime, now: datetime, rng: random.Random
    ) -> datetime | None:
        """When to try again after `attempts` finished attempts, or None to give up."""
        when = now + self.delay(attempts, rng)
        if when - queued_at > self.give_up_after:
            return None
        return when


@dataclass(frozen=True)
class BreakerPolicy:
    """A host is paused once it has failed `trip_after` attempts in a row over `failing_for`.

    The pause lasts `pause`; when it ends, rows of the host are claimed again (half-open): one
    success closes the breaker, one more failure pauses the host again at once.
    """

    trip_after: int = 10
    failing_for: timedelta = timedelta(hours=1)
    pause: timedelta = timedelta(hours=1)


def host_after_failure(
    state: HostState | None, host: str, error: str, now: datetime, policy: BreakerPolicy
) -> HostState:
    """The host's breaker after one more failed attempt (pausing it when the policy says so)."""
    failures = (state.consecutive_failures if state else 0) + 1
    first = state.first_failure_at if state and state.first_failure_at else now
    paused_until = state.paused_until if state else None
    tripped = failures >= policy.trip_after and now - first >= policy.failing_for
    if tripped and (paused_until is None or paused_until <= now):
        paused_until = now + policy.pause
    return HostState(host, failures, first, paused_until, error[:500])


def host_after_success(host: str) -> HostState:
    """A success closes the breaker: the streak and any pause are forgotten."""
    return HostState(host, 0, None, None, None)


@dataclass(frozen=True)
class DrainSettings:
    """How hard one drain pushes; the defaults suit one process on a small machine."""

    concurrency: int = 64
    per_host: int = 8  # as `ClientSettings.limit_per_host`: waiting for a slot is not a timeout
    claim_batch: int = 64
    lease: timedelta = timedelta(seconds=60)
    flush_every: int = 64
    flush_interval: float = 0.02
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
