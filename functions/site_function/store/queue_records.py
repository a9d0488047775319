"""The delivery queue's and the publish ledger's records (see `records`, which exports them
too): kept apart only so that each module stays short."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from site_function.frozen_record import FrozenRecord, set_field

__all__ = [
    "Delivery",
    "DeliveryKind",
    "DeliveryOutcome",
    "DeliveryState",
    "DeliverySummary",
    "HostState",
    "HostSummary",
    "NewDelivery",
    "OutcomeKind",
    "PublishedObject",
    "PublishedState",
]

DeliveryState = Literal["queued", "done", "failed"]
# What a queue row carries: an activity for a remote inbox (signed with our key), or a
# notification for the owner's receiver (signed with the notification secret).
DeliveryKind = Literal["activity", "notification"]
OutcomeKind = Literal["delivered", "retry", "failed", "gone"]
PublishedState = Literal["live", "deleted"]


# --- the delivery queue -----------------------------------------------------------------------


class NewDelivery(FrozenRecord):
    """One activity body to POST to one inbox; (activity_id, inbox) is unique in the queue.
    A notification row names the owner's receiver as its inbox (`site_function.notifications`)."""

    activity_id: str
    inbox: str
    body: bytes
    kind: DeliveryKind = "activity"


class Delivery(FrozenRecord):
    """A queued, done or failed delivery row.

    ``attempts`` counts finished attempts (recorded outcomes); a claimed row carries
    ``lease_until`` until its outcome is recorded or the lease runs out.
    """

    id: int
    activity_id: str
    inbox: str
    host: str
    body: bytes
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    kind: DeliveryKind = "activity"


class DeliveryOutcome(FrozenRecord):
    """The result of one attempt, recorded in batches by ``Store.record_many``.

    ``next_attempt_at`` is required when ``kind == "retry"`` and ignored otherwise. ``gone``
    (the inbox answered 410) ends the row like ``failed``; the queue also reports the inbox,
    and what that means for the followers is decided elsewhere (``site_function.membership``).
    """

    delivery_id: int
    kind: OutcomeKind
    status: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


class HostSummary(FrozenRecord):
    """Per-host delivery counts for ``site-gen deliveries status``."""

    host: str
    queued: int
    failed: int
    done: int
    last_error: str | None
    paused_until: datetime | None
    retrying: int = 0


class DeliverySummary(FrozenRecord):
    """Counts per state (every state present, zero when empty) and per host.

    ``retrying`` is the part of ``counts["queued"]`` that has failed at least once.
    """

    counts: dict[str, int]
    hosts: list[HostSummary]
    retrying: int

    def __init__(
        self,
        counts: dict[str, int],
        hosts: list[HostSummary] | None = None,
        retrying: int = 0,
    ) -> None:
        set_field(self, "counts", counts)
        set_field(self, "hosts", list() if hosts is None else hosts)
        set_field(self, "retrying", retrying)


class HostState(FrozenRecord):
    """The breaker of one host: a host failing for long is paused as a whole (issue 4)."""

    host: str
    consecutive_failures: int
    first_failure_at: datetime | None
    paused_until: datetime | None
    last_error: str | None


# --- the publish ledger -----------------------------------------------------------------------


class PublishedObject(FrozenRecord):
    """What the outside world has been told about one of our objects (issue 4)."""

    object_id: str
    slug: str
    content_hash: str
    updated: datetime | None
    state: PublishedState
    first_sent_at: datetime
    last_sent_at: datetime
