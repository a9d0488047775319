"""A signed sender cannot fill the disk: what the inbox keeps of interactions is bounded.

Against the real server on loopback with real signatures (SQLite and PostgreSQL): Likes of a
post that was never published store nothing; padded Likes of a real post keep one small
record (the database grows by less than 200 KB for 200 Likes of ~900 KB); a reply keeps a
sanitized, capped subset; replies beyond the per-actor caps are not stored; and past the
per-actor rate the answer is 429 with Retry-After, which a forged signature cannot provoke.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from function_harness import FakeFediverse, post_signed
from published_posts import publish_post
from requirements import connect_postgres
from site_function.interaction_records import CONTENT_CAP, MAX_ATTACHMENTS, MAX_TAGS
from site_function.store.factory import sqlite_path_of

POST = "https://alice.example/ap/posts/hello"
OTHER_POST = "https://alice.example/ap/posts/second"
PADDING = 900_000


def _padded_like(actor: Any, obj: str) -> dict[str, Any]:
    return actor.activity("Like", obj, padding="x" * PADDING)


def _database_size(fn: Any) -> int:
    """Bytes the database holds: the SQLite file with its WAL folded in, or the sum of the
    PostgreSQL schema's relations."""
    url = fn.settings.database_url
    if url.startswith("sqlite"):
        import sqlite3

        path = sqlite_path_of(url)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Path(path).stat().st_size
    with connect_postgres(url) as conn:
        row = conn.execute(
            "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_likes_of_a_post_never_published_store_nothing(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function()
    publish_post(fn.store, POST)
    fan = fediverse.add("quota.test", "ghost")
    for target in (f"{POST}-not-published", "https://alice.example/ap/posts/anything"):
        response = post_signed(fn.client, fn.inbox, fan, _padded_like(fan, target))
        assert response.status_code == 202, response.text
    note = {"id": f"{fan.id}/notes/1", "type": "Note", "attributedTo": fan.id,
            "inReplyTo": OTHER_POST, "content": "<p>hi</p>"}  # fmt: skip
    assert post_signed(fn.client, fn.inbox, fan, fan.activity("Create", note)).status_code == 202
    assert fn.store.list_interactions() == []


def test_padded_likes_of_a_real_post_keep_one_small_record(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function()
    publish_post(fn.store, POST)
    fan = fediverse.add("quota.test", "padder")
    before = _database_size(fn)
    last: dict[str, Any] = {}
    for _ in range(200):
        last = _padded_like(fan, POST)
        response = post_signed(fn.client, fn.inbox, fan, last)
        assert response.status_code == 202, response.text
    growth = _database_size(fn) - before
    # Kept whole, 200 padded Likes would take 200 x PADDING bytes; each replaced row (with its
    # author profile) and PostgreSQL's dead row versions until vacuum take about 1 KB.
    assert growth < 200 * 2_000, f"the database grew by {growth} bytes"
    [held] = fn.store.list_interactions(POST)
    assert held.activity_id == last["id"]  # the newest Like replaced the others
    assert held.activity == {"type": "Like", "id": last["id"], "actor": fan.id, "object": POST}
    undo = post_signed(fn.client, fn.inbox, fan, fan.activity("Undo", {"id": last["id"]}))
    assert undo.status_code == 202
    assert fn.store.list_interactions() == []


def test_a_reply_keeps_a_sanitized_capped_subset(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function()
    publish_post(fn.store, POST)
    fan = fediverse.add("quota.test", "talker")
    note = {
        "id": f"{fan.id}/notes/long", "type": "Note", "attributedTo": fan.id, "inReplyTo": POST,
        "url": {"type": "Link", "href": f"{fan.origin}/@talker/long"},
        "content": "<p>" + "word <script>alert(1)</script>" * 4_000 + "</p>",
        "contentMap": {"en": "..."}, "summary": "cw", "sensitive": True,
        "attachment": [{"type": "Document", "mediaType": "image/png", "url": f"{fan.origin}/{n}",
                        "name": "alt", "blurhash": "x" * 1000} for n in range(50)],
        "tag": [{"type": "Hashtag", "name": f"#t{n}", "href": f"{fan.origin}/t/{n}"}
                for n in range(100)],
        "padding": "y" * 500_000,
    }  # fmt: skip
    response = post_signed(fn.client, fn.inbox, fan, fan.activity("Create", note))
    assert response.status_code == 202, response.text
    [held] = fn.store.list_interactions(POST)
    record = held.activity
    assert len(json.dumps(record)) < 40_000
    assert len(record["content"]) <= CONTENT_CAP
    assert record["truncated"] is True
    assert "<script" not in record["content"]
    assert record["content"].startswith("<p>word")
    assert len(record["attachment"]) == MAX_ATTACHMENTS
    assert len(record["tag"]) == MAX_TAGS
    assert record["attachment"][0] == {"url": f"{fan.origin}/0", "mediaType": "image/png",
                                       "name": "alt"}  # fmt: skip
    assert (record["url"], record["language"]) == (f"{fan.origin}/@talker/long", "en")
    assert (record["summary"], record["sensitive"], record["inReplyTo"]) == ("cw", True, POST)
    assert "padding" not in record


def test_replies_beyond_the_per_actor_caps_are_not_stored(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function(replies_per_post=2, replies_per_day=3)
    publish_post(fn.store, POST)
    publish_post(fn.store, OTHER_POST)
    fan = fediverse.add("quota.test", "chatty")

    def reply(number: int, post: str) -> None:
        note = {"id": f"{fan.id}/notes/{number}", "type": "Note", "attributedTo": fan.id,
                "inReplyTo": post, "content": f"<p>{number}</p>"}  # fmt: skip
        response = post_signed(fn.client, fn.inbox, fan, fan.activity("Create", note))
        assert response.status_code == 202, response.text

    for number in range(3):
        reply(number, POST)
    assert len(fn.store.list_interactions(POST)) == 2  # per post
    reply(3, OTHER_POST)
    reply(4, OTHER_POST)
    assert len(fn.store.list_interactions(OTHER_POST)) == 1  # per day: 3 in all
    # an Update of a reply already held is not a new reply: it still applies
    edited = {"id": f"{fan.id}/notes/0", "type": "Note", "attributedTo": fan.id,
              "inReplyTo": POST, "content": "<p>edited</p>"}  # fmt: skip
    assert post_signed(fn.client, fn.inbox, fan, fan.activity("Update", edited)).status_code == 202
    held = fn.store.get_interaction(f"{fan.id}/notes/0")
    assert held is not None
    assert held.activity["content"] == "<p>edited</p>"


def test_past_the_per_actor_rate_the_answer_is_429_with_retry_after(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function(actor_rate_limit=3, rate_window=600.0)
    publish_post(fn.store, POST)
    victim = fediverse.add("rate.test", "victim")
    forger = fediverse.add("forge.test", "mallory")
    # Forged requests in the victim's name fail verification and spend none of its budget.
    for _ in range(5):
        body = json.dumps(victim.activity("Like", POST)).encode()
        headers = victim.sign(fn.inbox, body, key=forger.key)
        forged = fn.client.post(fn.inbox, content=body, headers=headers)
        assert forged.status_code == 401, forged.text
    for _ in range(3):
        response = post_signed(fn.client, fn.inbox, victim, victim.activity("Like", POST))
        assert response.status_code == 202, response.text
    limited = post_signed(fn.client, fn.inbox, victim, victim.activity("Like", POST))
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["status"] == "rate_limited"
    # another actor of another domain is not touched
    other = fediverse.add("other.test", "bystander")
    assert post_signed(fn.client, fn.inbox, other, other.activity("Like", POST)).status_code == 202
