"""The queue's notification rows: a digest that grows until it is due, and a row by id.

Notifications travel in the delivery queue (``queue``) as rows of kind ``notification``, so
claims, leases, backoff and outcomes are the queue's own. Two things only they need: a digest
row whose body is rewritten as events arrive, until it is first attempted, and a look at one
row by its id (``site-gen notify test --wait``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_function.store.records import Delivery

__all__ = ["DigestMerge", "DigestSlot", "NotificationStore"]

# Given the open digest's body (None: none is open), the body with one more event.
DigestMerge = Callable[[bytes | None], bytes]


@dataclass(frozen=True, slots=True)
class DigestSlot:
    """Where a digest goes: its receiver, the id prefix of digest rows, and the id and due
    time of a new digest should none be open."""

    receiver: str
    id_prefix: str
    new_id: str
    due: datetime


@runtime_checkable
class NotificationStore(Protocol):
    """Notification rows beyond what ``DeliveryQueue.enqueue`` already does."""

    def merge_digest(self, slot: DigestSlot, merge: DigestMerge, now: datetime) -> None:
        """Add an event to the receiver's open digest (a row of ``slot.id_prefix``, queued,
        never attempted, not leased) with ``merge(body)``, or open one with ``merge(None)``
        under ``slot.new_id``, due at ``slot.due``. One open digest per receiver at a time."""

    def find_delivery(self, activity_id: str) -> Delivery | None:
        """The first queue row of this activity id, in any state, or None."""
