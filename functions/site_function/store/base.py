"""The one storage contract of the function (the records it stores are in `records`).

Two backends implement it (SQLite, the embedded default, and PostgreSQL for serverless
hosts); one contract suite in ``tests/function/store/`` runs against both. The interface is
synchronous: the ASGI app calls it in a worker thread, the command line calls it directly.
Every writing method is one transaction: it happens whole or not at all, so a follow and the
Accept that answers it are recorded together (issue 3), and a publish and its deliveries too
(issue 4). Reads may run statement by statement, each statement seeing a consistent snapshot.

Conventions every backend keeps:

- datetimes go in and come out timezone-aware in UTC (naive datetimes are refused); where
  ``now`` is optional (it follows a defaulted argument), None means the current UTC time;
- JSON documents are ``dict`` values, request bodies are ``bytes``;
- a delivery's ``host`` is the lower-cased ``hostname[:port]`` of its inbox (the breaker unit);
- domain block values are lower-cased IDNA (``normalize_domain``) and cover subdomains.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable

from site_core.publish.owner_settings import OwnerSettings

# The records and the host helpers have modules of their own; they are re-exported here
# because callers read the contract and its records together.
from site_function.store.names import domain_candidates, host_of, normalize_domain
from site_function.store.records import (
    Block,
    BlockKind,
    Delivery,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    Follower,
    FollowState,
    HostState,
    HostSummary,
    Interaction,
    InteractionKind,
    ModerationState,
    NewDelivery,
    OutcomeKind,
    PublishedObject,
    PublishedState,
    RemoteActor,
    RemoteKey,
    StoreError,
)

__all__ = [
    "Block",
    "BlockKind",
    "Delivery",
    "DeliveryOutcome",
    "DeliveryState",
    "DeliverySummary",
    "FollowState",
    "Follower",
    "HostState",
    "HostSummary",
    "InboxItem",
    "InboxVerdict",
    "Interaction",
    "InteractionKind",
    "ModerationState",
    "NewDelivery",
    "OutcomeKind",
    "OwnerSettings",
    "PublishedObject",
    "PublishedState",
    "RemoteActor",
    "RemoteKey",
    "Store",
    "StoreError",
    "domain_candidates",
    "host_of",
    "normalize_domain",
]

T = TypeVar("T")


# --- the inbox's unit of work -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One verified activity for ``Store.receive_activities``: who sent it, its id (None if
    it has none), the time, and the handler that records its effect (see receive_activity)."""

    actor_id: str
    activity_id: str | None
    now: datetime
    handle: Callable[[Store], tuple[Any, bool]]


class InboxVerdict(StrEnum):
    """What ``receive_activity`` answers instead of running the handler."""

    BLOCKED = "blocked"  # the actor or its domain is blocked: nothing stored
    DUPLICATE = "duplicate"  # the activity id was remembered before


# --- the contract ---------------------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """The function's state. Every method is one transaction, whole or not at all."""

    # lifecycle
    @property
    def worker_threads(self) -> int:
        """How many threads may usefully call the store at once (1 for SQLite's one writer;
        the pool size for PostgreSQL): the app sizes its store thread pool by it."""

    def migrate(self) -> None:
        """Bring the schema up to date; idempotent, cheap when current, safe concurrently."""

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    def schema_version(self) -> int:
        """The highest applied migration (0 before the first ``migrate``)."""

    def check_writable(self) -> None:
        """StoreError unless a write transaction can start now (the health check)."""

    # remote actors and keys
    def get_actor(self, actor_id: str) -> RemoteActor | None:
        """The cached actor, or None."""

    def save_actor(self, actor: RemoteActor) -> None:
        """Insert or replace the cached actor."""

    def get_key(self, key_id: str) -> RemoteKey | None:
        """The cached key, or None."""

    def save_key(self, key: RemoteKey) -> None:
        """Insert or replace the cached key."""

    def forget_actor(self, actor_id: str) -> bool:
        """Purge an actor: cache, keys, follower row, interactions, queued deliveries to its
        personal inbox (FEDERATION.md#actor-deleted). True if anything was removed."""

    # followers
    def get_follower(self, actor_id: str) -> Follower | None:
        """The follower or pending request of this actor, or None."""

    def get_follower_by_follow_id(self, follow_id: str) -> Follower | None:
        """The follower created by this Follow activity id (Undo matching,
        FEDERATION.md#undo-follow)."""

    def save_follower(
        self,
        follower: Follower,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> None:
        """Upsert the follower (a duplicate Follow is harmless; ``created_at`` of an existing
        row is kept) and enqueue ``deliveries`` (e.g. the Accept) in the same transaction."""

    def remove_follower(
        self,
        actor_id: str,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> Follower | None:
        """Remove the follower and enqueue ``deliveries`` (e.g. a Reject) atomically.

        Returns the removed follower, or None (then nothing is enqueued)."""

    def remove_followers_by_inbox(self, inbox: str) -> list[Follower]:
        """Remove every follower whose personal or shared inbox is ``inbox`` (a 410 answer)."""

    def move_follower(self, old_actor_id: str, new: Follower, now: datetime) -> bool:
        """Replace the follow of ``old_actor_id`` by ``new`` (FEDERATION.md#move-aliases).
        False if the old actor was not a follower (then nothing changes)."""

    def list_followers(
        self, state: FollowState | None = "accepted", *, limit: int = 100, offset: int = 0
    ) -> list[Follower]:
        """Followers in a stable order (created_at, actor_id); ``state=None`` lists all."""

    def count_followers(self, state: FollowState | None = "accepted") -> int:
        """How many followers are in ``state`` (all when None)."""

    def inbox_accounts(self, inboxes: Sequence[str]) -> list[tuple[str, str, bool]]:
        """``(inbox, actor_id, follows)`` for every account known to receive at one of
        ``inboxes`` (as its personal or shared inbox): accepted followers (``follows`` True)
        and cached actors that do not follow (False). Who is behind an inbox an earlier
        activity went to, so a block can leave it out (FEDERATION.md#audience). Sorted."""

    def delivery_targets(self) -> list[str]:
        """Distinct inboxes of accepted followers: the shared inbox where known, else the
        personal inbox; blocked accounts and domains excluded (FEDERATION.md#audience).
        Sorted."""

    # blocks
    def add_block(
        self,
        block: Block,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> list[Follower]:
        """Store the block (replacing one of the same kind and value), remove every follower
        and pending request it covers and enqueue ``deliveries`` (the Rejects), atomically.
        Returns the removed followers so the caller can build Rejects in a second call."""

    def remove_block(self, kind: BlockKind, value: str) -> bool:
        """Lift a block; False if there was none."""

    def list_blocks(self) -> list[Block]:
        """Every block, ordered by kind then value."""

    def is_blocked(self, actor_id: str) -> bool:
        """True if the actor is blocked by account, or its host by a domain block on it or
        on any parent domain. An index lookup, no cache."""

    # interactions
    def save_interaction(self, interaction: Interaction) -> bool:
        """Insert by activity_id; True if new. A duplicate from the same actor refreshes the
        stored activity (keeping the moderation state) and returns False; one from another
        actor changes nothing. A Like or Announce is one per actor and object: a new id
        replaces the one held (its moderation state kept, False returned), so a later Undo
        of the new id finds it."""

    def count_interactions(
        self,
        actor_id: str,
        kind: InteractionKind,
        *,
        object_id: str | None = None,
        since: datetime | None = None,
    ) -> int:
        """How many interactions of ``kind`` by this actor are held, optionally only on one
        object and/or created at or after ``since`` (the per-actor caps of the inbox)."""

    def get_interaction(self, activity_id: str) -> Interaction | None:
        """The interaction recorded under this activity id, or None."""

    def remove_interaction(self, activity_id: str, actor_id: str) -> bool:
        """Remove an interaction, only if ``actor_id`` is the one who made it (Undo)."""

    def list_interactions(
        self, object_id: str | None = None, state: ModerationState | None = None
    ) -> list[Interaction]:
        """Interactions, optionally for one of our objects and/or one state; oldest first."""

    def set_moderation(self, activity_id: str, state: ModerationState) -> bool:
        """Set the owner's decision; False if there is no such interaction."""

    # idempotent inbox (FEDERATION.md#idempotent-inbox)
    def remember_activity(self, activity_id: str, now: datetime) -> bool:
        """Record an incoming activity id; True if it was not seen before."""

    def forget_activities_before(self, cutoff: datetime) -> int:
        """Prune remembered activity ids older than ``cutoff``; returns how many."""

    def receive_activity(
        self,
        actor_id: str,
        activity_id: str | None,
        now: datetime,
        handle: Callable[[Store], tuple[T, bool]],
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

    # the delivery queue
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

    def record_many(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        """The three ``mark_*`` above for many rows in one transaction."""

    def delivery_summary(self) -> DeliverySummary:
        """Counts per state and per host, with each host's last error and pause."""

    def list_deliveries(
        self, state: DeliveryState | None = None, host: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Delivery rows, oldest first, optionally filtered."""

    def retry_failed(self, now: datetime, host: str | None = None) -> int:
        """Requeue failed rows (all, or one host's) due now with attempts reset, and reset
        the breaker of the hosts concerned. Returns how many rows."""

    # per-host breaker
    def get_host(self, host: str) -> HostState | None:
        """The breaker of ``host`` (see ``host_of``), or None if it never failed."""

    def save_host(self, state: HostState) -> None:
        """Insert or replace the breaker of a host."""

    # publish ledger
    def get_published(self, object_id: str) -> PublishedObject | None:
        """The ledger row of one of our objects, or None."""

    def list_published(self) -> list[PublishedObject]:
        """Every ledger row, ordered by first_sent_at then object_id."""

    def save_published(
        self,
        items: Sequence[PublishedObject],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        *,
        owner: OwnerSettings | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        """Upsert ledger rows and enqueue their deliveries in one transaction, together with
        the owner's settings the publish states (when given) and ``meta`` values."""

    # small settings
    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Insert or replace a setting."""

    # the owner's settings, as the last publish stated them
    def get_owner_settings(self) -> OwnerSettings | None:
        """The owner's settings last saved (by a publish, or seeded by ``site-gen serve``),
        or None before that. Inside the inbox's transaction it is read at most once per
        transaction, however many handlers ask (a batch of requests is one transaction)."""

    def save_owner_settings(self, settings: OwnerSettings) -> None:
        """Replace the owner's settings."""

    # the delivery queue, continued
    def release_claims(self, delivery_ids: Sequence[int], now: datetime) -> int:
        """Give claimed rows back unsent (a drain's budget ran out, or half the lease passed
        before a slot was free): the lease is cleared and the row stays queued and due (its
        ``next_attempt_at`` at most ``now``), without counting an attempt or touching its last
        status and error. Only queued rows change. Returns how many."""

    def activity_inboxes(self, id_prefixes: Sequence[str]) -> list[tuple[str, str]]:
        """Distinct ``(activity_id, inbox)`` of queued and done rows whose activity id starts
        with one of ``id_prefixes`` (case-sensitive): where an object's activities went, so
        its Delete reaches the same audience (FEDERATION.md#tombstones). Failed rows (refused,
        gone) are left out. Sorted."""

    def activity_bodies(self, id_prefixes: Sequence[str]) -> list[tuple[str, bytes]]:
        """``(activity_id, body)``, one per activity id starting with one of ``id_prefixes``
        (case-sensitive), whatever its rows' states: what earlier activities said, e.g. whom
        a post's Create mentioned. Sorted."""
