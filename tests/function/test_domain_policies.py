"""Domain policies end to end: our function on loopback, remote servers of our own, real
signatures, the CLI over the admin API (FEDERATION.md#domain-policies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from function_harness import ADMIN_TOKEN, FakeFediverse, RemoteActor, post_signed
from published_posts import publish_post

from site_gen.cli import cli

OUR_ACTOR = "https://alice.example/ap/actor"
POST = "https://alice.example/ap/posts/hello"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
    )
    return site


def _cli(fn: Any, site_dir: Path, *args: str, input: str | None = None) -> Any:
    common = ["--site", str(site_dir), "--function-url", fn.url]
    env = {"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN}
    return CliRunner().invoke(cli, [*args, *common], env=env, input=input)


def _follow(fn: Any, actor: RemoteActor) -> None:
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Follow", OUR_ACTOR))
    assert response.status_code == 202, response.text


def _reply(fn: Any, actor: RemoteActor, n: int) -> None:
    note = {"id": f"{actor.id}/notes/{n}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": POST, "content": "<p>hello</p>"}  # fmt: skip
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Create", note))
    assert response.status_code == 202, response.text


def _sent(fn: Any, actor: RemoteActor, kind: str) -> int:
    return sum(1 for d in fn.store.list_deliveries() if d.inbox == actor.inbox
               and f'"type":"{kind}"'.encode() in d.body.replace(b" ", b""))  # fmt: skip


def test_require_approval_holds_a_follow_although_the_site_accepts_at_once(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path
) -> None:
    fn = make_function(drain_after_inbox=False)
    threads, other = fediverse.add("threads.test", "zuck"), fediverse.add("masto.test", "ann")
    dry = _cli(fn, site_dir, "domains", "policy", "set", "threads.test", "require_approval",
               "--dry-run")  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "threads.test: no follower would be removed" in dry.output
    assert fn.admin("GET", "/domains").json()["domains"] == []  # a dry run changes nothing
    refused = _cli(fn, site_dir, "domains", "policy", "set", "threads.test", "require_approval")
    assert refused.exit_code != 0  # no answer to the confirmation: nothing changed
    assert fn.admin("GET", "/domains").json()["domains"] == []
    done = _cli(fn, site_dir, "domains", "policy", "set", "threads.test", "require_approval",
                input="y\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    _follow(fn, threads)
    _follow(fn, other)
    assert fn.store.get_follower(threads.id).state == "pending"
    assert _sent(fn, threads, "Accept") == 0
    assert fn.store.get_follower(other.id).state == "accepted"
    listed = _cli(fn, site_dir, "domains", "list")
    assert "threads.test" in listed.output
    assert "require_approval" in listed.output
    assert _cli(fn, site_dir, "domains", "policy", "set", "threads.test", "normal",
                "--yes").exit_code == 0  # fmt: skip
    again = fediverse.add("threads.test", "second")
    _follow(fn, again)
    assert fn.store.get_follower(again.id).state == "accepted"


def test_allow_only_refuses_unlisted_follows_and_replies_and_accepts_listed_ones(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    friend, stranger = fediverse.add("friends.test", "f"), fediverse.add("else.test", "s")
    early = fediverse.add("early.test", "e")
    _follow(fn, early)
    assert _cli(fn, site_dir, "domains", "allow", "friends.test", "--yes").exit_code == 0
    preview = fn.admin("POST", "/domains/preview", json={"action": "allow_only_on"}).json()
    assert (preview["followers_removed"], preview["pending_rejected"]) == (1, 0)
    assert fn.store.get_follower(early.id) is not None  # a preview changes nothing
    on = _cli(fn, site_dir, "domains", "allow-only", "on", "--yes")
    assert on.exit_code == 0, on.output
    assert "early.test: 1 follower would be removed, 0 pending requests rejected" in on.output
    assert fn.store.get_follower(early.id) is None
    assert _sent(fn, early, "Reject") == 1
    _follow(fn, stranger)
    _follow(fn, friend)
    assert fn.store.get_follower(stranger.id) is None
    assert _sent(fn, stranger, "Reject") == 1
    assert fn.store.get_follower(friend.id).state == "accepted"
    _reply(fn, stranger, 1)
    _reply(fn, friend, 2)
    assert [i.actor_id for i in fn.store.list_interactions()] == [friend.id]
    off = _cli(fn, site_dir, "domains", "allow-only", "off", "--yes")
    assert off.exit_code == 0, off.output
    assert early.id in off.output  # whom to invite back


def test_a_block_preview_matches_what_the_block_does_and_unblocking_names_the_severed(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path
) -> None:
    from site_core.publish.owner_settings import OwnerSettings

    fn = make_function(drain_after_inbox=False, owner=OwnerSettings(True))
    hosts = [("bad.test", "a"), ("sub.bad.test", "b"), ("bad.test", "c"), ("ok.test", "d")]
    followers = [fediverse.add(host, name) for host, name in hosts]
    for actor in followers:
        _follow(fn, actor)
    for actor in followers[:2] + followers[3:]:
        assert fn.admin("POST", "/followers/approve", json={"actor": actor.id}).status_code == 200
    preview = fn.admin("POST", "/blocks/preview", json={"target": "bad.test"}).json()
    assert (preview["followers_removed"], preview["pending_rejected"]) == (2, 1)
    blocked = _cli(fn, site_dir, "blocks", "add", "bad.test", "--yes")
    assert blocked.exit_code == 0, blocked.output
    assert "bad.test: 2 followers would be removed, 1 pending request rejected" in blocked.output
    remaining = {f.actor_id for f in fn.store.list_followers(None)}
    assert remaining == {followers[3].id}
    assert sum(_sent(fn, actor, "Reject") for actor in followers[:3]) == 3
    unblock_preview = fn.admin("POST", "/domains/preview",
                               json={"action": "unblock", "target": "bad.test"}).json()  # fmt: skip
    severed = {row["actor"] for row in unblock_preview["invite_back"]}
    assert severed == {followers[0].id, followers[1].id}  # the accepted ones, not the request
    lifted = _cli(fn, site_dir, "blocks", "remove", "bad.test", "--yes")
    assert lifted.exit_code == 0, lifted.output
    assert all(actor in lifted.output for actor in severed)
    assert fn.store.severed_followers() == []  # told once, then forgotten with the block


def test_bad_changes_are_refused_clearly(make_function: Any) -> None:
    fn = make_function()
    account = {"action": "allow", "target": "https://x.test/users/a"}
    for body in ({"action": "explode"}, {"action": "allow"}, account, {"action": 3}):
        assert fn.admin("POST", "/domains/change", json=body).status_code == 400, body
    assert fn.admin("POST", "/domains/preview", content=b"{").status_code == 400
    assert fn.admin("GET", "/domains").json() == {"allow_only": False, "domains": []}
