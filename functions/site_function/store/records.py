"""The records the function stores, as frozen dataclasses, and the store's one exception.

Shared by the contract (`base.Store`), both backends and every caller: datetimes are
timezone-aware UTC, JSON documents are dicts and request bodies bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "Block",
    "BlockKind",
    "Delivery",
    "DeliveryKind",
    "DeliveryOutcome",
    "DeliveryState",
    "DeliverySummary",
    "FollowState",
    "Follower",
    "HostState",
    "HostSummary",
    "Interaction",
    "InteractionKind",
    "InteractionSummary",
    "ModerationResult",
    "ModerationState",
    "NewDelivery",
    "OutcomeKind",
    "PublishedObject",
    "PublishedState",
    "RemoteActor",
    "RemoteKey",
    "SeenActivity",
    "StoreError",
]

FollowState = Literal["pending", "accepted"]
BlockKind = Literal["account", "domain"]
ModerationState = Literal["pending", "approved", "rejected"]
InteractionKind = Literal["like", "announce", "reply"]
DeliveryState = Literal["queued", "done", "failed"]
# What a queue row carries: an activity for a remote inbox (signed with our key), or a
# notification for the owner's receiver (signed with the notification secret).
DeliveryKind = Literal["activity", "notification"]
OutcomeKind = Literal["delivered", "retry", "failed", "gone"]
PublishedState = Literal["live", "deleted"]


class StoreError(Exception):
    """The database failed or refused a value (infrastructure, not an expected outcome)."""


# --- remote actors and keys (a cache the function refreshes) ---------------------------------


@dataclass(frozen=True, slots=True)
class RemoteActor:
    """A remote actor document as last fetched, with the fields the function needs."""

    id: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    also_known_as: tuple[str, ...]
    document: dict[str, Any]
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteKey:
    """A remote public key; ``owner`` is the actor id the key document names."""

    key_id: str
    owner: str
    public_key_pem: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class SeenActivity:
    """One remembered incoming activity id: its 16-byte key (the id itself is not kept, see
    ``migrations.seen_activity_key``) and when it was first seen."""

    key: bytes
    seen_at: datetime


# --- followers and blocks ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Follower:
    """One follower (or pending follow request) with the Follow that created it.

    ``follow_activity`` is kept whole because Accept and Reject must embed it
    (FEDERATION.md#accept-embeds-follow).
    """

    actor_id: str
    follow_id: str
    inbox: str
    shared_inbox: str | None
    state: FollowState
    follow_activity: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Block:
    """An owner's block of one account (actor id) or a whole domain and its subdomains.

    The extra fields mirror Mastodon's domain-block CSV so published blocklists round-trip.
    """

    kind: BlockKind
    value: str
    created_at: datetime
    severity: str = "suspend"
    comment: str = ""
    reject_media: bool = False
    reject_reports: bool = False
    obfuscate: bool = False


# --- interactions (likes, boosts, replies to our posts) ---------------------------------------


def _version(revision: int, created_at: datetime) -> str:
    # The creation time tells apart a row removed and received again under the same id.
    return f"{revision}.{created_at.strftime('%Y%m%d%H%M%S%f')}"


@dataclass(frozen=True, slots=True)
class Interaction:
    """A Like, Announce or reply to one of our posts, with the owner's moderation state.

    ``object_id`` is our post (the thread's root post for a reply to a reply); ``author`` is
    the actor's profile as last seen (``actor_profiles.author_profile``), None when it was
    never known; ``revision`` counts the changes of the row (content, state, author), which
    ``version`` turns into the opaque text the conversation sync compares."""

    activity_id: str
    kind: InteractionKind
    actor_id: str
    object_id: str
    activity: dict[str, Any]
    state: ModerationState
    created_at: datetime
    updated_at: datetime
    author: dict[str, Any] | None = None
    revision: int = 1

    @property
    def version(self) -> str:
        return _version(self.revision, self.created_at)


@dataclass(frozen=True, slots=True)
class InteractionSummary:
    """An interaction without its record or author: what the conversation index lists."""

    activity_id: str
    kind: InteractionKind
    object_id: str
    state: ModerationState
    revision: int
    created_at: datetime

    @property
    def version(self) -> str:
        return _version(self.revision, self.created_at)


@dataclass(frozen=True, slots=True)
class ModerationResult:
    """What a batch of decisions did: ids whose state changed, already had it, or are not
    held (or belong to a blocked account or domain)."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


# --- the delivery queue -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One activity body to POST to one inbox; (activity_id, inbox) is unique in the queue.
    A notification row names the owner's receiver as its inbox (`site_function.notifications`)."""

    activity_id: str
    inbox: str
    body: bytes
    kind: DeliveryKind = "activity"


@dataclass(frozen=True, slots=True)
class Delivery:
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


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
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


@dataclass(frozen=True, slots=True)
class HostSummary:
    """Per-host delivery counts for ``site-gen deliveries status``."""

    host: str
    queued: int
    failed: int
    done: int
    last_error: str | None
    paused_until: datetime | None
    retrying: int = 0


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """Counts per state (every state present, zero when empty) and per host.

    ``retrying`` is the part of ``counts["queued"]`` that has failed at least once.
    """

    counts: dict[str, int]
    hosts: list[HostSummary] = field(default_factory=list)
    retrying: int = 0


@dataclass(frozen=True, slots=True)
class HostState:
    """The breaker of one host: a host failing for long is paused as a whole (issue 4)."""

    host: str
    consecutive_failures: int
    first_failure_at: datetime | None
    paused_until: datetime | None
    last_error: str | None


# --- the publish ledger -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedObject:
    """What the outside world has been told about one of our objects (issue 4)."""

    object_id: str
    slug: str
    content_hash: str
    updated: datetime | None
    state: PublishedState
    first_sent_at: datetime
    last_sent_at: datetime
