"""The inbox's unit of work: block check, idempotency record and the handler's effect, in
one transaction (FEDERATION.md#idempotent-inbox), and the remembered activity ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, Self, TypeVar, runtime_checkable

from site_function.store.records import SeenActivity

__all__ = ["InboxItem", "InboxStore", "InboxVerdict"]

T = TypeVar("T")


class InboxItem(NamedTuple):
    """One verified activity for ``Store.receive_activities``: who sent it, its id (None if
    it has none), the time, and the handler that records its effect (see receive_activity).
    The handler is given the whole ``Store`` (typed Any here: this concern's module stands
    without the composition, which imports it). A NamedTuple: one is built per request."""

    actor_id: str
    activity_id: str | None
    now: datetime
    handle: Callable[[Any], tuple[Any, bool]]


class InboxVerdict(StrEnum):
    """What ``receive_activity`` answers instead of running the handler."""

    BLOCKED = "blocked"  # the actor or its domain is blocked: nothing stored
    DUPLICATE = "duplicate"  # the activity id was remembered before


@runtime_checkable
class InboxStore(Protocol):
    """Remembered activity ids and the inbox's combined write transactions."""

    def remember_activity(self, activity_id: str, now: datetime) -> bool:
        """Record an incoming activity id; True if it was not seen before."""

    def forget_activities_before(self, cutoff: datetime) -> int:
        """Prune remembered activity ids older than ``cutoff``; returns how many."""

    def list_seen_activities(self, *, limit: int = 1000, offset: int = 0) -> list[SeenActivity]:
        """Remembered activity ids (their keys) ordered by key, a page at a time."""

    def receive_activity(
        self,
        actor_id: str,
        activity_id: str | None,
        now: datetime,
        handle: Callable[[Self], tuple[T, bool]],
    ) -> T | InboxVerdict:
        """The inbox's ONE write transaction: BLOCKED if ``is_blocked(actor_id)``;
        DUPLICATE if ``activity_id`` was remembered before; else remember it and run
        ``handle(store)``, whose store calls join this transaction. ``handle`` returns
        ``(result, keep)``: with ``keep`` False everything, the remembered id included, is
        rolled back (nothing recorded, the sender may retry) and ``result`` is returned."""

    def receive_activities(self, items: Sequence[InboxItem]) -> list[Any]:
        """``receive_activity`` for many activities in ONE transaction (group commit: one
        BEGIN/COMMIT for a burst of requests). An item that fails or is discarded still
        rolls back alone: the batch is then rolled back and run again one item at a time.
        Returns one value per item, in order: its result, an ``InboxVerdict``, or the
        exception it raised (database errors as ``StoreError``). Raises ``StoreError`` if
        the transaction as a whole fails."""

    def receive_activities_now(self, items: Sequence[InboxItem]) -> list[Any] | None:
        """``receive_activities`` run at once in the calling thread, only if that cannot
        wait (on a lock, a busy database, the network): else None, and nothing is done. Lets
        an event loop run an embedded database's short write inline (SQLite) instead of a
        thread hop; a networked backend (PostgreSQL) always answers None."""
