"""The conversation sync of contract: index, items and decisions over the real HTTP admin API
and on the database (`--database`), with identical answers; blocks, limits and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from function_harness import ADMIN_TOKEN, FakeFediverse, RemoteActor, post_signed
from published_posts import publish_post

from site_core.errors import SiteGenError
from site_gen.admin_client import AdminClient, AdminClientError
from site_gen.cli.owner_access import DatabaseOwner
from site_gen.config import load_config
from site_gen.publish.admin_token import AdminToken

POST = "https://alice.example/ap/posts/hello"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
    )
    return site


def _reply(fn: Any, actor: RemoteActor, name: str) -> str:
    note = {"id": f"{actor.id}/notes/{name}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": POST, "content": f"<p>{name}</p>"}  # fmt: skip
    assert (
        post_signed(fn.client, fn.inbox, actor, actor.activity("Create", note)).status_code == 202
    )
    return str(note["id"])


def _like(fn: Any, actor: RemoteActor) -> str:
    like = actor.activity("Like", POST)
    assert post_signed(fn.client, fn.inbox, actor, like).status_code == 202
    return str(like["id"])


def _owners(fn: Any, site_dir: Path, database_url: str) -> tuple[AdminClient, DatabaseOwner]:
    api = AdminClient(fn.url, AdminToken(ADMIN_TOKEN, "test"))
    return api, DatabaseOwner(load_config(site_dir), database_url)


def test_index_items_and_decisions_agree_both_ways(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    ann, bob = fediverse.add("ann.test", "ann"), fediverse.add("bob.test", "bob")
    reply, like = _reply(fn, ann, "1"), _like(fn, bob)
    api, database = _owners(fn, site_dir, database_url)
    try:
        index = api.conversation_index()
        assert index == database.conversation_index()
        assert [(r["id"], r["post"], r["kind"], r["state"]) for r in index] == [
            (reply, POST, "reply", "pending"), (like, POST, "like", "pending")]  # fmt: skip
        items = api.conversation_items([like, reply, "https://x.test/none"])
        assert items == database.conversation_items([reply, like])
        full = items[0]
        assert set(full) == {"id", "kind", "post", "state", "version", "received", "updated",
                             "author", "object"}  # fmt: skip
        assert full["received"].endswith("Z")
        assert full["author"]["handle"].startswith("@ann@ann.test:")  # a loopback port
        assert full["object"]["content"] == "<p>1</p>"
        assert full["version"] == index[0]["version"]

        result = api.moderate_many(
            {reply: "approved", like: "pending", "https://x.test/n": "rejected"}
        )
        assert result == {"changed": [reply], "unchanged": [like], "missing": ["https://x.test/n"]}
        again = database.moderate_many({reply: "approved", like: "rejected"})
        assert again == {"changed": [like], "unchanged": [reply], "missing": []}
        after = api.conversation_index()
        assert after == database.conversation_index()
        assert [r["state"] for r in after] == ["approved", "rejected"]
        assert all(a["version"] != b["version"] for a, b in zip(after, index, strict=True))
    finally:
        api.close()


def test_blocked_account_and_domain_are_absent(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    ann, bob = fediverse.add("ann.test", "ann"), fediverse.add("bob.test", "bob")
    eve = fediverse.add("spam.test", "eve")
    kept, bobs, eves = _reply(fn, ann, "1"), _reply(fn, bob, "1"), _like(fn, eve)
    api, database = _owners(fn, site_dir, database_url)
    try:
        api.add_block(bob.id, "")
        database.add_block("spam.test", "")
        for owner in (api, database):
            assert [r["id"] for r in owner.conversation_index()] == [kept]
            assert [r["id"] for r in owner.conversation_items([kept, bobs, eves])] == [kept]
            assert owner.moderate_many({eves: "approved"})["missing"] == [eves]
    finally:
        api.close()


def test_limits_and_bad_states_change_nothing(
    fediverse: FakeFediverse, make_function: Any, site_dir: Path, database_url: str
) -> None:
    fn = make_function(drain_after_inbox=False)
    publish_post(fn.store, POST)
    ann = fediverse.add("ann.test", "ann")
    reply = _reply(fn, ann, "1")
    ids = [f"https://x.test/{n}" for n in range(501)]
    url = fn.url + "/admin/api/conversations"
    too_many = httpx.post(f"{url}/items", json={"ids": ids}, headers=AUTH)
    assert too_many.status_code == 400
    assert "at most 500" in too_many.json()["detail"]
    assert httpx.post(f"{url}/items", json={"ids": "x"}, headers=AUTH).status_code == 400
    assert httpx.post(f"{url}/items", json={"ids": ids[:500]}, headers=AUTH).json() == {"items": []}
    bad = httpx.post(f"{url}/decisions", json={"decisions": {reply: "approved", "x": "maybe"}},
                     headers=AUTH)  # fmt: skip
    assert bad.status_code == 400
    assert "pending, approved or rejected" in bad.json()["detail"]
    assert httpx.post(f"{url}/decisions", json={"decisions": []}, headers=AUTH).status_code == 400
    assert fn.store.get_interaction(reply).state == "pending"  # nothing changed
    api, database = _owners(fn, site_dir, database_url)
    try:
        with pytest.raises(AdminClientError, match="at most 500"):
            api.conversation_items(ids)
        with pytest.raises(SiteGenError, match="at most 500"):
            database.conversation_items(ids)
        with pytest.raises(SiteGenError, match="pending, approved or rejected"):
            database.moderate_many({reply: "approved", "x": "yes"})
        with pytest.raises(SiteGenError, match="at most 5000"):
            database.moderate_many({f"https://x.test/{n}": "approved" for n in range(5001)})
        assert fn.store.get_interaction(reply).state == "pending"
    finally:
        api.close()
