"""The inbox's answer as a value: a status, a machine reason, and what happened.

Every stage of `inbox_pipeline` either hands on or ends with an `InboxOutcome`; the route
turns it into the HTTP answer. An accepted activity carries the handler's event, which tests
read (and, later, notifications).
"""

from __future__ import annotations

from site_function.actor_lookup import ActorLookup
from site_function.frozen_record import FrozenRecord
from site_function.inbox_events import InboxEvent

__all__ = [
    "RETRY_AFTER_SECONDS",
    "InboxOutcome",
    "actor_fetch_failed",
    "blocked",
]

RETRY_AFTER_SECONDS = 60


class InboxOutcome(FrozenRecord):
    """The answer: an HTTP status and a short machine reason (plus a human detail), whether
    the delivery queue grew, and for an accepted activity what its handler did (`event`)."""

    status: int
    reason: str
    detail: str = ""
    queued: bool = False
    retry_after: int | None = None
    event: InboxEvent | None = None


_BLOCKED = InboxOutcome(403, "blocked", "this server does not accept your activities")


def blocked() -> InboxOutcome:
    """The answer to a blocked account or domain: nothing fetched, nothing stored."""
    return _BLOCKED


def actor_fetch_failed(lookup: ActorLookup) -> InboxOutcome:
    """Nothing was stored: a transient failure asks the sender to retry (5xx is retried by
    Mastodon, GoToSocial and others); a permanent one says why with a 4xx."""
    if lookup.failure == "transient":
        return InboxOutcome(
            503, "actor_unavailable", lookup.detail, retry_after=RETRY_AFTER_SECONDS
        )
    if lookup.failure == "refused":
        return InboxOutcome(403, "actor_refused", lookup.detail)
    return InboxOutcome(400, "actor_unusable", lookup.detail)
