"""Likes, boosts and replies to the owner's posts, held for the owner's moderation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from site_function.store.records import (
    Interaction,
    InteractionKind,
    InteractionSummary,
    ModerationResult,
    ModerationState,
)

__all__ = ["InteractionStore"]


@runtime_checkable
class InteractionStore(Protocol):
    """Interactions by activity id, with the owner's moderation state."""

    def save_interaction(self, interaction: Interaction) -> bool:
        """Insert by activity_id (revision 1); True if new. A duplicate from the same actor
        refreshes the stored activity and author (keeping the moderation state; a new
        revision when either changed) and returns False; one from another actor changes
        nothing. A Like or Announce is one per actor and object: a new id
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
        """Interactions, optionally for one of our objects and/or one state; oldest first
        (with no filter: every one, as a state export reads them)."""

    def set_moderation(self, activity_id: str, state: ModerationState) -> bool:
        """Set the owner's decision (a new revision if the state changed); False if there is
        no such interaction."""

    def interaction_index(self) -> list[InteractionSummary]:
        """Every interaction except those of blocked accounts and domains, without records,
        oldest first (the conversation sync's index)."""

    def get_interactions(self, activity_ids: Sequence[str]) -> list[Interaction]:
        """The interactions held under these ids, oldest first; unknown ids and those of
        blocked accounts and domains are left out."""

    def moderate_many(self, decisions: Mapping[str, ModerationState]) -> ModerationResult:
        """Set many decisions in one transaction; ids not held (or of blocked accounts and
        domains) are reported missing and change nothing."""
