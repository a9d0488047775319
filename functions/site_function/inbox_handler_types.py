"""What the inbox's handlers are given and what they give back.

A handler gets the store (inside the inbox's one transaction), a `HandlerContext` and the
verified activity with its actor's id. It returns `Handled` (a typed event, plus what the
inbox must do after the commit), or `NeedsActor` when it needs a remote document first: the
inbox then rolls back, fetches it (async, signed) and runs the handler again with it in
`HandlerContext.fetched`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from site_core.urls import UrlScheme
from site_function.frozen_record import FrozenRecord
from site_function.inbox_events import InboxEvent
from site_function.interaction_records import InteractionLimits
from site_function.store.base import OwnerSettings, RemoteActor, Store

__all__ = [
    "Handled",
    "Handler",
    "HandlerContext",
    "HandlerResult",
    "NeedsActor",
    "owner_settings",
]

_DEFAULT_LIMITS = InteractionLimits()


class Handled(NamedTuple):
    """A handler's result: what happened (`event`), whether the delivery queue grew (wake
    the drainer), and whose cached keys to forget once the transaction committed. This and
    `HandlerContext` are NamedTuples: one of each is built per request, in C."""

    event: InboxEvent
    queued: bool = False
    forget_keys_of: str | None = None

    @property
    def note(self) -> str:
        """The event in words, for logs and an answer's detail."""
        return self.event.describe()


class NeedsActor(FrozenRecord):
    """Fetch this actor (`refresh`: even if cached) and call the handler again with it."""

    actor_id: str
    refresh: bool = False


class HandlerContext(NamedTuple):
    """What handlers know besides the store: our URLs, the time, and the owner's settings
    the function read from the build (`owner_fallback`), which count only until a publish
    stored them (`Store.get_owner_settings`)."""

    urls: UrlScheme
    owner_fallback: OwnerSettings | None
    now: datetime
    fetched: RemoteActor | None = None
    fetch_tried: bool = False
    limits: InteractionLimits = _DEFAULT_LIMITS
    stamp_key: bytes = b""  # stamps quote authorizations (`Settings.stamp_key`)


HandlerResult = Handled | NeedsActor
Handler = Callable[[Store, HandlerContext, dict[str, Any], str], HandlerResult]


def owner_settings(store: Store, ctx: HandlerContext) -> OwnerSettings | None:
    """The owner's settings: as last published, else as the build states them, else None
    (unknown: nothing may be decided that the owner might want to decide)."""
    return store.get_owner_settings() or ctx.owner_fallback
