"""The owner's decisions about followers: approve, reject or remove, and the list.

Each decision is one store transaction: a follower removed and the Reject that tells them
are queued together (FEDERATION.md#approval, FEDERATION.md#reject-removes). Results are
JSON-ready dicts, the same for the admin API and `site-gen followers --database`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from site_core.urls import UrlScheme
from site_function.follow_responses import follow_response_body
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import Follower, FollowState, NewDelivery, Store

__all__ = [
    "answer_delivery",
    "approve_follower",
    "follower_to_dict",
    "iso_time",
    "list_followers",
    "parse_follower_state",
    "reject_follower",
]


_LISTED: tuple[FollowState, ...] = ("accepted", "pending")


def iso_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def follower_to_dict(follower: Follower) -> dict[str, Any]:
    return {
        "actor": follower.actor_id,
        "state": follower.state,
        "inbox": follower.inbox,
        "shared_inbox": follower.shared_inbox,
        "follow_id": follower.follow_id,
        "since": iso_time(follower.created_at),
    }


def parse_follower_state(text: str) -> FollowState | None:
    """`accepted`, `pending`, or `all` (None: every state), as the list takes it."""
    if text == "all":
        return None
    for state in _LISTED:
        if text == state:
            return state
    raise OwnerRequestError("state must be accepted, pending or all")


def list_followers(
    store: Store, state: FollowState | None = "accepted", *, limit: int = 1000, offset: int = 0
) -> list[dict[str, Any]]:
    return [follower_to_dict(f) for f in store.list_followers(state, limit=limit, offset=offset)]


def answer_delivery(
    kind: Literal["Accept", "Reject"], follower: Follower, urls: UrlScheme
) -> NewDelivery:
    """The Accept or Reject of a follower's Follow, ready to queue to their inbox."""
    answer_id, body = follow_response_body(kind, follower.follow_activity, urls)
    return NewDelivery(answer_id, follower.inbox, body)


def _follower(store: Store, actor_id: str) -> Follower:
    follower = store.get_follower(actor_id)
    if follower is None:
        raise OwnerRequestError(f"no follower or follow request from {actor_id}", 404)
    return follower


def approve_follower(store: Store, urls: UrlScheme, actor_id: str, now: datetime) -> dict[str, Any]:
    """Accept a pending request (FEDERATION.md#approval): the follower becomes accepted, an
    Accept is queued."""
    follower = _follower(store, actor_id)
    accepted = Follower(
        follower.actor_id,
        follower.follow_id,
        follower.inbox,
        follower.shared_inbox,
        "accepted",
        follower.follow_activity,
        follower.created_at,
        now,
    )
    store.save_follower(accepted, [answer_delivery("Accept", follower, urls)], now)
    return follower_to_dict(accepted)


def reject_follower(store: Store, urls: UrlScheme, actor_id: str, now: datetime) -> dict[str, Any]:
    """Refuse a request or remove a follower: gone from the list, a Reject queued
    (FEDERATION.md#reject-removes). Removing a follower is the same call."""
    follower = _follower(store, actor_id)
    removed = store.remove_follower(actor_id, [answer_delivery("Reject", follower, urls)], now)
    if removed is None:
        raise OwnerRequestError(f"no follower or follow request from {actor_id}", 404)
    return follower_to_dict(removed)
