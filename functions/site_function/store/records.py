"""The records the function stores, frozen, and the store's one exception.

Shared by the contract (`base.Store`), both backends and every caller: datetimes are
timezone-aware UTC, JSON documents are dicts and request bodies bytes. The records are
`FrozenRecord`s, not frozen dataclasses: they behave alike, and every cold start imports them
(`frozen_record` says what that saves). The queue's and the ledger's are in `queue_records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from site_function.frozen_record import FrozenRecord, set_field
from site_function.store.queue_records import (
    Delivery,
    DeliveryKind,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    HostState,
    HostSummary,
    NewDelivery,
    OutcomeKind,
    PublishedObject,
    PublishedState,
)

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


class StoreError(Exception):
    """The database failed or refused a value (infrastructure, not an expected outcome)."""


class UncommittedBatch(StoreError):
    """An inbox batch whose commit the database refused (a statement sent without waiting
    failed, or found that an answer given ahead was wrong): nothing of it was kept, and its
    items run again one at a time."""


# --- remote actors and keys (a cache the function refreshes) ---------------------------------


class RemoteActor(FrozenRecord):
    """A remote actor document as last fetched, with the fields the function needs."""

    id: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    also_known_as: tuple[str, ...]
    document: dict[str, Any]
    fetched_at: datetime


class RemoteKey(FrozenRecord):
    """A remote public key; ``owner`` is the actor id the key document names."""

    key_id: str
    owner: str
    public_key_pem: str
    fetched_at: datetime


class SeenActivity(FrozenRecord):
    """One remembered incoming activity id: its 16-byte key (the id itself is not kept, see
    ``migrations.seen_activity_key``) and when it was first seen."""

    key: bytes
    seen_at: datetime


# --- followers and blocks ---------------------------------------------------------------------


class Follower(FrozenRecord):
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


class Block(FrozenRecord):
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


class Interaction(FrozenRecord):
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


class InteractionSummary(FrozenRecord):
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


class ModerationResult(FrozenRecord):
    """What a batch of decisions did: ids whose state changed, already had it, or are not
    held (or belong to a blocked account or domain)."""

    changed: list[str]
    unchanged: list[str]
    missing: list[str]

    def __init__(
        self,
        changed: list[str] | None = None,
        unchanged: list[str] | None = None,
        missing: list[str] | None = None,
    ) -> None:
        set_field(self, "changed", list() if changed is None else changed)
        set_field(self, "unchanged", list() if unchanged is None else unchanged)
        set_field(self, "missing", list() if missing is None else missing)
