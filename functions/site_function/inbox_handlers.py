"""What each verified activity does (FEDERATION.md#inbox); anything unknown is ignored.

Handlers are synchronous and run in the same worker-thread call as the inbox's block check and
idempotency record, so the common case costs one hop to the store per request. Each returns a
typed event (`inbox_events`) wrapped in `Handled`, or `NeedsActor` (`inbox_handler_types`).
They live by concern: follows (`inbox_follows`), interactions with our posts
(`inbox_interactions`), accounts speaking of themselves (`inbox_actors`).
"""

from __future__ import annotations

from typing import Any

from site_function.activity_parsing import activity_type, first_id
from site_function.inbox_actors import handle_delete, handle_move, handle_update
from site_function.inbox_events import Ignored
from site_function.inbox_follows import handle_block, handle_follow, undo_follow
from site_function.inbox_handler_types import (
    Handled,
    Handler,
    HandlerContext,
    HandlerResult,
    NeedsActor,
)
from site_function.inbox_interactions import handle_reaction, handle_reply, undo_interaction
from site_function.inbox_quotes import handle_quote_request
from site_function.store.base import Store

__all__ = [
    "Handled",
    "HandlerContext",
    "HandlerResult",
    "NeedsActor",
    "handle_activity",
]


def _undo(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """An Undo ends a follow of ours (FEDERATION.md#undo-follow) or the actor's interaction."""
    inner = activity.get("object")
    inner_id = first_id(inner)
    inner_type = activity_type(inner) if isinstance(inner, dict) else ""
    if inner_type in ("", "Follow"):
        unfollowed = undo_follow(store, ctx, inner, inner_id, actor_id)
        if unfollowed is not None:
            return unfollowed
    return undo_interaction(store, inner_id, inner_type, actor_id)


_HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Undo": _undo,
    "Block": handle_block,
    "Delete": handle_delete,
    "Move": handle_move,
    "Update": handle_update,
    "Like": handle_reaction,
    "Announce": handle_reaction,
    "Create": handle_reply,
    "QuoteRequest": handle_quote_request,
}


def handle_activity(
    store: Store, ctx: HandlerContext, activity: dict[str, Any], actor_id: str
) -> HandlerResult:
    """Run the handler of the activity's type; unknown types are ignored
    (FEDERATION.md#ignore-unknown)."""
    handler = _HANDLERS.get(activity_type(activity))
    if handler is None:
        return Handled(Ignored(actor_id, activity_type(activity)))
    return handler(store, ctx, activity, actor_id)
