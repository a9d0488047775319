"""Who an Update and a Delete go to: everyone the Create went to, plus current followers.

Through `DatabaseBackend` (the engine the function runs) on a real SQLite file; the
mentioned account is in the actor cache, so nothing goes over the network.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from site_function.store import Follower, RemoteActor

from site_core.publish.built_site import BuiltSite
from site_core.publish.plan import LedgerState, PublishPlan, plan_publish
from site_gen.cli.publish_backends import DatabaseBackend
from site_gen.config import SiteConfig
from site_gen.publish.built_output import read_built_site
from site_gen.publish.report import format_plan

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FOLLOWER_INBOX = "https://follower.example/inbox"
FRIEND = "https://friend.example/users/bob"
FRIEND_INBOX = "https://friend.example/users/bob/inbox"
LEFT_INBOX = "https://left.example/inbox"
SLUG = "static-sites"


def _follower(actor: str, inbox: str) -> Follower:
    follow = {"id": actor + "#follow", "type": "Follow", "actor": actor}
    return Follower(actor, actor + "#follow", inbox, inbox, "accepted", follow, NOW, NOW)


@pytest.fixture
def backend(site: SiteConfig, tmp_path: Path) -> Iterator[DatabaseBackend]:
    opened = DatabaseBackend(site, f"sqlite:///{tmp_path / 'state.sqlite3'}", env={})
    store = opened._runtime.store
    store.save_follower(_follower("https://follower.example/users/f", FOLLOWER_INBOX))
    store.save_follower(_follower("https://left.example/users/l", LEFT_INBOX))
    store.save_actor(RemoteActor(FRIEND, FRIEND_INBOX, None, None, None, (), {"id": FRIEND}, NOW))
    yield opened
    opened.close()


def _with_post(built: BuiltSite, **changes: object) -> BuiltSite:
    posts = tuple(
        dataclasses.replace(post, **changes) if post.slug == SLUG else post  # type: ignore[arg-type]
        for post in built.posts
    )
    return BuiltSite(built.actor, posts)


def _inboxes(backend: DatabaseBackend, plan: PublishPlan) -> set[str]:
    [activity_id] = [planned.activity_id for planned in plan.activities]
    rows = backend._runtime.store.list_deliveries(limit=1000)
    return {row.inbox for row in rows if row.activity_id == activity_id}


def _publish(backend: DatabaseBackend, site: SiteConfig, built: BuiltSite) -> PublishPlan:
    plan = plan_publish(built, backend.ledger(), site.urls, NOW)
    backend.publish(plan, dry_run=False)
    return plan


def test_update_and_delete_reach_everyone_the_create_reached(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    built = read_built_site(site.output_dir, site.urls)
    without = BuiltSite(built.actor, tuple(p for p in built.posts if p.slug != SLUG))
    assert plan_publish(without, LedgerState(), site.urls, NOW).first_publish
    _publish(backend, site, without)

    # A new post mentioning bob: the followers' inboxes and bob's.
    mentioning = _with_post(built, mentions=(FRIEND,))
    create = _publish(backend, site, mentioning)
    assert [p.kind for p in create.activities] == ["create"]
    assert _inboxes(backend, create) == {FOLLOWER_INBOX, LEFT_INBOX, FRIEND_INBOX}

    # One follower leaves; an edit that still mentions bob goes to bob again (and to the
    # one who left, who holds the old text).
    backend._runtime.store.remove_follower("https://left.example/users/l")
    edited = _with_post(mentioning, updated=NOW - timedelta(minutes=5), content_hash="edited")
    update = _publish(backend, site, edited)
    assert [p.kind for p in update.activities] == ["update"]
    assert _inboxes(backend, update) == {FOLLOWER_INBOX, LEFT_INBOX, FRIEND_INBOX}

    # The post removed: its Delete reaches the same audience as its Create
    # (FEDERATION.md#tombstones).
    gone = BuiltSite(built.actor, tuple(p for p in built.posts if p.slug != SLUG))
    plan = plan_publish(gone, backend.ledger(), site.urls, NOW)
    dry = backend.publish(plan, dry_run=True)
    assert "+ 2 inboxes that received this post before" in format_plan(plan, dry)
    backend.publish(plan, dry_run=False)
    assert [p.kind for p in plan.activities] == ["delete"]
    assert _inboxes(backend, plan) == {FOLLOWER_INBOX, LEFT_INBOX, FRIEND_INBOX}


def test_a_delete_skips_inboxes_that_refused_the_create_and_blocked_domains(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    from site_function.store import Block, DeliveryOutcome

    built = read_built_site(site.output_dir, site.urls)
    without = BuiltSite(built.actor, tuple(p for p in built.posts if p.slug != SLUG))
    _publish(backend, site, without)
    create = _publish(backend, site, _with_post(built, mentions=(FRIEND,)))
    store = backend._runtime.store
    [refused] = [d for d in store.list_deliveries() if d.inbox == FRIEND_INBOX]
    store.record_many([DeliveryOutcome(refused.id, "failed", 403, "HTTP 403")], NOW)
    store.add_block(Block("domain", "left.example", NOW))
    gone = BuiltSite(built.actor, tuple(p for p in built.posts if p.slug != SLUG))
    delete = _publish(backend, site, gone)
    assert create.activities[0].activity_id != delete.activities[0].activity_id
    assert _inboxes(backend, delete) == {FOLLOWER_INBOX}
