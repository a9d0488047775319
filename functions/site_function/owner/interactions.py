"""The owner's moderation of replies, likes and boosts: list them, show one, set their state.

A decision is taken on one interaction (by its activity id) or on every interaction of one
actor at once (`moderate_actor`), the same way over the admin API and on a database; a
decided reply's author gets an Accept or Reject queued with it (`reply_answers`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from site_core.urls import UrlScheme
from site_function.owner.errors import OwnerRequestError
from site_function.owner.followers import iso_time
from site_function.owner.reply_answers import reply_answers
from site_function.store.base import Interaction, ModerationState, Store

__all__ = [
    "author_of",
    "get_interaction",
    "interaction_to_dict",
    "list_interactions",
    "moderate_actor",
    "moderate_interaction",
    "parse_state",
]

_STATES: tuple[ModerationState, ...] = ("pending", "approved", "rejected")


def _content(interaction: Interaction) -> str:
    """A reply's stored HTML content ("" for a like or a boost, or a reply without one).

    The stored record of a reply is the Note itself (`interaction_records.reply_record`)."""
    if interaction.kind != "reply":
        return ""
    content = interaction.activity.get("content")
    return content if isinstance(content, str) else ""


def author_of(interaction: Interaction) -> dict[str, Any]:
    """The author's profile as stored, or only the id for a row stored before profiles."""
    return interaction.author or {"id": interaction.actor_id}


def interaction_to_dict(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.activity_id,
        "kind": interaction.kind,
        "actor": interaction.actor_id,
        "author": author_of(interaction),
        "object": interaction.object_id,
        "state": interaction.state,
        "since": iso_time(interaction.created_at),
        "content": _content(interaction),
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
    """What the owner may moderate: never what a blocked account or domain said (the pull
    leaves it out too, so `list` and the repository agree)."""
    blocked: dict[str, bool] = {}
    shown = []
    for interaction in store.list_interactions(object_id, state):
        actor = interaction.actor_id
        if actor not in blocked:
            blocked[actor] = store.is_blocked(actor)
        if not blocked[actor]:
            shown.append(interaction_to_dict(interaction))
    return shown


def get_interaction(store: Store, activity_id: str) -> dict[str, Any]:
    """One interaction by its activity id, or a 404 naming it."""
    interaction = store.get_interaction(activity_id)
    if interaction is None:
        raise OwnerRequestError(f"no interaction {activity_id}", 404)
    return interaction_to_dict(interaction)


def moderate_interaction(
    store: Store, activity_id: str, state: str, *, urls: UrlScheme, now: datetime
) -> dict[str, Any]:
    """Set one interaction's state; a reply's author is told (`reply_answers`)."""
    chosen = parse_state(state)
    with store.transaction():
        before = store.get_interaction(activity_id)
        if before is None or not store.set_moderation(activity_id, chosen):
            raise OwnerRequestError(f"no interaction {activity_id}", 404)
        if before.state != chosen:
            store.enqueue(reply_answers(store, urls, [activity_id]), now)
    return {"id": activity_id, "state": chosen}


def _made_by(interaction: Interaction, actor: str) -> bool:
    """Whether `actor` (an actor id, or a `@user@host` handle as the author profile has it)
    made this interaction: a handle is matched offline, on the profile the function stored."""
    if interaction.actor_id == actor:
        return True
    handle = (interaction.author or {}).get("handle")
    wanted = "@" + actor.lstrip("@").lower()
    return isinstance(handle, str) and handle.lower() == wanted


def moderate_actor(
    store: Store, actor_id: str, state: str, *, urls: UrlScheme, now: datetime
) -> dict[str, Any]:
    """Set the state of every interaction this actor (id or `@user@host`) made; the ids
    changed (maybe none)."""
    chosen = parse_state(state)
    changed = [
        interaction.activity_id
        for interaction in store.list_interactions()
        if _made_by(interaction, actor_id) and interaction.state != chosen
    ]
    with store.transaction():  # the decisions and their answers (`reply_answers`) together
        for activity_id in changed:
            store.set_moderation(activity_id, chosen)
        store.enqueue(reply_answers(store, urls, changed), now)
    return {"actor": actor_id, "state": chosen, "ids": changed}
