"""A block wins over the memory of where a post went: Update and Delete skip blocked accounts.

Through `DatabaseBackend` (the engine the function runs) on a real SQLite file. The accounts'
actors are in the cache, as the inbox leaves them when they follow, so nothing goes over the
network. A personal inbox of a blocked account is dropped; a shared inbox is dropped when only
blocked accounts use it, and kept (and the dry run says so) when others still do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from site_function.owner.blocks import add_block
from site_function.store import Follower, RemoteActor, Store

from site_core.publish.built_site import BuiltSite
from site_core.publish.plan import PublishPlan, plan_publish
from site_gen.cli.publish_backends import DatabaseBackend
from site_gen.config import SiteConfig
from site_gen.publish.built_output import read_built_site
from site_gen.publish.report import format_plan

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SHARED = "https://big.example/inbox"
ANN, BOB = "https://big.example/users/ann", "https://big.example/users/bob"
ALICE = "https://big.example/users/alice"  # mentioned, not a follower
CAT = "https://personal.example/users/cat"
CAT_INBOX = CAT + "/inbox"
SLUG = "static-sites"


def _follow(store: Store, actor: str, inbox: str, shared: str | None) -> None:
    """What the inbox records for an accepted Follow: the follower and its cached actor."""
    follow = {"id": actor + "#follow", "type": "Follow", "actor": actor}
    store.save_follower(
        Follower(actor, actor + "#follow", inbox, shared, "accepted", follow, NOW, NOW)
    )
    store.save_actor(RemoteActor(actor, inbox, shared, None, None, (), {"id": actor}, NOW))


@pytest.fixture
def backend(site: SiteConfig, tmp_path: Path) -> Iterator[DatabaseBackend]:
    opened = DatabaseBackend(site, f"sqlite:///{tmp_path / 'state.sqlite3'}", env={})
    store = opened._runtime.store
    _follow(store, BOB, BOB + "/inbox", SHARED)
    _follow(store, CAT, CAT_INBOX, None)
    store.save_actor(RemoteActor(ALICE, ALICE + "/inbox", SHARED, None, None, (), {}, NOW))
    yield opened
    opened.close()


def _site(
    built: BuiltSite, *, present: bool = True, mention: str | None = None, **changes: object
) -> BuiltSite:
    """The built site with the post changed, mentioning `mention` (as the build writes a
    mention: a Mention tag and the account in `cc`), or without the post."""
    if mention is not None:
        [post] = [p for p in built.posts if p.slug == SLUG]
        obj = dict(post.object)
        obj["tag"] = [*obj.get("tag", []), {"type": "Mention", "href": mention, "name": "@x"}]
        obj["cc"] = [*obj.get("cc", []), mention]
        changes = {"create": {**post.create, "object": obj}, "mentions": (mention,), **changes}
    posts = tuple(
        dataclasses.replace(post, **changes) if post.slug == SLUG else post  # type: ignore[arg-type]
        for post in built.posts
        if present or post.slug != SLUG
    )
    return BuiltSite(built.actor, posts)


def _inboxes(backend: DatabaseBackend, plan: PublishPlan) -> set[str]:
    [activity_id] = [planned.activity_id for planned in plan.activities]
    rows = backend._runtime.store.list_deliveries(limit=1000)
    return {row.inbox for row in rows if row.activity_id == activity_id}


def _publish(
    backend: DatabaseBackend, site: SiteConfig, built: BuiltSite
) -> tuple[PublishPlan, str]:
    """Publish for real after a dry run; returns the plan and the dry run's report."""
    plan = plan_publish(built, backend.ledger(), site.urls, NOW)
    report = format_plan(plan, backend.publish(plan, dry_run=True))
    backend.publish(plan, dry_run=False)
    store = backend._runtime.store  # as if drained: what was sent stays on record
    for row in store.list_deliveries("queued", limit=1000):
        store.mark_delivered(row.id, 202, NOW)
    return plan, report


def _block(backend: DatabaseBackend, site: SiteConfig, actor: str) -> None:
    add_block(backend._runtime.store, site.urls, actor, NOW)


def _created(backend: DatabaseBackend, site: SiteConfig, mention: str | None = None) -> BuiltSite:
    """The first publish without the post, then its Create; returns the site with it."""
    built = read_built_site(site.output_dir, site.urls)
    _publish(backend, site, _site(built, present=False))
    with_post = _site(built, mention=mention)
    create, _ = _publish(backend, site, with_post)
    assert [p.kind for p in create.activities] == ["create"]
    return with_post


def test_blocked_accounts_get_no_update_and_no_delete(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    built = _created(backend, site)
    _block(backend, site, BOB)  # the only account behind big.example's shared inbox
    _block(backend, site, CAT)  # a personal inbox
    edited = _site(built, updated=NOW - timedelta(minutes=5), content_hash="edited")
    update, report = _publish(backend, site, edited)
    assert [p.kind for p in update.activities] == ["update"]
    assert _inboxes(backend, update) == set()
    assert f"- skipped, blocked: {BOB}" in report
    assert f"- skipped, blocked: {CAT}" in report
    assert "that received this post before" not in report

    delete, _ = _publish(backend, site, _site(built, present=False))
    assert [p.kind for p in delete.activities] == ["delete"]
    assert _inboxes(backend, delete) == set()


def test_a_shared_inbox_others_use_still_receives_and_the_dry_run_says_so(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    _follow(backend._runtime.store, ANN, ANN + "/inbox", SHARED)
    built = _created(backend, site)
    _block(backend, site, BOB)
    _block(backend, site, CAT)
    edited = _site(built, updated=NOW - timedelta(minutes=5), content_hash="edited")
    update, report = _publish(backend, site, edited)
    assert _inboxes(backend, update) == {SHARED}  # for ann; cat's personal inbox is dropped
    assert (
        "1 blocked account skipped; its server's shared inbox still receives it for"
        f" 1 other follower ({BOB})"
    ) in report
    assert f"- skipped, blocked: {CAT}" in report
    assert f"skipped, blocked: {BOB}" not in report


def test_an_account_mentioned_then_keeps_the_shared_inbox_for_the_delete(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    built = _created(backend, site, mention=ALICE)
    _block(backend, site, BOB)
    # The Delete names no one; the Create mentioned alice, whose server is bob's.
    delete, report = _publish(backend, site, _site(built, present=False))
    assert _inboxes(backend, delete) == {SHARED, CAT_INBOX}
    assert "its server's shared inbox still receives it for 1 other account" in report


def test_a_blocked_mention_on_a_followed_server_is_reported(
    site: SiteConfig, backend: DatabaseBackend
) -> None:
    _follow(backend._runtime.store, ANN, ANN + "/inbox", SHARED)
    built = read_built_site(site.output_dir, site.urls)
    _publish(backend, site, _site(built, present=False))
    _block(backend, site, ALICE)
    create, report = _publish(backend, site, _site(built, mention=ALICE))
    assert _inboxes(backend, create) == {SHARED, CAT_INBOX}
    assert f"still receives it for 2 other followers ({ALICE})" in report
