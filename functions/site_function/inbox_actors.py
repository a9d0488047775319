"""The inbox's handlers of what remote accounts say about themselves: Delete of the account,
Move (a follower's, or one of the owner's old accounts' to us), and Update of the account.

A Delete or Update that is not about the account itself is about one of its replies
(`inbox_interactions`).
"""

from __future__ import annotations

from typing import Any

from site_function.activity_parsing import first_id
from site_function.inbox_events import ActorDeleted, ActorUpdated, FollowerMoved, Ignored, MovedIn
from site_function.inbox_handler_types import (
    Handled,
    HandlerContext,
    HandlerResult,
    NeedsActor,
    owner_settings,
)
from site_function.inbox_interactions import delete_interaction, handle_reply
from site_function.remote_actors import actor_from_document
from site_function.store.base import Follower, Store

__all__ = ["handle_delete", "handle_move", "handle_update"]


def handle_delete(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """The account deleted itself (FEDERATION.md#actor-deleted), or one of its replies."""
    object_id = first_id(activity.get("object"))
    if object_id == actor_id:
        store.forget_actor(actor_id)
        return Handled(ActorDeleted(actor_id), forget_keys_of=actor_id)
    return delete_interaction(store, object_id, actor_id)


def handle_move(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """A follower moved: its new account, once fetched and naming the old one, follows in its
    place. A move to our actor is one of the owner's old accounts (`_move_in`)."""
    target = first_id(activity.get("target"))
    if first_id(activity.get("object")) != actor_id or target is None or target == actor_id:
        return Handled(Ignored(actor_id, "move not of the actor itself"))
    if target == ctx.urls.actor:
        return _move_in(store, ctx, actor_id)
    old = store.get_follower(actor_id)
    if old is None:
        return Handled(Ignored(actor_id, "move of a non-follower"))
    if not ctx.fetch_tried:
        return NeedsActor(target, refresh=True)
    new = ctx.fetched
    if new is None or new.id != target or actor_id not in new.also_known_as:
        # FEDERATION.md#move-aliases
        return Handled(Ignored(actor_id, "move target does not name the old account"))
    moved = Follower(new.id, old.follow_id, new.inbox, new.shared_inbox, old.state,
                     old.follow_activity, old.created_at, ctx.now)  # fmt: skip
    store.move_follower(actor_id, moved, ctx.now)
    return Handled(FollowerMoved(actor_id, new.id))


def _move_in(store: Store, ctx: HandlerContext, actor_id: str) -> HandlerResult:
    """One of the owner's old accounts moved here. Nothing changes: the old account's
    followers arrive as ordinary Follows, decided by the owner's approval setting (accepting
    them unseen would let anyone in while the move lasts). Only a listed alias is noted."""
    owner = owner_settings(store, ctx)
    if owner is None or actor_id not in owner.also_known_as:
        return Handled(Ignored(actor_id, "move to us from an account not in also_known_as"))
    return Handled(MovedIn(actor_id))


def handle_update(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """The account updated itself (the cached copy is refreshed), or one of its replies."""
    inner = activity.get("object")
    if not isinstance(inner, dict):
        return Handled(Ignored(actor_id, "update without an embedded object"))
    if first_id(inner) != actor_id:
        return handle_reply(store, ctx, activity, actor_id)
    actor = actor_from_document(inner, ctx.now)
    if actor is None:
        return Handled(Ignored(actor_id, "update of an unusable actor"))
    store.save_actor(actor)
    return Handled(ActorUpdated(actor_id), forget_keys_of=actor_id)
