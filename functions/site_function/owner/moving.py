"""Moving away: the Move every follower gets, checked before it is queued
(FEDERATION.md#move-aliases).

A Move must be by our actor about our actor, with an id and a target; and the target must
list our actor in its `alsoKnownAs` (and not have moved on itself), or Mastodon ignores it.
`queue_move` checks both (fetching the target, signed) whether the Move comes over the admin
API or from `site-gen move --database`, then queues it to every follower inbox and records
where we moved.
"""

from __future__ import annotations

from typing import Any

from site_function.delivery.publishing import META_MOVED_TO, FanOutContext, queue_to_followers
from site_function.owner.errors import OwnerRequestError

__all__ = ["check_move", "move_refusal", "queue_move"]


def check_move(activity: object, our_actor: str) -> dict[str, Any]:
    """The Move activity if its shape is right, else a 400 saying what it needs."""
    if (
        not isinstance(activity, dict)
        or activity.get("type") != "Move"
        or activity.get("actor") != our_actor
        or activity.get("object") != our_actor
        or not isinstance(activity.get("target"), str)
        or not isinstance(activity.get("id"), str)
    ):
        raise OwnerRequestError("a Move needs id, actor = object = our actor, and a target")
    return activity


def move_refusal(target: dict[str, Any], our_actor: str) -> str | None:
    """Why Mastodon would ignore a Move to this actor, or None if it would not
    (FEDERATION.md#move-aliases)."""
    if not isinstance(target.get("id"), str):
        return "the new account's actor document has no id"
    aliases = target.get("alsoKnownAs") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if our_actor not in aliases:
        return (
            f"the new account does not list {our_actor} in its alsoKnownAs; add this site's "
            "account as an alias on the new server first (Mastodon: Preferences > Account > "
            "Moving from a different account), then run move again"
        )
    if target.get("movedTo"):
        return f"the new account has itself moved to {target['movedTo']}"
    return None


async def _check_target(ctx: FanOutContext, target: str) -> None:
    result = await ctx.fetch(target)
    if not result.ok or result.document is None:
        raise OwnerRequestError(
            f"cannot fetch the new account {target}: {result.outcome} {result.detail}", 502
        )
    reason = move_refusal(result.document, ctx.urls.actor)
    if reason is not None:
        raise OwnerRequestError(f"not moving to {target}: {reason}", 409)


async def queue_move(ctx: FanOutContext, activity: object) -> int:
    """Check the Move and its target, queue it to every follower inbox, record the target;
    returns the rows queued. The caller wakes the drain."""
    move = check_move(activity, ctx.urls.actor)
    target = str(move["target"])
    await _check_target(ctx, target)
    queued = await queue_to_followers(ctx, [move])
    await ctx.call(ctx.store.set_meta, META_MOVED_TO, target)
    return queued
