"""The store's lifecycle: schema, health, connections and the caller's own transaction."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

__all__ = ["StoreLifecycle"]


@runtime_checkable
class StoreLifecycle(Protocol):
    """Opening, migrating, checking and closing a store, and grouping calls in one
    transaction."""

    @property
    def worker_threads(self) -> int:
        """How many threads may usefully call the store at once (1 for SQLite's one writer;
        one less than the pool size for PostgreSQL, whose inbox batches run on the event
        loop's thread and need a connection of their own): the app sizes its store thread
        pool by it."""

    def migrate(self) -> None:
        """Bring the schema up to date; idempotent, cheap when current, safe concurrently."""

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    def schema_version(self) -> int:
        """The highest applied migration (0 before the first ``migrate``)."""

    def check_writable(self) -> None:
        """StoreError unless a write transaction can start now (the health check)."""

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction for every store call this thread makes inside the block:
        committed when it ends, rolled back (all of them) if it raises. Lets a caller join
        two concerns atomically, e.g. a delivery outcome and what it means for followers.
        Not for the inbox's own calls (``receive_activity`` and friends open their own)."""
