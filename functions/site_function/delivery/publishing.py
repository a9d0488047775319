"""Turn a publish plan into queued deliveries: audiences, the ledger, moves, the dry run.

A plan (from `site_core.publish.plan`, made by the CLI from the built site and the ledger) is
applied here in ONE store transaction (`save_published`): the ledger rows and every delivery
row, or nothing. The queue ignores a duplicate (activity id, inbox), so two overlapping
publishes never send anything twice.

Audience of each activity (FEDERATION.md#audience): the distinct inboxes of accepted followers (the
shared inbox where a server has one, the personal inbox where not), plus the inboxes of the
accounts the post mentions and of the author it replies to; blocked accounts and domains are
skipped, and the dry run names them. An Update or a Delete of a post also goes to every inbox
its earlier Create and Updates were queued for (the queue table remembers them): a Delete must
reach the same audience as the Create (FEDERATION.md#tombstones), including accounts mentioned then
and followers who left since, and an edit must reach whoever holds the old text. A block
made since wins over that memory: an inbox only blocked accounts are known to use is left out,
a shared inbox other recipients still use is kept and the dry run says so (`blocked_audience`).

A dry run writes nothing: actors it must look up are fetched but not cached. A real one
also stores the owner's settings the plan states (`Store.save_published(owner=...)`), for
the inbox to act on, and queues the revocation of the quote authorizations the plan takes
away (`quote_revocations`), in the same transaction.

The checks a plan passes first (made for this site, by our actor, no post re-created at a
deleted id) are the owner's service `site_function.owner.publishing`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from site_core.publish.plan import (
    LedgerItem,
    LedgerState,
    PlannedActivity,
    PublishPlan,
    is_post_activity,
    post_activity_prefixes,
)
from site_function.delivery.blocked_audience import (
    BlockScreen,
    SharedWithBlocked,
    addressed_in,
    screen_inboxes,
)
from site_function.delivery.quote_revocations import revocation_deliveries
from site_function.store.base import NewDelivery, PublishedObject, RemoteActor, Store

if TYPE_CHECKING:
    from site_core.urls import UrlScheme
    from site_function.actor_lookup import ActorLookup
    from site_remote.client import FetchResult

__all__ = [
    "META_ACTOR_HASH",
    "META_INITIALIZED",
    "META_MOVED_TO",
    "Audience",
    "FanOutContext",
    "PublishOutcome",
    "apply_plan",
    "earlier_inboxes",
    "ledger_state",
    "queue_to_followers",
    "summary_as_dict",
]

META_INITIALIZED = "publish.initialized"
META_ACTOR_HASH = "publish.actor_hash"
META_MOVED_TO = "publish.moved_to"
_PAGE = 500


class FanOutContext(Protocol):
    """What fan-out needs from the function's runtime (`FunctionRuntime` provides it)."""

    @property
    def store(self) -> Store: ...

    @property
    def urls(self) -> UrlScheme: ...

    def clock(self) -> datetime: ...

    def call(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]: ...

    async def actor(self, actor_id: str, *, refresh: bool = False) -> RemoteActor | None: ...

    async def fetch(self, url: str) -> FetchResult: ...

    async def fetch_actor(self, actor_id: str) -> ActorLookup: ...


@dataclass
class Audience:
    """Who one activity goes to; what the dry run shows."""

    activity_id: str
    followers: int
    inboxes: list[str]
    extra: dict[str, str | None] = field(default_factory=dict)  # actor -> inbox (None: unknown)
    blocked: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # inboxes added: they got the post before
    # shared inboxes kept for other recipients although blocked accounts use them
    shared_with_blocked: list[SharedWithBlocked] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "followers": self.followers,
            "inboxes": len(self.inboxes),
            "extra": self.extra,
            "blocked": self.blocked,
            "earlier": len(self.earlier),
            "shared_with_blocked": [entry.as_dict() for entry in self.shared_with_blocked],
        }


@dataclass
class PublishOutcome:
    """What applying a plan did (or, in a dry run, would do)."""

    dry_run: bool
    first_publish: bool
    audiences: list[Audience]
    queued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "first_publish": self.first_publish,
            "queued": self.queued,
            "audiences": [a.as_dict() for a in self.audiences],
        }


def ledger_state(store: Store) -> LedgerState:
    """The ledger as the planner wants it (synchronous: call it in a worker thread)."""
    items = tuple(
        LedgerItem(p.object_id, p.slug, p.content_hash, p.updated, p.state)
        for p in store.list_published()
    )
    return LedgerState(
        items, store.get_meta(META_INITIALIZED) is not None, store.get_meta(META_ACTOR_HASH)
    )


def _blocked_followers(store: Store) -> list[str]:
    """Accepted followers a block covers (normally none: blocking removes followers)."""
    blocked: list[str] = []
    offset = 0
    while True:
        page = store.list_followers("accepted", limit=_PAGE, offset=offset)
        blocked += [f.actor_id for f in page if store.is_blocked(f.actor_id)]
        if len(page) < _PAGE:
            return blocked
        offset += _PAGE


def _author_of(document: dict[str, Any]) -> str | None:
    author = document.get("attributedTo") or document.get("actor")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("id")
    return author if isinstance(author, str) else None


async def _extra_recipients(
    ctx: FanOutContext, planned: PlannedActivity, own_prefix: str
) -> list[str]:
    """Mentioned accounts, and the author of the post replied to (unless it is one of ours)."""
    actors = list(planned.extra_actors)
    reply = planned.in_reply_to
    if reply and not reply.startswith(own_prefix):
        result = await ctx.fetch(reply)
        author = _author_of(result.document) if result.ok and result.document else None
        if author:
            actors.append(author)
    return list(dict.fromkeys(actors))


def earlier_inboxes(store: Store, urls: UrlScheme, slug: str) -> list[str]:
    """Inboxes the post's Create and Updates were queued for (and not refused): the
    audience a Delete must reach again (FEDERATION.md#tombstones), before any block is
    applied (`screen_inboxes` does that). Synchronous."""
    rows = store.activity_inboxes(post_activity_prefixes(urls, slug))
    return list(
        dict.fromkeys(
            inbox for activity_id, inbox in rows if is_post_activity(activity_id, urls, slug)
        )
    )


def _screen(
    store: Store,
    urls: UrlScheme,
    planned: PlannedActivity,
    current: list[str],
    addressed: list[str],
    blocked_mentions: list[str],
) -> BlockScreen:
    """The activity's audience screened against the blocks; for an Update or a Delete, with
    the inboxes (and addressees) of the post's earlier activities. Synchronous."""
    earlier: list[str] = []
    addressed = list(addressed)
    if planned.kind in ("update", "delete") and planned.slug:
        earlier = earlier_inboxes(store, urls, planned.slug)
        prefixes = post_activity_prefixes(urls, planned.slug)
        for activity_id, body in store.activity_bodies(prefixes):
            if is_post_activity(activity_id, urls, planned.slug):
                addressed += addressed_in(body)
    if not earlier and not blocked_mentions:
        return BlockScreen()
    return screen_inboxes(store, current, earlier, addressed, blocked_mentions)


async def _resolve(ctx: FanOutContext, actor_id: str, *, dry_run: bool) -> RemoteActor | None:
    """The actor (cached, else fetched); a dry run does not write what it fetched."""
    if not dry_run:
        return await ctx.actor(actor_id)
    known: RemoteActor | None = await ctx.call(ctx.store.get_actor, actor_id)
    return known if known is not None else (await ctx.fetch_actor(actor_id)).actor


async def _audience(
    ctx: FanOutContext,
    planned: PlannedActivity,
    targets: list[str],
    followers: int,
    blocked_followers: list[str],
    own_prefix: str,
    dry_run: bool,
) -> Audience:
    audience = Audience(
        planned.activity_id, followers, list(targets), blocked=list(blocked_followers)
    )
    extras = await _extra_recipients(ctx, planned, own_prefix)
    blocked_mentions: list[str] = []
    for actor_id in extras:
        if await ctx.call(ctx.store.is_blocked, actor_id):
            blocked_mentions.append(actor_id)
            continue
        actor = await _resolve(ctx, actor_id, dry_run=dry_run)
        inbox = (actor.shared_inbox or actor.inbox) if actor is not None else None
        audience.extra[actor_id] = inbox
        if inbox and inbox not in audience.inboxes:
            audience.inboxes.append(inbox)
    screen: BlockScreen = await ctx.call(
        _screen, ctx.store, ctx.urls, planned, audience.inboxes, extras, blocked_mentions
    )
    shared = {actor for entry in screen.shared for actor in entry.blocked}
    audience.blocked += [a for a in [*blocked_mentions, *screen.skipped] if a not in shared]
    audience.blocked = list(dict.fromkeys(audience.blocked))
    audience.shared_with_blocked = screen.shared
    audience.inboxes += screen.kept
    audience.earlier += screen.kept
    return audience


def _body(activity: dict[str, Any]) -> bytes:
    from site_core.serialize import serialize

    return serialize(activity)


async def apply_plan(
    ctx: FanOutContext, plan: PublishPlan, *, own_prefix: str, dry_run: bool = False
) -> PublishOutcome:
    """Queue a plan's deliveries with its ledger rows atomically (or only report, dry run).

    `own_prefix` is `urls.post_object("")`: replies to our own posts need no extra inbox.
    """
    store = ctx.store
    targets: list[str] = await ctx.call(store.delivery_targets)
    followers: int = await ctx.call(store.count_followers)
    blocked: list[str] = await ctx.call(_blocked_followers, store) if dry_run else []
    audiences = [
        await _audience(ctx, planned, targets, followers, blocked, own_prefix, dry_run)
        for planned in plan.activities
    ]
    outcome = PublishOutcome(dry_run, plan.first_publish, audiences)
    if dry_run:
        return outcome
    now = ctx.clock()
    deliveries = [
        NewDelivery(planned.activity_id, inbox, body)
        for planned, audience in zip(plan.activities, audiences, strict=True)
        for body in (_body(planned.activity),)
        for inbox in audience.inboxes
    ]
    rows = [
        PublishedObject(i.object_id, i.slug, i.content_hash, i.updated, i.state, now, now)
        for i in plan.ledger
    ]
    # FEDERATION.md#quote-consent: a deleted post, or one nobody may quote now, revokes.
    deliveries += await ctx.call(revocation_deliveries, store, ctx.urls, plan)

    meta = {META_ACTOR_HASH: plan.actor_hash, META_INITIALIZED: now.isoformat()}
    await ctx.call(
        functools.partial(store.save_published, rows, deliveries, now, owner=plan.owner, meta=meta)
    )
    outcome.queued = len(deliveries)
    return outcome


async def queue_to_followers(ctx: FanOutContext, activities: Sequence[dict[str, Any]]) -> int:
    """Queue activities (a Move, an Update) to every follower inbox; returns rows added."""
    targets: list[str] = await ctx.call(ctx.store.delivery_targets)
    deliveries = [
        NewDelivery(str(activity["id"]), inbox, _body(activity))
        for activity in activities
        for inbox in targets
    ]
    added: int = await ctx.call(ctx.store.enqueue, deliveries, ctx.clock())
    return added


def summary_as_dict(store: Store) -> dict[str, Any]:
    """`deliveries status` as JSON: counts per state and per host, with errors and pauses."""
    summary = store.delivery_summary()
    return {
        "counts": dict(summary.counts),
        "retrying": summary.retrying,
        "hosts": [
            {
                "host": h.host,
                "queued": h.queued,
                "retrying": h.retrying,
                "failed": h.failed,
                "done": h.done,
                "last_error": h.last_error,
                "paused_until": h.paused_until.isoformat() if h.paused_until else None,
            }
            for h in summary.hosts
        ],
    }
