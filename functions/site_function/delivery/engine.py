"""Drain the delivery queue to a time budget: claim due rows, send concurrently, record.

Shape of one drain (one event loop, `concurrency` worker coroutines):

1. a claimer leases small batches (`claim_due`) only while workers have room, and stops
   claiming when the budget is spent; the store is synchronous, so every call runs in a thread;
2. workers sign and POST each claimed row through the `Sender` (one shared keep-alive session);
3. a recorder writes outcomes in small batches (`record_many`) every few milliseconds, and
   updates the per-host breakers and the followers of inboxes that answered 410.

Crash guarantee (a drain killed at any instant, e.g. SIGKILL):

- nothing is lost: a row leaves the queue only when its outcome is recorded; a claimed row whose
  outcome was not recorded is claimable again once its lease ends (`lease`, default 60 s);
- a row is sent only while it is surely still ours: a worker that reaches a row after half its
  lease (it waited behind a busy host) puts it back instead of sending it, so the request
  (at most the session's 10 s timeout) ends well before the lease does and no other drainer
  can have claimed it meanwhile; a drain never sends a row it already holds a second time;
- nothing recorded is sent twice: recorded rows are `done`/`failed` or re-queued for later;
- the only possible repeat is a POST the receiver accepted in the last instant before the kill
  (in flight, or answered but not yet recorded): at most `concurrency` + one flush batch of rows.
  Such a repeat carries the same activity id, which receivers treat as a duplicate
  (FEDERATION.md#idempotent-inbox: Mastodon and the others deduplicate by id). Exactly-once across a
  crash is not possible over HTTP; at-least-once with a window this small is the guarantee.

The budget is for *starting* work: once it is spent, claimed rows not yet sent (waiting for a
worker or for a busy host's slot) go back to the queue due now, without counting an attempt
(`Store.release_claims`: not a failure, so no longer backoff), and only requests already in
flight finish, so a drain overruns by at most one request timeout (a serverless time limit).
Callers with a hard limit pass budget = limit - 15 s.

With `follower_sync`, each row of a followers-addressed activity carries FEP-8fcf's
`Collection-Synchronization` header for its inbox's server (`delivery.follower_sync`), its
followers read once per drain.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from site_function.delivery.follower_sync import FollowerSync, FollowerSyncHeaders
from site_function.delivery.notices import DrainNotices
from site_function.delivery.policy import DrainSettings, RetryPolicy
from site_function.delivery.recording import HostBreakers, OutcomeRecorder
from site_function.delivery.sender import Sender, SendResult, Verdict, judge
from site_function.store.base import Delivery, DeliveryOutcome, Store

if TYPE_CHECKING:
    from site_core.signatures import SigningKey

__all__ = ["DrainReport", "DrainSettings", "drain"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class DrainReport:
    """What one drain did; `stopped` says why it returned ("empty" or "budget")."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    skipped_paused: int = 0
    released: int = 0
    followers_removed: int = 0
    hosts_paused: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str = "empty"
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retried + self.failed + self.gone

    def percentile(self, q: float) -> float:
        """Latency percentile of the attempts, in seconds (0.0 when none)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    def as_dict(self) -> dict[str, object]:
        return {
            "claimed": self.claimed,
            "delivered": self.delivered,
            "retried": self.retried,
            "failed": self.failed,
            "gone": self.gone,
            "skipped_paused": self.skipped_paused,
            "released": self.released,
            "followers_removed": self.followers_removed,
            "hosts_paused": self.hosts_paused,
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
        }


async def drain(
    store: Store,
    sender: Sender,
    signing_key: SigningKey,
    *,
    budget: float,
    settings: DrainSettings | None = None,
    clock: Callable[[], datetime] = _utcnow,
    rng: random.Random | None = None,
    on_recorded: Callable[[int], None] | None = None,
    notices: DrainNotices | None = None,
    follower_sync: FollowerSync | None = None,
) -> DrainReport:
    """Send due deliveries until the queue has nothing due or `budget` seconds have passed.

    Notification rows go through `notices` (`delivery.notices`). Returns a report; the queue
    keeps whatever is left for the next drain.
    """
    run = _Drain(
        store,
        sender,
        signing_key,
        settings or DrainSettings(),
        clock,
        rng or random.Random(),  # noqa: S311 - jitter, not security
        on_recorded,
        budget,
        notices,
        follower_sync,
    )
    return await run.run()


class _Drain:
    """One drain: a claimer fills a local queue, workers send from it, a recorder writes."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        signing_key: SigningKey,
        settings: DrainSettings,
        clock: Callable[[], datetime],
        rng: random.Random,
        on_recorded: Callable[[int], None] | None,
        budget: float,
        notices: DrainNotices | None = None,
        follower_sync: FollowerSync | None = None,
    ) -> None:
        self.store, self.sender, self.signing_key = store, sender, signing_key
        self.notices = notices
        self.sync_headers = (
            FollowerSyncHeaders(store, follower_sync) if follower_sync is not None else None
        )
        self.settings, self.clock, self.rng = settings, clock, rng
        self.report = DrainReport()
        self.started = time.monotonic()
        self.deadline = self.started + budget
        # Up to two claim batches wait locally, so claims are few and full (one write each).
        self.work: asyncio.Queue[Delivery | None] = asyncio.Queue()
        self.room = asyncio.Event()
        self.recorder = OutcomeRecorder(store, settings, clock, on_recorded, notices)
        self.breakers = HostBreakers(store, settings.breaker, self.recorder, notices)
        self.held: dict[int, float] = {}  # row id -> monotonic time by which it must be sent
        self.slots: dict[str, asyncio.Semaphore] = {}
        self.send_window = settings.lease.total_seconds() / 2

    async def run(self) -> DrainReport:
        """Claim and send until done or out of budget; every outcome is written before returning."""
        recorder = self.recorder
        recorder_task = asyncio.create_task(recorder.run())
        workers = [asyncio.create_task(self.worker()) for _ in range(self.settings.concurrency)]
        try:
            await self.claimer()
            for _ in workers:
                self.work.put_nowait(None)
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await recorder.close()
            await recorder_task
            await recorder.flush()
        report = self.report
        report.followers_removed = recorder.followers_removed
        report.hosts_paused = self.breakers.paused
        report.seconds = time.monotonic() - self.started
        return report

    async def claimer(self) -> None:
        """Lease due rows in batches while the workers have room, until none or the budget ends."""
        settings, work, held, report = self.settings, self.work, self.held, self.report
        while True:
            if time.monotonic() >= self.deadline:
                report.stopped = "budget"
                return
            if work.qsize() > settings.concurrency:
                self.room.clear()
                await self.room.wait()
                continue
            rows = await asyncio.to_thread(
                self.store.claim_due, self.clock(), settings.claim_batch, settings.lease
            )
            if not rows:
                if not held and not self.recorder.releasing:
                    return
                # Rows still in flight, or released but not yet written back, come back due
                # now: look again shortly.
                await asyncio.sleep(0.05)
                continue
            # A row this drain still holds can come back if its lease ran out: never twice.
            fresh = [row for row in rows if row.id not in held]
            report.claimed += len(fresh)
            send_by = time.monotonic() + self.send_window
            for row in fresh:
                held[row.id] = send_by
                work.put_nowait(row)
            if not fresh:
                await asyncio.sleep(0.05)

    async def worker(self) -> None:
        """Take rows from the local queue and attempt each within its host's slot."""
        work, slots, per_host = self.work, self.slots, self.settings.per_host
        while (row := await work.get()) is not None:
            if work.qsize() <= self.settings.concurrency:
                self.room.set()
            slot = slots.setdefault(row.host, asyncio.Semaphore(per_host))
            async with slot:
                await self.attempt(row)
            self.held.pop(row.id, None)

    async def attempt(self, row: Delivery) -> None:
        """Send one row, unless the budget, its lease or a paused host says not now."""
        report, recorder = self.report, self.recorder
        if time.monotonic() >= self.deadline:
            # The budget is spent: a row still waiting (for a worker, or behind a slow host)
            # must not keep a serverless call past its limit. Back in the queue, due now.
            report.released += 1
            report.stopped = "budget"
            recorder.release(row.id)
            return
        if time.monotonic() > self.held.get(row.id, 0.0):
            # Half the lease is gone: sending now could outlive it. Back in the queue, due now.
            report.released += 1
            recorder.release(row.id)
            return
        paused_until = self.breakers.paused_until(row.host, self.clock())
        if paused_until is not None:
            # The host was paused during this drain: skip without spending an attempt's
            # timeout; the row comes back when the pause ends.
            report.skipped_paused += 1
            recorder.add(DeliveryOutcome(row.id, "retry", None, "host paused", paused_until))
            return
        sender = self.sender
        if row.kind == "notification":
            if self.notices is None:  # not configured where this drain runs: it waits
                result = SendResult(None, "notifications are not configured in this process")
                await self.settle(row, result)
                return
            sender = self.notices.sender
        elif self.sync_headers is not None:
            headers = await self.sync_headers.headers_for(row)
            if headers:
                result = await sender.send(row.inbox, row.body, self.signing_key, headers)
                await self.settle(row, result)
                return
        result = await sender.send(row.inbox, row.body, self.signing_key)
        await self.settle(row, result)

    def _retry_policy(self, row: Delivery) -> RetryPolicy:
        if row.kind == "notification" and self.notices is not None:
            return self.notices.retry
        return self.settings.retry

    async def settle(self, row: Delivery, result: SendResult) -> None:
        """Count and record what the inbox answered; a retry waits with backoff, or gives up."""
        report, recorder, breakers = self.report, self.recorder, self.breakers
        now = self.clock()
        verdict = judge(result)
        if verdict.kind == "gone" and row.kind == "notification":
            verdict = Verdict("failed", verdict.error)  # a receiver's URL has no followers
        report.latencies.append(result.seconds)
        if verdict.kind == "delivered":
            report.delivered += 1
            breakers.success(row)
            recorder.add(DeliveryOutcome(row.id, "delivered", result.status))
        elif verdict.kind == "gone":
            report.gone += 1
            breakers.success(row)  # the host answered; only this inbox is gone
            recorder.add(DeliveryOutcome(row.id, "gone", result.status, verdict.error))
        elif verdict.kind == "failed":
            report.failed += 1
            recorder.add(DeliveryOutcome(row.id, "failed", result.status, verdict.error))
        else:
            error = verdict.error or "retry"
            await breakers.failure(row, error, now)
            retry = self._retry_policy(row)
            when = retry.next_attempt(row.attempts + 1, row.created_at, now, self.rng)
            if when is None:
                report.failed += 1
                recorder.add(DeliveryOutcome(row.id, "failed", result.status, f"gave up: {error}"))
            else:
                report.retried += 1
                recorder.add(DeliveryOutcome(row.id, "retry", result.status, error, when))
