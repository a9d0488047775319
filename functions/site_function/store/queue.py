"""The delivery queue and the per-host breakers (issue 4): rows leased, sent, recorded.

The queue records what each inbox answered, nothing more: a ``gone`` outcome (410) is
reported back as its inbox, and what that means for the followers is decided by whoever
records the outcome (``site_function.membership``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from site_function.store.records import (
    Delivery,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    HostState,
    NewDelivery,
)

__all__ = ["DeliveryQueue"]


@runtime_checkable
class DeliveryQueue(Protocol):
    """One row per (activity_id, inbox); claims are leases, so a killed drain loses nothing."""

    def enqueue(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        """Queue deliveries due at ``now``; duplicates of (activity_id, inbox) are ignored.
        Returns the number of rows added."""

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        """Atomically lease up to ``limit`` queued rows due at ``now`` (oldest first) whose host
        is not paused and whose lease is absent or expired. Two claimers never get one row."""

    def mark_delivered(self, delivery_id: int, status: int, now: datetime) -> None:
        """The attempt succeeded: state done, lease cleared."""

    def mark_retry(
        self,
        delivery_id: int,
        status: int | None,
        error: str,
        next_attempt_at: datetime,
        now: datetime,
    ) -> None:
        """The attempt failed in a retryable way: stays queued until ``next_attempt_at``."""

    def mark_failed(self, delivery_id: int, status: int | None, error: str, now: datetime) -> None:
        """Given up (a final 4xx, or retries exhausted): state failed."""

    def record_many(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> list[str]:
        """The three ``mark_*`` above for many rows in one transaction (a ``gone`` outcome
        ends its row as failed). Returns the inboxes of the ``gone`` outcomes, distinct and
        sorted, whatever state their rows were in: the fact, for the caller to act on."""

    def release_claims(self, delivery_ids: Sequence[int], now: datetime) -> int:
        """Give claimed rows back unsent (a drain's budget ran out, or half the lease passed
        before a slot was free): the lease is cleared and the row stays queued and due (its
        ``next_attempt_at`` at most ``now``), without counting an attempt or touching its last
        status and error. Only queued rows change. Returns how many."""

    def delivery_summary(self) -> DeliverySummary:
        """Counts per state and per host, with each host's last error and pause."""

    def list_deliveries(
        self, state: DeliveryState | None = None, host: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Delivery rows, oldest first, optionally filtered."""

    def retry_failed(self, now: datetime, host: str | None = None) -> int:
        """Requeue failed rows (all, or one host's) due now with attempts reset, and reset
        the breaker of the hosts concerned. Returns how many rows."""

    def activity_inboxes(self, id_prefixes: Sequence[str]) -> list[tuple[str, str]]:
        """Distinct ``(activity_id, inbox)`` of queued and done rows whose activity id starts
        with one of ``id_prefixes`` (case-sensitive): where an object's activities went, so
        its Delete reaches the same audience (FEDERATION.md#tombstones). Failed rows (refused,
        gone) are left out. Sorted."""

    def activity_bodies(self, id_prefixes: Sequence[str]) -> list[tuple[str, bytes]]:
        """``(activity_id, body)``, one per activity id starting with one of ``id_prefixes``
        (case-sensitive), whatever its rows' states: what earlier activities said, e.g. whom
        a post's Create mentioned. Sorted."""

    # the per-host breaker
    def get_host(self, host: str) -> HostState | None:
        """The breaker of ``host`` (see ``host_of``), or None if it never failed."""

    def save_host(self, state: HostState) -> None:
        """Insert or replace the breaker of a host."""

    def list_hosts(self) -> list[HostState]:
        """Every stored breaker, ordered by host."""
