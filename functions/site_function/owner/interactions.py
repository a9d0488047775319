"""The owner's moderation of replies, likes and boosts: list them, set their state."""

from __future__ import annotations

from typing import Any

from site_function.owner.errors import OwnerRequestError
from site_function.owner.followers import iso_time
from site_function.store.base import Interaction, ModerationState, Store

__all__ = ["interaction_to_dict", "list_interactions", "moderate_interaction", "parse_state"]

_STATES: tuple[ModerationState, ...] = ("pending", "approved", "rejected")


def interaction_to_dict(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.activity_id,
        "kind": interaction.kind,
        "actor": interaction.actor_id,
        "object": interaction.object_id,
        "state": interaction.state,
        "since": iso_time(interaction.created_at),
    }


def parse_state(text: str) -> ModerationState:
    """A moderation state as the owner typed it, or the error naming the three."""
    for state in _STATES:
        if text == state:
            return state
    raise OwnerRequestError("state must be pending, approved or rejected")


def list_interactions(
    store: Store, object_id: str | None = None, state: ModerationState | None = None
) -> list[dict[str, Any]]:
    return [interaction_to_dict(i) for i in store.list_interactions(object_id, state)]


def moderate_interaction(store: Store, activity_id: str, state: str) -> dict[str, Any]:
    chosen = parse_state(state)
    if not store.set_moderation(activity_id, chosen):
        raise OwnerRequestError(f"no interaction {activity_id}", 404)
    return {"id": activity_id, "state": chosen}
