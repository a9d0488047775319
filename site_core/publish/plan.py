"""Decide what to tell followers: the built site compared with the delivery ledger.

Pure: the built site, the ledger rows, the actor hash last announced and `now` go in; the
activities to send and the ledger rows to write come out. The function (or the CLI with
`--database`) then queues both in one transaction, so a publish is all or nothing and a
second run plans nothing.

Rules (issue 4):

- first publish of a site (empty, never-initialised ledger): every post is recorded as sent
  and nothing old is delivered (FEDERATION.md#realtime-window); the actor's hash is recorded too;
- a post missing from the ledger: Create;
- a post whose id the ledger holds as deleted is refused (`ContentError`): receivers keep the
  tombstone and reject any later Create of that id (FEDERATION.md#tombstones), so the post needs a
  new slug;
- a post whose `updated` is later than the ledger's: Update. Without an `updated` date in the
  front matter an edit is a silent fix and does not federate, even though its hash changed;
- a live ledger row missing from the build: Delete (the ledger keeps it as "deleted", and the
  object URL answers 410 with a Tombstone);
- the actor document changed (its hash): Update{Person} (FEDERATION.md#update-person).

Every plan also carries the site's identity (`base_url`, `username`, where the function
answers) and the owner's settings as the built actor states them (`owner_settings`), with the
review policy of site.yaml (given, as it is not in the public build) and the quote choice of
each post (read from its built object's `canQuote`): the function refuses a plan for another
site, and keeps the settings for its inbox.

`published` of a new post (FEDERATION.md#realtime-window): Mastodon puts a status in home timelines
only if its `published` is less than 6 hours old. A new post keeps its front-matter date when that
date is within `FRESH_WINDOW` of the publish time; an older date (a backdated post, a late deploy)
is replaced in the sent Create and its object by the publish time, so followers see the post in
their timelines. The page and the static object keep the front-matter date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from site_core.errors import ContentError
from site_core.interaction_policy import QuotePolicy
from site_core.publish.built_site import BuiltPost, BuiltSite, document_hash
from site_core.publish.owner_settings import OwnerSettings, ReviewPolicy, SiteIdentity
from site_core.urls import UrlScheme

__all__ = [
    "FRESH_WINDOW",
    "FUTURE_SLACK",
    "ActivityKind",
    "LedgerItem",
    "LedgerState",
    "PlannedActivity",
    "PublishPlan",
    "is_post_activity",
    "plan_publish",
    "post_activity_prefixes",
]

FUTURE_SLACK = timedelta(minutes=5)  # clock skew between the author's machine and the runner
FRESH_WINDOW = timedelta(hours=5)  # under Mastodon's 6 h REAL_TIME_WINDOW, with slack to deliver
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ActivityKind = Literal["create", "update", "delete", "update-actor", "move"]


@dataclass(frozen=True)
class LedgerItem:
    """One ledger row as publishing sees it (the store's PublishedObject, minus timestamps)."""

    object_id: str
    slug: str
    content_hash: str
    updated: datetime | None
    state: Literal["live", "deleted"]


@dataclass(frozen=True)
class LedgerState:
    """The ledger of the function: its rows, whether it was initialised, the actor's hash."""

    items: tuple[LedgerItem, ...] = ()
    initialized: bool = False
    actor_hash: str | None = None


@dataclass(frozen=True)
class PlannedActivity:
    """One activity to send to every follower inbox, plus inboxes of `extra_actors`."""

    kind: ActivityKind
    activity: dict[str, Any]
    object_id: str
    slug: str | None = None
    extra_actors: tuple[str, ...] = ()  # mentioned accounts (their inboxes get it too)
    in_reply_to: str | None = None  # the replied-to object: its author gets it too
    note: str = ""  # a remark for the dry-run report

    @property
    def activity_id(self) -> str:
        return str(self.activity["id"])


@dataclass(frozen=True)
class PublishPlan:
    """What one publish sends and records."""

    activities: tuple[PlannedActivity, ...]
    ledger: tuple[LedgerItem, ...]
    actor_hash: str
    first_publish: bool
    unchanged: int = 0
    silent_edits: tuple[str, ...] = field(default=())  # slugs changed without `updated`
    # Who the site is and what its actor says; None only in a plan from an older site-gen.
    identity: SiteIdentity | None = None
    owner: OwnerSettings | None = None

    @property
    def empty(self) -> bool:
        return not self.activities


def _ledger_item(post: BuiltPost, state: Literal["live", "deleted"] = "live") -> LedgerItem:
    return LedgerItem(post.object_id, post.slug, post.content_hash, post.updated, state)


_UPDATE_STAMP = re.compile(r"\d{8}T\d{6}Z")  # what `_stamp` writes


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _create(post: BuiltPost, now: datetime) -> tuple[dict[str, Any], str]:
    activity = dict(post.create)
    if now - post.published <= FRESH_WINDOW:
        return activity, ""
    obj = dict(post.object)
    obj["published"] = _iso(now)
    if "updated" in obj and post.updated is not None and post.updated <= now:
        del obj["updated"]  # an updated time before the new published would be refused
    activity["object"] = obj
    activity["published"] = obj["published"]
    note = f"dated {_iso(post.published)}: sent as published now, so it reaches home timelines"
    return activity, note


def _update(post: BuiltPost, urls: UrlScheme) -> dict[str, Any]:
    """Update with the full object; the id carries the `updated` time (one id per edit)."""
    assert post.updated is not None
    create = post.create
    return {
        "@context": create.get("@context"),
        "id": urls.activity(f"update-{post.slug}-{_stamp(post.updated)}"),
        "type": "Update",
        "actor": urls.actor,
        "published": _iso(post.updated),
        "to": create.get("to", [PUBLIC]),
        "cc": create.get("cc", [urls.followers]),
        "object": post.object,
    }


def post_activity_prefixes(urls: UrlScheme, slug: str) -> tuple[str, str]:
    """The id of a post's Create and the prefix of its Updates' ids (queue lookups)."""
    return urls.activity(f"create-{slug}"), urls.activity(f"update-{slug}-")


def is_post_activity(activity_id: str, urls: UrlScheme, slug: str) -> bool:
    """True if `activity_id` is the Create or one of the Updates of the post at `slug`
    (not of another post whose slug merely starts with it)."""
    create_id, update_prefix = post_activity_prefixes(urls, slug)
    if activity_id == create_id:
        return True
    stamp = activity_id[len(update_prefix) :] if activity_id.startswith(update_prefix) else ""
    return len(stamp) == 16 and _UPDATE_STAMP.fullmatch(stamp) is not None


def _delete(item: LedgerItem, urls: UrlScheme, context: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "id": urls.activity(f"delete-{item.slug}"),
        "type": "Delete",
        "actor": urls.actor,
        "to": [PUBLIC],
        "cc": [urls.followers],
        "object": {"id": item.object_id, "type": "Tombstone"},
    }


def _update_actor(
    actor: dict[str, Any], urls: UrlScheme, actor_hash: str, now: datetime
) -> dict[str, Any]:
    """Update{Person} (FEDERATION.md#update-person); the id carries the time, as a profile can come
    back to an earlier state and the queue never sends one activity id to one inbox twice."""
    body = {key: value for key, value in actor.items() if key != "@context"}
    return {
        "@context": actor.get("@context"),
        "id": urls.activity(f"update-actor-{actor_hash[:16]}-{_stamp(now)}"),
        "type": "Update",
        "actor": urls.actor,
        "to": [PUBLIC],
        "cc": [urls.followers],
        "object": body,
    }


def actor_hash_of(actor: dict[str, Any]) -> str:
    """The hash that tells whether the profile changed since it was last announced."""
    return document_hash(actor)


def _refuse_reused_ids(site: BuiltSite, known: dict[str, LedgerItem]) -> None:
    """Refuse posts at ids announced as deleted: Mastodon would drop them
    (FEDERATION.md#tombstones)."""
    reused = sorted(
        post.slug
        for post in site.posts
        if (before := known.get(post.object_id)) is not None and before.state == "deleted"
    )
    if reused:
        raise ContentError(
            "these posts use the slug of a post that was deleted and announced as deleted: "
            + ", ".join(reused)
            + ". Servers keep the deleted id and refuse a new post at it:"
            " give each post a new slug (front matter 'slug:' or another file name)"
        )


def _refuse_future_updates(site: BuiltSite, known: dict[str, LedgerItem], now: datetime) -> None:
    """Refuse `updated` dates in the future in posts this publish would send or record: receivers
    apply an edit only if its `updated` is newer than the last (FEDERATION.md#update-newer), so
    after such an Update every real edit until that date would be ignored, and the ledger would not
    send it either. Posts the ledger already holds unchanged are not looked at."""
    future = sorted(
        f"{post.slug} (updated {_iso(post.updated)})"
        for post in site.posts
        if post.updated is not None
        and post.updated > now + FUTURE_SLACK
        and (
            (before := known.get(post.object_id)) is None
            or before.updated != post.updated
            or before.content_hash != post.content_hash
        )
    )
    if future:
        raise ContentError(
            "these posts have an 'updated' date in the future: "
            + ", ".join(future)
            + f". It is now {_iso(now)}; servers would ignore every later edit until that"
            " date. Fix 'updated' in their front matter and rebuild"
        )


def plan_publish(
    site: BuiltSite,
    ledger: LedgerState,
    urls: UrlScheme,
    now: datetime,
    review: ReviewPolicy | None = None,
) -> PublishPlan:
    """The activities and ledger rows of one publish; see the module docstring for the rules.
    `review` is site.yaml's review policy (None: the default, hold everything).

    Raises `ContentError` if a post reuses the id of a deleted post, or has an `updated`
    date in the future (nothing is planned).
    """
    known = {item.object_id: item for item in ledger.items}
    _refuse_future_updates(site, known, now)
    actor_hash = actor_hash_of(site.actor)
    identity = SiteIdentity.of(urls)
    quotes = QuotePolicy.of_objects(((post.object_id, post.object) for post in site.posts), urls)
    owner = replace(
        OwnerSettings.from_actor(site.actor), review=review or ReviewPolicy(), quotes=quotes
    )
    if not ledger.initialized and not ledger.items:
        first = tuple(_ledger_item(post) for post in site.posts)
        return PublishPlan((), first, actor_hash, True, len(first), identity=identity, owner=owner)

    _refuse_reused_ids(site, known)
    planned = _Planned()
    # Oldest first, so followers' timelines get the posts in the order they were written.
    for post in sorted(site.posts, key=lambda p: (p.published, p.slug)):
        _plan_post(planned, post, known.get(post.object_id), urls, now)
    _plan_deletes(planned, site, ledger, urls)
    if ledger.actor_hash is not None and ledger.actor_hash != actor_hash:
        planned.activities.append(
            PlannedActivity(
                "update-actor", _update_actor(site.actor, urls, actor_hash, now), urls.actor
            )
        )
    return PublishPlan(
        tuple(planned.activities),
        tuple(planned.rows),
        actor_hash,
        False,
        planned.unchanged,
        tuple(planned.silent),
        identity=identity,
        owner=owner,
    )


@dataclass
class _Planned:
    """What `plan_publish` collects while it walks the posts and the ledger."""

    activities: list[PlannedActivity] = field(default_factory=list)
    rows: list[LedgerItem] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # slugs whose text changed, no `updated`
    unchanged: int = 0


def _plan_post(
    planned: _Planned, post: BuiltPost, before: LedgerItem | None, urls: UrlScheme, now: datetime
) -> None:
    """A new post is created, a newer `updated` date sends an Update; else nothing is sent."""
    if before is None:
        activity, note = _create(post, now)
        planned.activities.append(
            PlannedActivity(
                "create",
                activity,
                post.object_id,
                post.slug,
                post.mentions,
                post.in_reply_to,
                note,
            )
        )
        planned.rows.append(_ledger_item(post))
    elif post.updated is not None and (before.updated is None or post.updated > before.updated):
        planned.activities.append(
            PlannedActivity(
                "update",
                _update(post, urls),
                post.object_id,
                post.slug,
                post.mentions,
                post.in_reply_to,
            )
        )
        planned.rows.append(_ledger_item(post))
    else:
        planned.unchanged += 1
        if post.content_hash != before.content_hash:
            planned.silent.append(post.slug)
            planned.rows.append(_ledger_item(post))  # remember the new text, send nothing


def _plan_deletes(planned: _Planned, site: BuiltSite, ledger: LedgerState, urls: UrlScheme) -> None:
    """Every live post of the ledger that the site no longer builds is deleted."""
    built_ids = {post.object_id for post in site.posts}
    context = site.posts[0].create.get("@context") if site.posts else site.actor.get("@context")
    for item in ledger.items:
        if item.state == "live" and item.object_id not in built_ids:
            planned.activities.append(
                PlannedActivity("delete", _delete(item, urls, context), item.object_id, item.slug)
            )
            planned.rows.append(
                LedgerItem(item.object_id, item.slug, item.content_hash, item.updated, "deleted")
            )
