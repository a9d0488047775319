"""What each verified activity does (FEDERATION.md#inbox); anything unknown is ignored.

Handlers are synchronous and run in the same worker-thread call as the inbox's block check and
idempotency record, so the common case costs one hop to the store per request. A handler that
needs a remote document (the follower's actor, a Move's target) returns `NeedsActor`; the
inbox fetches it (async, signed) and runs the handler again with it in `HandlerContext.fetched`.

Replies are stored under the id of the reply Note (not of its Create), so a later Update or
Delete of that Note finds the same row. That stored id (the Note's for a reply, the activity's
for a Like or Announce) must be on the actor's own origin (FEDERATION.md#one-host, as Mastodon
requires of a Create's object): otherwise anyone could take a predictable future id of another
server's account first, and the real reply or Like would then be ignored as already held.

Only interactions with our published posts are stored, as a bounded record
(`interaction_records`), and one actor's replies are capped per post and per day
(`InteractionLimits`): a signed sender cannot fill the disk (FEDERATION.md#interaction-records).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from site_function.activity_parsing import activity_type, first_id
from site_function.follow_responses import follow_response_body
from site_function.interaction_records import (
    InteractionLimits,
    reaction_record,
    reply_record,
    usable_id,
)
from site_function.remote_actors import actor_from_document, same_origin
from site_function.store.base import (
    Follower,
    FollowState,
    Interaction,
    InteractionKind,
    NewDelivery,
    OwnerSettings,
    RemoteActor,
    Store,
)
from site_gen.federation.urls import UrlScheme

__all__ = [
    "Handled",
    "HandlerContext",
    "NeedsActor",
    "handle_activity",
]

log = logging.getLogger("site_function.inbox")
_DEFAULT_LIMITS = InteractionLimits()


@dataclass(frozen=True)
class Handled:
    """A handler's result: a note for logs, whether the queue grew, whose keys to forget."""

    note: str
    queued: bool = False
    forget_keys_of: str | None = None


@dataclass(frozen=True)
class NeedsActor:
    """Fetch this actor (`refresh`: even if cached) and call the handler again with it."""

    actor_id: str
    refresh: bool = False


@dataclass(frozen=True)
class HandlerContext:
    """What handlers know besides the store: our URLs, the time, and the owner's settings
    the function read from the build (`owner_fallback`), which count only until a publish
    stored them (`Store.get_owner_settings`)."""

    urls: UrlScheme
    owner_fallback: OwnerSettings | None
    now: datetime
    fetched: RemoteActor | None = None
    fetch_tried: bool = False
    limits: InteractionLimits = _DEFAULT_LIMITS


Result = Handled | NeedsActor
Handler = Callable[[Store, HandlerContext, dict[str, Any], str], Result]


def _is_our_post(urls: UrlScheme, object_id: str | None) -> bool:
    return object_id is not None and object_id.startswith(urls.post_object(""))


def _owner(store: Store, ctx: HandlerContext) -> OwnerSettings | None:
    """The owner's settings: as last published, else as the build states them, else None
    (unknown: nothing may be decided that the owner might want to decide)."""
    return store.get_owner_settings() or ctx.owner_fallback


# --- follows --------------------------------------------------------------------------------


def _follow(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    follow_id = first_id(activity.get("id"))
    if first_id(activity.get("object")) != ctx.urls.actor or follow_id is None:
        return Handled("follow of someone else: ignored")
    actor = ctx.fetched if ctx.fetch_tried else store.get_actor(actor_id)
    if actor is None:
        if not ctx.fetch_tried:
            return NeedsActor(actor_id)
        return Handled("follower actor could not be fetched: ignored")
    existing = store.get_follower(actor_id)
    keep = existing is not None and existing.state == "accepted"
    owner = _owner(store, ctx)
    if owner is not None and owner.moved_to is not None and not keep:
        return _refuse_follow(store, ctx, activity, actor, existing is not None)
    # Unknown settings (no publish yet, no build to read) hold the request for the owner.
    held = owner is None or owner.manually_approves_followers
    state: FollowState = "pending" if held and not keep else "accepted"
    follower = Follower(
        actor_id, follow_id, actor.inbox, actor.shared_inbox, state, activity, ctx.now, ctx.now
    )
    deliveries: list[NewDelivery] = []
    if state == "accepted":  # FEDERATION.md#accept-embeds-follow; a repeat too
        answer_id, body = follow_response_body("Accept", activity, ctx.urls)
        deliveries.append(NewDelivery(answer_id, actor.inbox, body))
    store.save_follower(follower, deliveries, ctx.now)
    return Handled(f"follow {state}", queued=bool(deliveries))


def _refuse_follow(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor: RemoteActor, held: bool
) -> Result:
    """A moved account takes no new followers (as on Mastodon, which refuses to follow one):
    Reject, and drop a request still held. Followers already accepted keep their Accept."""
    answer_id, body = follow_response_body("Reject", activity, ctx.urls)
    reject = [NewDelivery(answer_id, actor.inbox, body)]
    if held:
        store.remove_follower(actor.id, reject, ctx.now)
    else:
        store.enqueue(reject, ctx.now)
    return Handled("follow rejected: the account moved", queued=True)


def _undo(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    inner = activity.get("object")
    inner_id = first_id(inner)
    inner_type = activity_type(inner) if isinstance(inner, dict) else ""
    if inner_type in ("", "Follow") and _undoes_our_follow(store, ctx, inner, inner_id, actor_id):
        store.remove_follower(actor_id, (), ctx.now)
        return Handled("unfollowed")
    if inner_id is not None and store.remove_interaction(inner_id, actor_id):
        return Handled("interaction undone")
    return Handled("undo of nothing we hold: ignored")


def _undoes_our_follow(
    store: Store, ctx: HandlerContext, inner: Any, inner_id: str | None, actor_id: str
) -> bool:
    """FEDERATION.md#undo-follow, by actor: an embedded Follow must be the actor's, of our
    actor; a Follow given by id only (or embedded without its object) must be the id of the
    actor's stored Follow. Otherwise the Undo ends a follow of someone else, not of us."""
    own = store.get_follower(actor_id)
    if own is None:
        return False
    if isinstance(inner, dict):
        inner_actor = first_id(inner.get("actor"))
        if inner_actor is not None and inner_actor != actor_id:
            return False
        if inner.get("object") is not None:
            return first_id(inner.get("object")) == ctx.urls.actor
    # Follow ids are chosen by senders, so only the one stored for this actor counts.
    return inner_id is not None and own.follow_id == inner_id


def _block(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    if first_id(activity.get("object")) != ctx.urls.actor:
        return Handled("block of someone else: ignored")
    removed = store.remove_follower(actor_id, (), ctx.now)  # FEDERATION.md#blocked-by
    return Handled("blocked us: follower removed" if removed else "blocked us")


# --- actors: delete, move, update ----------------------------------------------------------


def _delete(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    object_id = first_id(activity.get("object"))
    if object_id == actor_id:  # FEDERATION.md#actor-deleted
        store.forget_actor(actor_id)
        return Handled("actor deleted", forget_keys_of=actor_id)
    if object_id and store.remove_interaction(object_id, actor_id):
        return Handled("reply deleted")
    return Handled("delete of nothing we hold: ignored")


def _move(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    target = first_id(activity.get("target"))
    if first_id(activity.get("object")) != actor_id or target is None or target == actor_id:
        return Handled("move not of the actor itself: ignored")
    if target == ctx.urls.actor:
        return _move_in(store, ctx, actor_id)
    old = store.get_follower(actor_id)
    if old is None:
        return Handled("move of a non-follower: ignored")
    if not ctx.fetch_tried:
        return NeedsActor(target, refresh=True)
    new = ctx.fetched
    if new is None or new.id != target or actor_id not in new.also_known_as:
        # FEDERATION.md#move-aliases
        return Handled("move target does not name the old account: ignored")
    moved = Follower(new.id, old.follow_id, new.inbox, new.shared_inbox, old.state,
                     old.follow_activity, old.created_at, ctx.now)  # fmt: skip
    store.move_follower(actor_id, moved, ctx.now)
    return Handled("follower moved")


def _move_in(store: Store, ctx: HandlerContext, actor_id: str) -> Result:
    """One of the owner's old accounts moved here. Nothing changes: the old account's
    followers arrive as ordinary Follows, decided by the owner's approval setting (accepting
    them unseen would let anyone in while the move lasts). Only a listed alias is noted."""
    owner = _owner(store, ctx)
    if owner is None or actor_id not in owner.also_known_as:
        return Handled("move to us from an account not in also_known_as: ignored")
    return Handled("moved in from an account in also_known_as")


def _update(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    inner = activity.get("object")
    if not isinstance(inner, dict):
        return Handled("update without an embedded object: ignored")
    if first_id(inner) == actor_id:  # the signer updates itself: refresh the cached copy
        actor = actor_from_document(inner, ctx.now)
        if actor is None:
            return Handled("update of an unusable actor: ignored")
        store.save_actor(actor)
        return Handled("actor refreshed", forget_keys_of=actor_id)
    return _reply(store, ctx, activity, actor_id)


# --- interactions with our posts ----------------------------------------------------------


def _published_post(store: Store, urls: UrlScheme, object_id: str | None) -> str | None:
    """The id if it is one of our posts as published (live in the ledger), else None: an
    interaction with anything else would be stored for nothing."""
    if not _is_our_post(urls, object_id) or object_id is None:
        return None
    published = store.get_published(object_id)
    return object_id if published is not None and published.state == "live" else None


def _over_cap_once(actor_id: str, scope: str) -> None:
    """Log a cap reached once per actor and scope (a flood must not fill the log instead)."""
    key = (actor_id, scope)
    if key in _CAP_LOGGED:
        return
    if len(_CAP_LOGGED) >= _CAP_LOGGED_MAX:
        _CAP_LOGGED.clear()
    _CAP_LOGGED.add(key)
    log.warning("interactions of %s over the cap (%s): not stored", actor_id, scope)


_CAP_LOGGED: set[tuple[str, str]] = set()
_CAP_LOGGED_MAX = 4_096


def _save(store: Store, ctx: HandlerContext, activity_id: str, kind: InteractionKind,
          actor_id: str, object_id: str, record: dict[str, Any]) -> Result:  # fmt: skip
    interaction = Interaction(
        activity_id, kind, actor_id, object_id, record, "pending", ctx.now, ctx.now
    )
    new = store.save_interaction(interaction)
    return Handled(f"{kind} stored" if new else f"{kind} refreshed")


def _like_or_announce(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> Result:
    activity_id = usable_id(activity.get("id"))
    if activity_id is None:
        return Handled("no usable activity id: ignored")
    object_id = _published_post(store, ctx.urls, first_id(activity.get("object")))
    if object_id is None:
        return Handled("not about our published posts: ignored")
    if not same_origin(activity_id, actor_id):  # FEDERATION.md#one-host
        return Handled("activity id not on the actor's origin: ignored")
    kind: InteractionKind = "like" if activity_type(activity) == "Like" else "announce"
    record = reaction_record(activity_type(activity), activity_id, actor_id, object_id, activity)
    return _save(store, ctx, activity_id, kind, actor_id, object_id, record)


def _reply(store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str) -> Result:
    note = activity.get("object")
    if not isinstance(note, dict):
        return Handled("no embedded object: ignored")
    note_id = usable_id(note.get("id"))
    if note_id is None:
        return Handled("no usable reply id: ignored")
    in_reply_to = _published_post(store, ctx.urls, first_id(note.get("inReplyTo")))
    if in_reply_to is None:
        return Handled("not a reply to our published posts: ignored")
    if first_id(note.get("attributedTo")) != actor_id:
        return Handled("reply attributed to someone else: ignored")
    if not same_origin(note_id, actor_id):  # FEDERATION.md#one-host
        return Handled("reply id not on the actor's origin: ignored")
    held = store.get_interaction(note_id)
    if held is None or held.actor_id != actor_id:  # a new reply counts against the caps
        over = _reply_cap_reached(store, ctx, actor_id, in_reply_to)
        if over is not None:
            _over_cap_once(actor_id, over)
            return Handled(f"replies over the cap ({over}): not stored")
    record = reply_record(note_id, actor_id, in_reply_to, note)
    return _save(store, ctx, note_id, "reply", actor_id, in_reply_to, record)


def _reply_cap_reached(
    store: Store, ctx: HandlerContext, actor_id: str, post_id: str
) -> str | None:
    """Which per-actor cap a new reply would pass, or None."""
    limits = ctx.limits
    if store.count_interactions(actor_id, "reply", object_id=post_id) >= limits.replies_per_post:
        return f"{limits.replies_per_post} per post"
    since = ctx.now - timedelta(days=1)
    if store.count_interactions(actor_id, "reply", since=since) >= limits.replies_per_day:
        return f"{limits.replies_per_day} per day"
    return None


_HANDLERS: dict[str, Handler] = {
    "Follow": _follow,
    "Undo": _undo,
    "Block": _block,
    "Delete": _delete,
    "Move": _move,
    "Update": _update,
    "Like": _like_or_announce,
    "Announce": _like_or_announce,
    "Create": _reply,
}


def handle_activity(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> Result:
    """Run the handler of the activity's type; unknown types are ignored
    (FEDERATION.md#ignore-unknown)."""
    handler = _HANDLERS.get(activity_type(activity))
    if handler is None:
        return Handled(f"{activity_type(activity)}: ignored")
    return handler(store, ctx, activity, actor_id)
