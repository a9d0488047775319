"""The owner's services refuse the same bad request the same way, over the admin API and on a
database the CLI opens (`--database`).

Each test runs one request two ways: through the admin API of the function built by
`create_app` (uvicorn in a thread on loopback, called by the CLI's own `FunctionBackend` and
`AdminClient`), and through `DatabaseBackend` /
`DatabaseOwner` on a SQLite file of their own. A refusal must carry the same words both ways
(the API prefixes its status); a success must do the same thing both ways. The new account of
a Move and the followers' inboxes are a real server on loopback (`e2e_remotes.Remote`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e.e2e_remotes import Remote, ServerThread, bound_socket
from site_function.app import create_app
from site_function.store import Follower, FollowState, PublishedObject, Store, open_store

from site_core.errors import SiteGenError
from site_core.keys import public_key_pem
from site_core.publish.owner_settings import SiteIdentity
from site_core.publish.plan import LedgerState, PublishPlan, plan_publish
from site_gen.admin_client import AdminClient
from site_gen.cli.owner_access import DatabaseOwner
from site_gen.cli.publish_backends import DatabaseBackend, FunctionBackend
from site_gen.config import SiteConfig
from site_gen.federation.activities import build_move
from site_gen.federation.key_files import private_key_from_environment
from site_gen.publish.admin_token import AdminToken
from site_gen.publish.built_output import read_built_site
from site_gen.serve.function_settings import settings_from_site

TOKEN = "t0ken-for-both-ways"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class BothWays:
    """One site, its function's admin API and a database of the CLI's own."""

    site: SiteConfig
    api: FunctionBackend
    api_owner: AdminClient
    api_url: str
    database: DatabaseBackend
    database_owner: DatabaseOwner
    database_url: str

    def on_each_store(self, work: Callable[[Store], None]) -> None:
        for url in (self.api_url, self.database_url):
            store = open_store(url)
            try:
                work(store)
            finally:
                store.close()


@pytest.fixture
def both(site: SiteConfig, tmp_path: Path) -> Iterator[BothWays]:
    api_url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    database_url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    settings = settings_from_site(
        site,
        {},
        database_url=api_url,
        allow_private_addresses=True,
        serve_documents=False,
        admin_token=TOKEN,
    )
    app = create_app(dataclasses.replace(settings, drain_after_inbox=False))
    token = AdminToken(TOKEN, "test")
    database = DatabaseBackend(site, database_url, env={}, allow_private_addresses=True)
    with ServerThread(app, bound_socket()) as function:
        api = FunctionBackend(function.url, token)
        api_owner = AdminClient(function.url, token)
        yield BothWays(
            site, api, api_owner, api_url, database, DatabaseOwner(site, database_url), database_url
        )
        api.close()
        api_owner.close()
    database.close()


def _refusals(over_api: Callable[[], object], on_database: Callable[[], object]) -> str:
    """Both calls must fail; the API's message is the database's, after the status."""
    with pytest.raises(SiteGenError) as api_error:
        over_api()
    with pytest.raises(SiteGenError) as database_error:
        on_database()
    words = str(database_error.value)
    assert str(api_error.value).startswith("the function answered ")
    assert str(api_error.value).endswith(f": {words}")
    return str(api_error.value).removeprefix("the function answered ")


def _plan(site: SiteConfig) -> PublishPlan:
    """A publish after the first (which only records the posts): every post is a Create."""
    built = read_built_site(site.output_dir, site.urls)
    plan = plan_publish(built, LedgerState(initialized=True), site.urls, NOW)
    assert any(planned.kind == "create" for planned in plan.activities)
    return plan


@pytest.fixture
def remote(site: SiteConfig) -> Iterator[Remote]:
    key = private_key_from_environment({}, site.private_key_path)
    server = Remote("mastodon", public_key_pem(key), site.urls.key_id, lambda: datetime.now(UTC))
    with ServerThread(server.app(), server.sock):
        yield server


def _follower(remote: Remote, state: FollowState = "accepted") -> Follower:
    follow = {"id": remote.id + "#follows/1", "type": "Follow", "actor": remote.id}
    return Follower(
        remote.id, follow["id"], remote.inbox, remote.shared_inbox, state, follow, NOW, NOW
    )


# --- publishing ---------------------------------------------------------------------------------


def test_a_plan_for_another_site_is_refused_both_ways(both: BothWays) -> None:
    elsewhere = SiteIdentity("https://elsewhere.example", "alice", "https://elsewhere.example")
    plan = dataclasses.replace(_plan(both.site), identity=elsewhere)
    for dry_run in (True, False):
        said = _refusals(
            lambda dry=dry_run: both.api.publish(plan, dry_run=dry),
            lambda dry=dry_run: both.database.publish(plan, dry_run=dry),
        )
        assert said.startswith("409: ")
        assert "https://elsewhere.example" in said
        assert "Make them the same" in said
    assert both.api.ledger() == both.database.ledger() == LedgerState()


def test_an_activity_by_another_actor_is_refused_both_ways(both: BothWays) -> None:
    plan = _plan(both.site)
    first = plan.activities[0]
    forged = dataclasses.replace(first, activity={**first.activity, "actor": "https://m.example/a"})
    plan = dataclasses.replace(plan, activities=(forged, *plan.activities[1:]))
    said = _refusals(
        lambda: both.api.publish(plan, dry_run=False),
        lambda: both.database.publish(plan, dry_run=False),
    )
    assert said.startswith("400: ")
    assert "is by 'https://m.example/a'" in said
    assert both.api.ledger() == both.database.ledger() == LedgerState()


def test_a_new_post_at_a_deleted_id_is_refused_both_ways(both: BothWays) -> None:
    plan = _plan(both.site)
    created = next(p for p in plan.activities if p.kind == "create")
    row = PublishedObject(created.object_id, created.slug or "", "h", None, "deleted", NOW, NOW)
    both.on_each_store(lambda store: store.save_published([row], [], NOW))
    said = _refusals(
        lambda: both.api.publish(plan, dry_run=True),
        lambda: both.database.publish(plan, dry_run=True),
    )
    assert said == f"400: {created.object_id} was deleted: a new post needs a new slug"


def test_a_good_plan_is_queued_alike_both_ways(both: BothWays, remote: Remote) -> None:
    both.on_each_store(lambda store: store.save_follower(_follower(remote)))
    plan = _plan(both.site)
    over_api = both.api.publish(plan, dry_run=False)
    on_database = both.database.publish(plan, dry_run=False)
    assert over_api == on_database
    assert over_api["queued"] == len(plan.activities) > 0
    assert both.api.ledger() == both.database.ledger()


# --- moving -------------------------------------------------------------------------------------


def test_a_move_to_an_account_that_does_not_list_us_is_refused_both_ways(
    both: BothWays, remote: Remote
) -> None:
    move = build_move(both.site, remote.id)
    said = _refusals(lambda: both.api.move(move), lambda: both.database.move(move))
    assert said.startswith(f"409: not moving to {remote.id}: ")
    assert f"does not list {both.site.urls.actor} in its alsoKnownAs" in said
    assert both.api.status()["counts"]["queued"] == both.database.status()["counts"]["queued"] == 0


def test_a_move_of_the_wrong_shape_is_refused_both_ways(both: BothWays, remote: Remote) -> None:
    move = {**build_move(both.site, remote.id), "actor": "https://m.example/a"}
    said = _refusals(lambda: both.api.move(move), lambda: both.database.move(move))
    assert said == "400: a Move needs id, actor = object = our actor, and a target"


def test_a_move_to_an_account_that_lists_us_is_queued_both_ways(
    both: BothWays, remote: Remote
) -> None:
    remote.also_known_as = [both.site.urls.actor]
    both.on_each_store(lambda store: store.save_follower(_follower(remote)))
    move = build_move(both.site, remote.id)
    assert both.api.move(move) == both.database.move(move) == 1
    assert both.api.status()["counts"] == both.database.status()["counts"]
    assert both.api.status()["counts"]["queued"] == 1


# --- followers and blocks -----------------------------------------------------------------------


def test_approving_an_unknown_follower_is_refused_both_ways(both: BothWays) -> None:
    actor = "https://nobody.example/users/n"
    said = _refusals(
        lambda: both.api_owner.approve_follower(actor),
        lambda: both.database_owner.approve_follower(actor),
    )
    assert said == f"404: no follower or follow request from {actor}"


def test_approving_a_request_queues_the_same_accept_both_ways(
    both: BothWays, remote: Remote
) -> None:
    both.on_each_store(lambda store: store.save_follower(_follower(remote, "pending")))
    approved = both.api_owner.approve_follower(remote.id)
    assert approved == both.database_owner.approve_follower(remote.id)
    assert approved["state"] == "accepted"
    assert both.api_owner.followers("all") == both.database_owner.followers("all")
    assert both.api.status()["counts"] == both.database.status()["counts"]
    assert both.api.status()["counts"]["queued"] == 1


def test_a_handle_as_block_target_is_refused_both_ways(both: BothWays) -> None:
    said = _refusals(
        lambda: both.api_owner.add_block("@bob@bad.example", ""),
        lambda: both.database_owner.add_block("@bob@bad.example", ""),
    )
    assert said.startswith("400: '@bob@bad.example': give an actor URL")
    said = _refusals(
        lambda: both.api_owner.remove_block("bad.example"),
        lambda: both.database_owner.remove_block("bad.example"),
    )
    assert said == "404: no domain block of bad.example"


def test_a_domain_block_removes_its_followers_alike_both_ways(
    both: BothWays, remote: Remote
) -> None:
    both.on_each_store(lambda store: store.save_follower(_follower(remote)))
    domain = remote.host().split(":")[0]
    over_api = both.api_owner.add_block(domain, "spam")
    on_database = both.database_owner.add_block(domain, "spam")
    assert over_api["removed"] == on_database["removed"] == [remote.id]

    def without_time(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in block.items() if k != "since"} for block in blocks]

    assert without_time(both.api_owner.blocks()) == without_time(both.database_owner.blocks())
    assert both.api_owner.export_blocks() == both.database_owner.export_blocks()
    assert domain in both.api_owner.export_blocks()


# --- draining -----------------------------------------------------------------------------------


def test_a_drain_delivers_alike_both_ways(both: BothWays, remote: Remote) -> None:
    both.on_each_store(lambda store: store.save_follower(_follower(remote, "pending")))
    both.api_owner.approve_follower(remote.id)
    both.database_owner.approve_follower(remote.id)
    over_api = both.api.drain(10)
    on_database = both.database.drain(10)
    assert over_api["delivered"] == on_database["delivered"] == 1
    assert over_api["remaining"]["done"] == 1
    # One Accept from each side, both signed with the site's key and taken by the remote.
    assert [d.activity["type"] for d in remote.received] == ["Accept", "Accept"]
    assert remote.refused == []
