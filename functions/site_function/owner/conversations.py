"""The conversation sync: what `site-gen conversations pull` and `push` ask of the function.

`conversation_index` lists every interaction the owner may see as a small row with a
version; the caller fetches the full form of new or changed ones (`conversation_items`, at
most `MAX_ITEMS` ids a call) and sends decisions back in bulk (`moderate_many`, at most
`MAX_DECISIONS`). What blocked accounts and domains said is never listed nor given, so a
block removes it from the site's repository at the next pull. The admin API and a database
opened by the CLI call these same functions, with the same answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from site_core.urls import UrlScheme
from site_function.owner.errors import OwnerRequestError
from site_function.owner.interactions import author_of, parse_state
from site_function.owner.reply_answers import reply_answers
from site_function.store.base import Interaction, ModerationState, Store

__all__ = [
    "MAX_DECISIONS",
    "MAX_ITEMS",
    "conversation_index",
    "conversation_items",
    "moderate_many",
    "zulu_time",
]

MAX_ITEMS = 500
MAX_DECISIONS = 5_000


def zulu_time(value: datetime) -> str:
    """`2024-05-01T12:00:00Z`: UTC, to the second, as the data files spell times."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def conversation_index(store: Store) -> list[dict[str, Any]]:
    """Every visible interaction as {id, post, kind, state, version}, oldest first."""
    return [
        {"id": row.activity_id, "post": row.object_id, "kind": row.kind,
         "state": row.state, "version": row.version}
        for row in store.interaction_index()
    ]  # fmt: skip


def _full(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.activity_id,
        "kind": interaction.kind,
        "post": interaction.object_id,
        "state": interaction.state,
        "version": interaction.version,
        "received": zulu_time(interaction.created_at),
        "updated": zulu_time(interaction.updated_at),
        "author": author_of(interaction),
        "object": interaction.activity,
    }


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise OwnerRequestError("'ids' must be a list of interaction ids")
    if len(value) > MAX_ITEMS:
        raise OwnerRequestError(f"at most {MAX_ITEMS} ids a request (got {len(value)})")
    return value


def conversation_items(store: Store, ids: Any) -> list[dict[str, Any]]:
    """The full form of these interactions (unknown or blocked ids left out)."""
    return [_full(interaction) for interaction in store.get_interactions(_ids(ids))]


def _decisions(value: Any) -> dict[str, ModerationState]:
    """The decisions checked whole before any is applied: one bad state refuses them all."""
    if not isinstance(value, dict):
        raise OwnerRequestError("'decisions' must be an object of id: state")
    if len(value) > MAX_DECISIONS:
        raise OwnerRequestError(f"at most {MAX_DECISIONS} decisions a request (got {len(value)})")
    checked: dict[str, ModerationState] = {}
    for activity_id, state in value.items():
        if not isinstance(state, str):
            raise OwnerRequestError(f"the state of {activity_id} must be a string")
        try:
            checked[activity_id] = parse_state(state)
        except OwnerRequestError:
            raise OwnerRequestError(
                f"the state of {activity_id} must be pending, approved or rejected"
            ) from None
    return checked


def moderate_many(
    store: Store, decisions: Any, *, urls: UrlScheme, now: datetime
) -> dict[str, Any]:
    """Apply many decisions in one transaction: {changed, unchanged, missing} ids. The
    answers to decided replies are queued in it too (`reply_answers`)."""
    checked = _decisions(decisions)
    with store.transaction():
        result = store.moderate_many(checked)
        store.enqueue(reply_answers(store, urls, result.changed), now)
    return {"changed": result.changed, "unchanged": result.unchanged, "missing": result.missing}
