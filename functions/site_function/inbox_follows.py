"""The inbox's follow handlers: Follow, the unfollow half of Undo, and Block.

A Follow is accepted at once or held for the owner (`manually_approves_followers`, or a
domain policy of `require_approval`; unknown settings hold it too); a moved account, and
allow-only mode for an unlisted domain, refuse new followers with a Reject. The Accept or
Reject is queued in the same transaction as the follower row (FEDERATION.md#accept-embeds-follow).
"""

from __future__ import annotations

from typing import Any

from site_function.activity_parsing import first_id
from site_function.follow_responses import follow_response_body
from site_function.inbox_events import (
    Blocked,
    FollowAccepted,
    FollowRefused,
    FollowRequested,
    Ignored,
    Unfollowed,
)
from site_function.inbox_handler_types import (
    Handled,
    HandlerContext,
    HandlerResult,
    NeedsActor,
    owner_settings,
)
from site_function.store.base import Follower, FollowState, NewDelivery, RemoteActor, Store

__all__ = ["handle_block", "handle_follow", "undo_follow"]

_NOT_ALLOWED = "allow-only mode does not list the domain"


def handle_follow(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """A Follow of our actor: held, accepted (Accept queued) or refused (Reject queued)."""
    follow_id = first_id(activity.get("id"))
    if first_id(activity.get("object")) != ctx.urls.actor or follow_id is None:
        return Handled(Ignored(actor_id, "follow of someone else"))
    actor = ctx.fetched if ctx.fetch_tried else store.get_actor(actor_id)
    if actor is None:
        if not ctx.fetch_tried:
            return NeedsActor(actor_id)
        return Handled(Ignored(actor_id, "follower actor could not be fetched"))
    existing = store.get_follower(actor_id)
    keep = existing is not None and existing.state == "accepted"
    owner = owner_settings(store, ctx)
    if owner is not None and owner.moved_to is not None and not keep:
        return _refuse_follow(store, ctx, activity, actor, follow_id, existing is not None)
    policies = store.domain_policies()  # FEDERATION.md#domain-policies
    if existing is None and not policies.admits(actor_id):
        return _refuse_follow(store, ctx, activity, actor, follow_id, False, _NOT_ALLOWED)
    # Unknown settings (no publish yet, no build to read) hold the request for the owner.
    held = owner is None or owner.manually_approves_followers
    held = held or policies.requires_approval(actor_id)
    state: FollowState = "pending" if held and not keep else "accepted"
    follower = Follower(
        actor_id, follow_id, actor.inbox, actor.shared_inbox, state, activity, ctx.now, ctx.now
    )
    deliveries: list[NewDelivery] = []
    if state == "accepted":  # FEDERATION.md#accept-embeds-follow; a repeat too
        answer_id, body = follow_response_body("Accept", activity, ctx.urls)
        # Records are given every field by position: their quickest construction.
        deliveries.append(NewDelivery(answer_id, actor.inbox, body, "activity"))
    store.save_follower(follower, deliveries, ctx.now)
    if deliveries:
        return Handled(FollowAccepted(actor_id, follow_id, not keep), queued=True)
    return Handled(FollowRequested(actor_id, follow_id, existing is None))


def _refuse_follow(store: Store, ctx: HandlerContext, activity: dict[str, Any],
                   actor: RemoteActor, follow_id: str, held: bool,
                   reason: str = "the account moved") -> HandlerResult:  # fmt: skip
    """A moved account takes no new followers (as on Mastodon, which refuses to follow one),
    nor does allow-only mode from an unlisted domain: Reject, and drop a request still held.
    Followers already accepted keep their Accept."""
    answer_id, body = follow_response_body("Reject", activity, ctx.urls)
    reject = [NewDelivery(answer_id, actor.inbox, body)]
    if held:
        store.remove_follower(actor.id, reject, ctx.now)
    else:
        store.enqueue(reject, ctx.now)
    return Handled(FollowRefused(actor.id, follow_id, reason), queued=True)


def undo_follow(
    store: Store, ctx: HandlerContext, inner: Any, inner_id: str | None, actor_id: str
) -> Handled | None:
    """The Undo of the actor's Follow of us: the follower (or request) is removed. None when
    the Undo does not end a follow of ours (it may undo an interaction instead)."""
    if not _undoes_our_follow(store, ctx, inner, inner_id, actor_id):
        return None
    store.remove_follower(actor_id, (), ctx.now)
    return Handled(Unfollowed(actor_id))


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


def handle_block(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """Someone blocked our actor: they stop being a follower (FEDERATION.md#blocked-by)."""
    if first_id(activity.get("object")) != ctx.urls.actor:
        return Handled(Ignored(actor_id, "block of someone else"))
    removed = store.remove_follower(actor_id, (), ctx.now)
    return Handled(Blocked(actor_id, follower_removed=removed is not None))
