"""The inbox's handlers of interactions with our published posts: Like, Announce, replies
(Create or Update of a Note), and their Undo or Delete.

A reply to a reply we hold is part of that thread: it is stored under the thread's root post
(its record keeps the reply it answers in `inReplyTo`). Each interaction is stored approved or
pending as the owner's review policy says (`interaction_review`), with its author's profile
as the cached actor document gives it (`actor_profiles`: the signature check cached the
actor, so no request is made for it).

Replies are stored under the id of the reply Note (not of its Create), so a later Update or
Delete of that Note finds the same row. That stored id (the Note's for a reply, the activity's
for a Like or Announce) must be on the actor's own origin (FEDERATION.md#one-host, as Mastodon
requires of a Create's object): otherwise anyone could take a predictable future id of another
server's account first, and the real reply or Like would then be ignored as already held.

In allow-only mode, replies, likes and boosts from unlisted domains are not stored
(FEDERATION.md#domain-policies). Only interactions with our published posts are stored, as a
bounded record (`interaction_records`), and one actor's replies are capped per post and per day
(`InteractionLimits`): a signed sender cannot fill the disk (FEDERATION.md#interaction-records).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from site_core.publish.owner_settings import ReviewPolicy
from site_core.urls import UrlScheme
from site_function.activity_parsing import activity_type, first_id
from site_function.actor_profiles import author_profile
from site_function.inbox_events import (
    AnnounceReceived,
    AnnounceUndone,
    Ignored,
    InteractionUndone,
    LikeReceived,
    LikeUndone,
    MentionReceived,
    ReplyDeleted,
    ReplyOverCap,
    ReplyReceived,
    ReplyUpdated,
)
from site_function.inbox_handler_types import (
    Handled,
    HandlerContext,
    HandlerResult,
    owner_settings,
)
from site_function.inbox_quotes import unauthorized_quote
from site_function.interaction_records import reaction_record, reply_record, usable_id
from site_function.interaction_review import arrival_state, rehold, reply_text
from site_function.remote_actors import same_origin
from site_function.store.base import Interaction, InteractionKind, ModerationState, Store

__all__ = ["delete_interaction", "handle_reaction", "handle_reply", "undo_interaction"]

log = logging.getLogger("site_function.inbox")
# The Undo of an embedded Like or Announce says which kind it ends; one by id only does not.
_UNDONE: dict[str, type[LikeUndone | AnnounceUndone | InteractionUndone]] = {
    "Like": LikeUndone,
    "Announce": AnnounceUndone,
}


def _published_post(store: Store, urls: UrlScheme, object_id: str | None) -> str | None:
    """The id if it is one of our posts as published (live in the ledger), else None: an
    interaction with anything else would be stored for nothing."""
    if object_id is None or not object_id.startswith(urls.post_object("")):
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
_NOT_ALLOWED = "allow-only mode does not list the domain"
_CAP_LOGGED_MAX = 4_096


def _review(store: Store, ctx: HandlerContext) -> ReviewPolicy | None:
    owner = owner_settings(store, ctx)
    return None if owner is None else owner.review


def _arrival_state(store: Store, ctx: HandlerContext, actor_id: str, text: str) -> ModerationState:
    """What the owner's review policy says of a new interaction (FEDERATION.md#review-policy)."""
    policy = _review(store, ctx)
    follower = False
    if policy is not None and policy.show_without_review == "followers":
        found = store.get_follower(actor_id)
        follower = found is not None and found.state == "accepted"
    return arrival_state(policy, actor_id, follower=follower, text=text)


def _author(actor_id: str, document: dict[str, Any] | None) -> dict[str, Any]:
    """`author_profile`, worked out once per cached document: a busy sender's interactions
    arrive with the same document object (the store hands out one record per row text)."""
    if document is None:
        return author_profile(actor_id, None)
    known = _AUTHORS.get(actor_id)
    if known is not None and known[0] is document:
        return known[1]
    profile = author_profile(actor_id, document)
    if len(_AUTHORS) >= _AUTHORS_MAX:
        _AUTHORS.clear()
    _AUTHORS[actor_id] = (document, profile)  # the document is held: its id is not reused
    return profile


# actor id -> (the cached document, the profile read from it); profiles are only read (encoded).
_AUTHORS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
_AUTHORS_MAX = 1_024


def _save(store: Store, ctx: HandlerContext, activity_id: str, kind: InteractionKind,
          actor_id: str, object_id: str, record: dict[str, Any]) -> bool:  # fmt: skip
    """Store the interaction as the review policy says, with its author's profile as the
    cached actor gives it; True if it is new (not a repeat, which keeps its state)."""
    text = reply_text(record) if kind == "reply" else ""
    state = _arrival_state(store, ctx, actor_id, text)
    cached = store.get_actor(actor_id)
    author = _author(actor_id, None if cached is None else cached.document)
    interaction = Interaction(
        activity_id, kind, actor_id, object_id, record, state, ctx.now, ctx.now, author
    )
    return store.save_interaction(interaction)


def handle_reaction(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """A Like or Announce of one of our published posts, stored pending moderation."""
    activity_id = usable_id(activity.get("id"))
    if activity_id is None:
        return Handled(Ignored(actor_id, "no usable activity id"))
    object_id = _published_post(store, ctx.urls, first_id(activity.get("object")))
    if object_id is None:
        return Handled(Ignored(actor_id, "not about our published posts"))
    if not same_origin(activity_id, actor_id):  # FEDERATION.md#one-host
        return Handled(Ignored(actor_id, "activity id not on the actor's origin"))
    if not store.domain_policies().admits(actor_id):  # FEDERATION.md#domain-policies
        return Handled(Ignored(actor_id, _NOT_ALLOWED))
    kind = activity_type(activity)
    record = reaction_record(kind, activity_id, actor_id, object_id, activity)
    if kind == "Like":
        new = _save(store, ctx, activity_id, "like", actor_id, object_id, record)
        return Handled(LikeReceived(activity_id, actor_id, object_id, new))
    new = _save(store, ctx, activity_id, "announce", actor_id, object_id, record)
    return Handled(AnnounceReceived(activity_id, actor_id, object_id, new))


def _thread_root(store: Store, ctx: HandlerContext, in_reply_to: str | None) -> str | None:
    """Our post the reply belongs to: the post it answers, or the root post of the thread
    when it answers a reply we hold (FEDERATION.md#interaction-records)."""
    post = _published_post(store, ctx.urls, in_reply_to)
    if post is not None or in_reply_to is None:
        return post
    parent = store.get_interaction(in_reply_to)
    return parent.object_id if parent is not None and parent.kind == "reply" else None


def handle_reply(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """A Create (or Update) of a Note replying to one of our published posts, or to a reply
    we hold under one."""
    note = activity.get("object")
    if not isinstance(note, dict):
        return Handled(Ignored(actor_id, "no embedded object"))
    note_id = usable_id(note.get("id"))
    if note_id is None:
        return Handled(Ignored(actor_id, "no usable reply id"))
    parent = usable_id(note.get("inReplyTo"))
    root = _thread_root(store, ctx, parent)
    if root is None or parent is None:
        return _mention(ctx, activity, note, note_id, actor_id)
    if first_id(note.get("attributedTo")) != actor_id:
        return Handled(Ignored(actor_id, "reply attributed to someone else"))
    if not same_origin(note_id, actor_id):  # FEDERATION.md#one-host
        return Handled(Ignored(actor_id, "reply id not on the actor's origin"))
    if not store.domain_policies().admits(actor_id):  # FEDERATION.md#domain-policies
        return Handled(Ignored(actor_id, _NOT_ALLOWED))
    if unauthorized_quote(ctx, note, actor_id):  # FEDERATION.md#quote-consent
        return Handled(Ignored(actor_id, "quote of our post without our authorization"))
    held = store.get_interaction(note_id)
    if held is None or held.actor_id != actor_id:  # a new reply counts against the caps
        over = _reply_cap_reached(store, ctx, actor_id, root)
        if over is not None:
            _over_cap_once(actor_id, over)
            return Handled(ReplyOverCap(note_id, actor_id, root, over))
    record = reply_record(note_id, actor_id, parent, note)
    if _save(store, ctx, note_id, "reply", actor_id, root, record):
        return Handled(ReplyReceived(note_id, actor_id, root))
    if held is not None and rehold(_review(store, ctx), held.state, reply_text(record)):
        store.set_moderation(note_id, "pending")
    return Handled(ReplyUpdated(note_id, actor_id, root))


def _names_actor(note: dict[str, Any], actor: str) -> bool:
    """True when the post tags our actor as a Mention or addresses it (to, cc)."""
    tags = note.get("tag")
    for tag in tags if isinstance(tags, list) else [tags]:
        if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href") == actor:
            return True
    for field in ("to", "cc"):
        audience = note.get(field)
        if actor in (audience if isinstance(audience, list) else [audience]):
            return True
    return False


def _mention(ctx: HandlerContext, activity: dict[str, Any], note: dict[str, Any],
             note_id: str, actor_id: str) -> HandlerResult:  # fmt: skip
    """A new post (a Create) naming our actor and answering none of our posts: nothing is
    stored, the event tells the owner. Its author and id must be the sender's own."""
    if activity_type(activity) != "Create" or not _names_actor(note, ctx.urls.actor):
        return Handled(Ignored(actor_id, "not a reply to our published posts"))
    if first_id(note.get("attributedTo")) != actor_id or not same_origin(note_id, actor_id):
        return Handled(Ignored(actor_id, "mention not the sender's own post"))
    return Handled(MentionReceived(note_id, actor_id))


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


def undo_interaction(
    store: Store, inner_id: str | None, inner_type: str, actor_id: str
) -> HandlerResult:
    """The Undo of the actor's own Like or Announce (by id): the record goes."""
    if inner_id is None or not store.remove_interaction(inner_id, actor_id):
        return Handled(Ignored(actor_id, "undo of nothing we hold"))
    return Handled(_UNDONE.get(inner_type, InteractionUndone)(inner_id, actor_id))


def delete_interaction(store: Store, object_id: str | None, actor_id: str) -> HandlerResult:
    """The Delete of the actor's own reply (by the Note's id): the record goes."""
    if not object_id or not store.remove_interaction(object_id, actor_id):
        return Handled(Ignored(actor_id, "delete of nothing we hold"))
    return Handled(ReplyDeleted(object_id, actor_id))
