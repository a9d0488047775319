"""Fetching a remote actor the inbox needs, and what its failure means for the sender.

Issue 3: a Follow whose follower cannot be fetched must not be answered 202 (the sender
would never retry, and the follow would be lost). A transient failure (network trouble, a
timeout, 5xx, 408, 429) answers 503 with Retry-After, which Mastodon and others retry; a
permanent one (410, an address we refuse, a document that is not a usable actor, any other
4xx) answers 4xx. Nothing is stored either way. Sans-IO: it reads a `FetchResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from site_function.remote_actors import actor_from_document
from site_function.store.base import RemoteActor

__all__ = ["ActorLookup", "LookupFailure", "actor_lookup_from", "failure_kind"]

LookupFailure = Literal["", "transient", "permanent", "refused"]
_TRANSIENT_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class ActorLookup:
    """The actor, or why not (`failure` is "" exactly when `actor` is set)."""

    actor: RemoteActor | None
    failure: LookupFailure = ""
    detail: str = ""


def failure_kind(result: Any) -> LookupFailure:
    """How a failed `FetchResult` counts for the sender: transient, refused or permanent."""
    outcome = result.outcome
    if outcome == "network_error":
        return "transient"
    if outcome == "refused":
        return "refused"
    if outcome == "http_error" and result.status is not None:
        status = int(result.status)
        if status >= 500 or status in _TRANSIENT_STATUSES:
            return "transient"
    return "permanent"  # gone, too_large, bad_type, bad_json, other 4xx, redirect loops


def actor_lookup_from(result: Any, actor_id: str, now: datetime) -> ActorLookup:
    """Read a `site_remote.FetchResult` of `actor_id` as an `ActorLookup`."""
    if not result.ok or result.document is None:
        status = f" {result.status}" if result.status else ""
        return ActorLookup(
            None, failure_kind(result), f"fetching {actor_id}: {result.outcome}{status}"
        )
    actor = actor_from_document(result.document, now)
    if actor is None or actor.id != actor_id:
        return ActorLookup(None, "permanent", f"{actor_id} is not a usable actor document")
    return ActorLookup(actor)
