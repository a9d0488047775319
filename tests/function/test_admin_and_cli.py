"""The owner's controls: admin API auth, followers collection, and the CLI against a live
function (over HTTP) and directly on its database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from function_harness import ADMIN_TOKEN, FakeFediverse, post_signed

from site_core.publish.owner_settings import OwnerSettings
from site_gen.cli import cli

APPROVAL = OwnerSettings(manually_approves_followers=True)
OUR_ACTOR = "https://alice.example/ap/actor"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {ADMIN_TOKEN}"},
     {"Authorization": f"Bearer {ADMIN_TOKEN}x"}],
)  # fmt: skip
def test_admin_api_refuses_without_the_token(make_function: Any, headers: dict[str, str]) -> None:
    fn = make_function()
    for method, path in [("GET", "/followers"), ("POST", "/blocks"), ("GET", "/blocks/export")]:
        response = fn.client.request(method, f"{fn.url}/admin/api{path}", headers=headers)
        assert response.status_code == 401, path


def test_admin_api_is_closed_when_no_token_is_configured(make_function: Any) -> None:
    fn = make_function(admin_token=None)
    for token in ("", "None", ADMIN_TOKEN):
        headers = {"Authorization": f"Bearer {token}".strip()}
        response = fn.client.get(f"{fn.url}/admin/api/followers", headers=headers)
        assert response.status_code == 401


def _follow(fn: Any, actor: Any) -> None:
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202, response.text


def test_followers_collection_is_paged(fediverse: FakeFediverse, make_function: Any) -> None:
    fn = make_function(drain_after_inbox=False, followers_page_size=2)
    actors = [fediverse.add("paged.test", f"f{i}") for i in range(3)]
    for actor in actors:
        _follow(fn, actor)
    collection = fn.client.get(f"{fn.url}/ap/followers")
    assert collection.headers["content-type"].startswith("application/activity+json")
    body = collection.json()
    assert body["type"] == "OrderedCollection"
    assert body["totalItems"] == 3
    assert body["first"] == "http://fn.example/ap/followers?page=1"
    page1 = fn.client.get(f"{fn.url}/ap/followers?page=1").json()
    assert page1["orderedItems"] == [actors[0].id, actors[1].id]
    assert page1["next"] == "http://fn.example/ap/followers?page=2"
    page2 = fn.client.get(f"{fn.url}/ap/followers?page=2").json()
    assert page2["orderedItems"] == [actors[2].id]
    assert "next" not in page2
    assert fn.client.get(f"{fn.url}/ap/followers?page=x").status_code == 400
    for odd in ("0", "-1", "\u00b2", "9" * 20, "9" * 5000):
        assert fn.client.get(f"{fn.url}/ap/followers", params={"page": odd}).status_code == 400
    past_the_end = fn.client.get(f"{fn.url}/ap/followers?page=999999999").json()
    assert past_the_end["orderedItems"] == []


def test_followers_collection_never_shows_pending_requests(
    fediverse: FakeFediverse, make_function: Any
) -> None:
    fn = make_function(drain_after_inbox=False, owner=APPROVAL)
    waiting = fediverse.add("pending.test", "waiting")
    _follow(fn, waiting)
    assert fn.store.get_follower(waiting.id).state == "pending"
    assert fn.client.get(f"{fn.url}/ap/followers").json()["totalItems"] == 0
    page = fn.client.get(f"{fn.url}/ap/followers?page=1").json()
    assert page["orderedItems"] == []
    assert page["totalItems"] == 0


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
        "function_url: https://fn.example\n"
    )
    return site


def _run(args: list[str], **env: str) -> Any:
    result = CliRunner().invoke(cli, args, env={"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN, **env})
    return result


def test_cli_over_http_approves_blocks_and_exports(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, tmp_path: Path
) -> None:
    fn = make_function(owner=APPROVAL, drain_after_inbox=False)
    pending, other = fediverse.add("cli.test", "pat"), fediverse.add("sub.cli-bad.test", "bo")
    _follow(fn, pending)
    _follow(fn, other)
    common = ["--site", str(site_dir), "--function-url", fn.url]
    listed = _run(["followers", "pending", *common])
    assert listed.exit_code == 0, listed.output
    assert pending.id in listed.output
    approved = _run(["followers", "approve", pending.id, *common])
    assert approved.exit_code == 0, approved.output
    assert fn.store.get_follower(pending.id).state == "accepted"
    accepted = _run(["followers", "list", *common])
    assert pending.id in accepted.output
    assert other.id not in accepted.output
    blocked = _run(["blocks", "add", "cli-bad.test", "--comment", "spam", "--yes", *common])
    assert blocked.exit_code == 0, blocked.output
    assert other.id in blocked.output  # its pending request was removed, a Reject queued
    assert fn.store.get_follower(other.id) is None
    rejects = [d for d in fn.store.list_deliveries() if d.inbox == other.inbox]
    assert len(rejects) == 1
    assert b'"Reject"' in rejects[0].body
    export = tmp_path / "blocks.csv"
    exported = _run(["blocks", "export", str(export), *common])
    assert exported.exit_code == 0, exported.output
    assert "cli-bad.test,suspend" in export.read_text()
    assert _run(["blocks", "remove", "cli-bad.test", "--yes", *common]).exit_code == 0
    assert "(none)" in _run(["blocks", "list", *common]).output
    imported = _run(["blocks", "import", str(export), *common])
    assert imported.exit_code == 0, imported.output
    assert "imported 1 block" in imported.output
    removed = _run(["followers", "remove", pending.id, *common])
    assert removed.exit_code == 0, removed.output
    assert fn.store.get_follower(pending.id) is None


def test_cli_without_token_or_with_a_wrong_one_fails_clearly(
    make_function: Any, site_dir: Path
) -> None:
    fn = make_function()
    common = ["--site", str(site_dir), "--function-url", fn.url]
    result = CliRunner().invoke(
        cli, ["followers", "list", *common], env={"SITE_GEN_ADMIN_TOKEN": ""}
    )
    assert result.exit_code == 1
    assert "SITE_GEN_ADMIN_TOKEN" in result.output
    wrong = CliRunner().invoke(
        cli, ["blocks", "list", *common], env={"SITE_GEN_ADMIN_TOKEN": "nope"}
    )
    assert wrong.exit_code == 1
    assert "401" in wrong.output


def test_cli_on_the_database_directly(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str
) -> None:
    fn = make_function(owner=APPROVAL, drain_after_inbox=False)
    actor = fediverse.add("db.test", "dana")
    _follow(fn, actor)
    common = ["--site", str(site_dir), "--database", database_url]
    assert actor.id in _run(["followers", "pending", *common]).output
    result = _run(["followers", "reject", actor.id, *common])
    assert result.exit_code == 0, result.output
    assert fn.store.get_follower(actor.id) is None
    result = _run(["blocks", "add", "https://db.test/users/x", "--yes", *common])
    assert result.exit_code == 0, result.output
    assert "account  https://db.test/users/x" in _run(["blocks", "list", *common]).output
    missing = _run(["followers", "approve", "https://nobody.test/u", *common])
    assert missing.exit_code == 1
    assert "no follower" in missing.output
