"""The drain's bookkeeping: outcomes written in small batches, and the hosts' breakers.

Kept apart from the engine's control flow: `OutcomeRecorder` is the only writer of outcomes
(one task, so batches never overlap), `HostBreakers` the drain's view of each host's breaker,
loaded with the claims and written through the recorder. The queue only records outcomes; a
batch's `gone` inboxes are handed to `site_function.membership` in the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from site_function.delivery.policy import BreakerPolicy, host_after_failure, host_after_success
from site_function.membership import drop_followers_behind
from site_function.store.base import Delivery, DeliveryOutcome, HostState, Store

if TYPE_CHECKING:
    from site_function.delivery.notices import DrainNotices
    from site_function.delivery.policy import DrainSettings

__all__ = ["HostBreakers", "OutcomeRecorder"]


class OutcomeRecorder:
    """Collects outcomes and host changes; writes them in small batches from one task."""

    def __init__(
        self,
        store: Store,
        settings: DrainSettings,
        clock: Callable[[], datetime],
        on_recorded: Callable[[int], None] | None,
        notices: DrainNotices | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._on_recorded = on_recorded
        self._notices = notices
        self._failing: list[HostState] = []
        self._outcomes: list[DeliveryOutcome] = []
        self._hosts: dict[str, HostState] = {}
        self._resets: set[str] = set()
        self._released: list[int] = []
        self._releases_unwritten = 0
        self._wake = asyncio.Event()
        self._closing = False
        self.followers_removed = 0

    def add(self, outcome: DeliveryOutcome) -> None:
        self._outcomes.append(outcome)
        if outcome.kind == "gone" or len(self._outcomes) >= self._settings.flush_every:
            self._wake.set()

    def release(self, delivery_id: int) -> None:
        """A claimed row goes back unsent: due now, no attempt counted (not a failure)."""
        self._released.append(delivery_id)
        self._releases_unwritten += 1
        if len(self._released) >= self._settings.flush_every:
            self._wake.set()

    @property
    def releasing(self) -> bool:
        """True while released rows are not yet written back (still leased in the store)."""
        return self._releases_unwritten > 0

    def host_changed(self, state: HostState) -> None:
        self._hosts[state.host] = state
        self._wake.set()

    def host_failing(self, state: HostState) -> None:
        """A host reached the failure streak: its notice is queued with the next batch."""
        self._failing.append(state)
        self._wake.set()

    def maybe_reset(self, host: str) -> None:
        """A host answered that this drain knew nothing about: close its breaker if open."""
        self._resets.add(host)

    def _write(
        self,
        outcomes: list[DeliveryOutcome],
        hosts: list[HostState],
        resets: set[str],
        released: list[int],
        failing: list[HostState],
    ) -> int:
        # Breakers read here, in the recorder's thread, never on the claim path: a drain to
        # thousands of hosts must not wait for thousands of reads before sending.
        for host in resets:
            state = self._store.get_host(host)
            if state is not None and (state.consecutive_failures or state.paused_until):
                self._store.save_host(host_after_success(host))
        # Host states next: a pause must be durable before the rows it explains.
        for state in hosts:
            self._store.save_host(state)
        removed = 0
        if outcomes or failing:
            # One transaction: the rows' outcomes, what a gone inbox means for followers, and
            # the owner's notice of a failing host.
            with self._store.transaction():
                now = self._clock()
                gone = self._store.record_many(outcomes, now)
                removed = len(drop_followers_behind(self._store, gone))
                if self._notices is not None:
                    for state in failing:
                        self._notices.queue_host_failing(self._store, state, now)
        if released:
            self._store.release_claims(released, self._clock())
        return removed

    async def flush(self) -> None:
        if not (self._outcomes or self._hosts or self._resets or self._released or self._failing):
            return
        failing, self._failing = self._failing, []
        outcomes, self._outcomes = self._outcomes, []
        hosts, self._hosts = list(self._hosts.values()), {}
        resets, self._resets = self._resets, set()
        released, self._released = self._released, []
        try:
            self.followers_removed += await asyncio.to_thread(
                self._write, outcomes, hosts, resets, released, failing
            )
        finally:
            self._releases_unwritten -= len(released)
        if self._on_recorded is not None and outcomes:
            self._on_recorded(len(outcomes))

    async def run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.flush_interval)
            self._wake.clear()
            await self.flush()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()


class HostBreakers:
    """The hosts' breaker states seen in this drain, loaded from the store on first need."""

    def __init__(
        self,
        store: Store,
        policy: BreakerPolicy,
        recorder: OutcomeRecorder,
        notices: DrainNotices | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._recorder = recorder
        # Activity deliveries only: the receiver of notifications failing is not told itself.
        self._streak = notices.failure_streak if notices is not None else 0
        self._known: dict[str, HostState | None] = {}
        self.paused: list[str] = []

    def paused_until(self, host: str, now: datetime) -> datetime | None:
        state = self._known.get(host)
        if state is not None and state.paused_until is not None and state.paused_until > now:
            return state.paused_until
        return None

    async def failure(self, row: Delivery, error: str, now: datetime) -> None:
        if row.host not in self._known:  # the first failure of this host in this drain
            stored = await asyncio.to_thread(self._store.get_host, row.host)
            # Another failure of the same host may have been counted while this one waited for
            # the store: keep its newer state rather than the stored one.
            self._known.setdefault(row.host, stored)
        before = self._known.get(row.host)
        after = host_after_failure(before, row.host, error, now, self._policy)
        self._known[row.host] = after
        if row.kind == "activity" and after.consecutive_failures == self._streak:
            self._recorder.host_failing(after)
        if (
            after.paused_until is not None
            and after.paused_until > now
            and (before is None or before.paused_until != after.paused_until)
            and row.host not in self.paused
        ):
            self.paused.append(row.host)
        self._recorder.host_changed(after)

    def success(self, row: Delivery) -> None:
        """A success closes the breaker of a host that had a streak or a pause."""
        if row.host not in self._known:
            self._recorder.maybe_reset(row.host)  # an earlier drain may have left it open
        else:
            known = self._known[row.host]
            if known is not None and (known.consecutive_failures or known.paused_until):
                self._recorder.host_changed(host_after_success(row.host))
        self._known[row.host] = None
