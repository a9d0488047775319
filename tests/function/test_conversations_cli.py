"""`site-gen conversations`: replies, likes and boosts delivered (signed) to a live function,
then listed and moderated by the CLI, over its admin API and directly on its database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from function_harness import ADMIN_TOKEN, FakeFediverse, RemoteActor, post_signed
from published_posts import publish_post

from site_core.errors import SiteGenError
from site_gen.admin_client import AdminClient
from site_gen.cli import cli
from site_gen.cli.owner_access import DatabaseOwner
from site_gen.config import load_config
from site_gen.publish.admin_token import AdminToken

POST = "https://alice.example/ap/posts/hello"
OTHER_POST = "https://alice.example/ap/posts/second"


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
    )
    return site


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, env={"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN})


def _reply(fn: Any, actor: RemoteActor, post: str, name: str, html: str) -> str:
    note = {"id": f"{actor.id}/notes/{name}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": post, "content": html}  # fmt: skip
    response = post_signed(fn.client, fn.inbox, actor, actor.activity("Create", note))
    assert response.status_code == 202, response.text
    return str(note["id"])


def _like(fn: Any, actor: RemoteActor, post: str) -> str:
    like = actor.activity("Like", post)
    assert post_signed(fn.client, fn.inbox, actor, like).status_code == 202
    return str(like["id"])


@pytest.mark.parametrize("where", ["admin API", "database"])
def test_conversations_are_listed_shown_and_moderated(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str, where: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    publish_post(fn.store, OTHER_POST)
    fan, troll = fediverse.add("talk.test", "fan"), fediverse.add("troll.test", "troll")
    kind_words = _reply(fn, fan, POST, "1", "<p>Lovely <b>post</b>,<br>thanks!</p>")
    long_one = _reply(fn, fan, POST, "2", "<p>" + "blah " * 40 + "END</p>")
    troll_reply = _reply(fn, troll, OTHER_POST, "1", "<p>buy my coin</p>")
    troll_like = _like(fn, troll, POST)
    place = ["--function-url", fn.url] if where == "admin API" else ["--database", database_url]
    common = ["--site", str(site_dir), *place]

    listed = _run(["conversations", "list", "--pending", *common])
    assert listed.exit_code == 0, listed.output
    assert "reply    pending  Lovely post, thanks!" in listed.output  # plain text, not HTML
    assert re.search(r"by @fan@talk.test:\d+ on hello at ", listed.output)  # the handle
    assert f"id {kind_words}" in listed.output
    assert "END" not in listed.output
    assert "blah blah…" in listed.output
    assert "like     pending  -" in listed.output
    assert troll_like in listed.output
    on_second = _run(["conversations", "list", "--post", "second", *common]).output
    assert troll_reply in on_second
    assert kind_words not in on_second

    shown = _run(["conversations", "show", long_one, *common])
    assert shown.exit_code == 0, shown.output
    assert "author: @fan@talk.test" in shown.output
    assert f"actor:  {fan.id}" in shown.output
    assert f"post:   {POST}" in shown.output
    assert "blah END" in shown.output  # the whole text
    missing = _run(["conversations", "show", f"{fan.id}/notes/none", *common])
    assert missing.exit_code == 1
    assert "no interaction" in missing.output

    approved = _run(["conversations", "approve", kind_words, long_one, *common])
    assert approved.exit_code == 0, approved.output
    assert approved.output.splitlines() == [f"approved {kind_words}", f"approved {long_one}"]
    assert fn.store.get_interaction(kind_words).state == "approved"
    rejected = _run(["conversations", "reject", "--all-from", troll.id, *common])
    assert rejected.exit_code == 0, rejected.output
    assert f"rejected 2 interactions from {troll.id}" in rejected.output
    assert {fn.store.get_interaction(i).state for i in (troll_reply, troll_like)} == {"rejected"}
    assert "(none)" in _run(["conversations", "list", "--pending", *common]).output

    # A handle is matched on the author profiles the function stored: no lookup needed.
    troll_handle = "@troll@" + troll.id.split("//")[1].split("/")[0]
    handle = _run(["conversations", "approve", "--all-from", troll_handle, *common])
    assert handle.exit_code == 0, handle.output
    assert f"approved 2 interactions from {troll_handle}" in handle.output
    assert {fn.store.get_interaction(i).state for i in (troll_reply, troll_like)} == {"approved"}
    bad = _run(["conversations", "approve", "--all-from", "troll", *common])
    assert bad.exit_code == 1
    assert "@user@host" in bad.output
    neither = _run(["conversations", "approve", *common])
    assert neither.exit_code == 1
    assert "--all-from" in neither.output


def test_the_client_and_the_database_answer_alike(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    fan = fediverse.add("alike.test", "fan")
    reply = _reply(fn, fan, POST, "1", "<p>hi</p>")
    api = AdminClient(fn.url, AdminToken(ADMIN_TOKEN, "test"))
    database = DatabaseOwner(load_config(site_dir), database_url)
    try:
        assert api.interactions(POST, "pending") == database.interactions(POST, "pending")
        assert api.interaction(reply)["content"] == "<p>hi</p>"
        assert api.moderate_actor(fan.id, "approved")["ids"] == [reply]
        assert database.moderate_actor(fan.id, "approved")["ids"] == []  # nothing left to do
        assert database.interaction(reply)["state"] == "approved"
        for owner in (api, database):
            with pytest.raises(SiteGenError, match=r"no interaction https://x\.test/n"):
                owner.moderate_interaction("https://x.test/n", "rejected")
    finally:
        api.close()
