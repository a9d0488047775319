"""Who follows the owner (and who asked to): the follower rows and the audience they make."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_function.store.records import Follower, FollowState, NewDelivery

__all__ = ["FollowerStore"]


@runtime_checkable
class FollowerStore(Protocol):
    """Followers and pending requests; a write may enqueue its answer in the same
    transaction (an Accept, a Reject)."""

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
        """Remove every follower whose personal or shared inbox is ``inbox``."""

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
