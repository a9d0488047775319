"""Accept and Reject of a Follow: the two documents the function itself writes (sans-IO).

Both embed the whole Follow with its original `id`, `actor` and `object`
(FEDERATION.md#accept-embeds-follow):
Mastodon matches the answer by the Follow's id or by the embedded actor. Each answer gets a
fresh https id on our host (FEDERATION.md#response-ids); the caller supplies it so tests can pin it.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal

from site_core.serialize import serialize
from site_core.urls import UrlScheme

__all__ = ["build_follow_response", "follow_response_body", "new_activity_id"]

_AS = "https://www.w3.org/ns/activitystreams"
# Fields of the Follow a receiver may need to match it; signatures and contexts are dropped.
_FOLLOW_FIELDS = ("id", "type", "actor", "object", "to", "cc", "published")


def new_activity_id(urls: UrlScheme, kind: str) -> str:
    """A unique id for an activity the function sends, e.g. `.../ap/activities/accept-<hex>`.

    Time-ordered (nanoseconds first) so the delivery queue's unique index grows at its end
    instead of at random places, and unguessable (64 random bits after it).
    """
    return urls.function_activity(f"{kind.lower()}-{time.time_ns():016x}{secrets.token_hex(8)}")


def _embedded_follow(follow: dict[str, Any]) -> dict[str, Any]:
    return {name: follow[name] for name in _FOLLOW_FIELDS if name in follow}


def build_follow_response(
    kind: Literal["Accept", "Reject"],
    follow: dict[str, Any],
    urls: UrlScheme,
    activity_id: str,
) -> dict[str, Any]:
    """An Accept or Reject from our actor to the Follow's actor, embedding the Follow."""
    follower = follow.get("actor")
    if isinstance(follower, dict):
        follower = follower.get("id")
    return {
        "@context": _AS,
        "id": activity_id,
        "type": kind,
        "actor": urls.actor,
        "object": _embedded_follow(follow),
        "to": [follower] if isinstance(follower, str) else [],
    }


def follow_response_body(
    kind: Literal["Accept", "Reject"], follow: dict[str, Any], urls: UrlScheme
) -> tuple[str, bytes]:
    """A new answer's id and its bytes, ready for the delivery queue."""
    activity_id = new_activity_id(urls, kind)
    return activity_id, serialize(build_follow_response(kind, follow, urls, activity_id))
