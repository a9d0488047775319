"""Real-world documents (Mastodon, GoToSocial, Pleroma, Misskey, Pixelfed, Lemmy, ...) through
the parser, the actor reader and the handlers, against a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures_path import FIXTURES
from published_posts import publish_post
from site_function.activity_parsing import ParseFailure, parse_activity
from site_function.inbox_handlers import Handled, HandlerContext, NeedsActor, handle_activity
from site_function.remote_actors import actor_from_document, key_entry
from site_function.store import Store, open_store

from site_core.publish.owner_settings import OwnerSettings
from site_core.urls import UrlScheme

URLS = UrlScheme("https://alice.example", "alice", "https://fn.alice.example")
POST = URLS.post_object("hello-world")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


ACTIVITIES = sorted(
    str(p.relative_to(FIXTURES))
    for p in FIXTURES.glob("*/*.json")
    if load(str(p.relative_to(FIXTURES))).get("actor") is not None
)
ACTORS = [
    *sorted(
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.glob("*/actor*.json")
        if "unsigned" not in p.name  # Threads' answer to an unsigned fetch, not an actor
    ),
    "lemmy/group.json",
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    publish_post(opened, POST)
    yield opened
    opened.close()


def ctx(**kw: Any) -> HandlerContext:
    return HandlerContext(URLS, OwnerSettings(), NOW, **kw)


@pytest.mark.parametrize("name", ACTIVITIES)
def test_every_fixture_activity_parses(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    parsed = parse_activity(body)
    assert not isinstance(parsed, ParseFailure), parsed


@pytest.mark.parametrize("name", ACTORS)
def test_every_fixture_actor_is_read_with_its_key(name: str) -> None:
    document = load(name)
    actor = actor_from_document(document, NOW)
    assert actor is not None, name
    assert actor.inbox.startswith("http")
    if actor.key_id is not None:
        entry = key_entry(document, actor.key_id)
        assert entry is not None
        assert entry["owner"] == actor.id


@pytest.mark.parametrize(
    "name", ["bridgy-fed/instance_actor.json", "threads/actor_fetch_unsigned_response.json"]
)
def test_documents_without_an_inbox_are_not_usable_actors(name: str) -> None:
    assert actor_from_document(load(name), NOW) is None


def test_a_foreign_shared_inbox_is_not_trusted() -> None:
    document = load("mastodon/actor.json")
    document["endpoints"] = {"sharedInbox": "https://elsewhere.example/inbox"}
    actor = actor_from_document(document, NOW)
    assert actor is not None
    assert actor.shared_inbox is None


def _run(store: Store, activity: dict[str, Any], **kw: Any) -> Any:
    actor = activity["actor"] if isinstance(activity["actor"], str) else activity["actor"]["id"]
    return handle_activity(store, ctx(**kw), activity, actor)


@pytest.mark.parametrize(
    "name", ["mastodon/follow.json", "pleroma/follow.json", "lemmy/follow.json"]
)
def test_follow_fixtures_are_accepted(store: Store, name: str) -> None:
    follow = {**load(name), "object": URLS.actor}
    first = _run(store, follow)
    assert first == NeedsActor(follow["actor"])  # unknown actor: the inbox fetches it
    document = {**load("mastodon/actor.json"), "id": follow["actor"],
                "inbox": follow["actor"] + "/inbox", "endpoints": {}}  # fmt: skip
    actor = actor_from_document(document, NOW)
    result = _run(store, follow, fetched=actor, fetch_tried=True)
    assert isinstance(result, Handled)
    assert result.queued
    [delivery] = store.list_deliveries()
    accept = json.loads(delivery.body)
    assert accept["object"]["id"] == follow["id"]
    assert accept["to"] == [follow["actor"]]
    undo = {"type": "Undo", "actor": follow["actor"], "object": follow,
            "id": follow["id"] + "#undo"}  # fmt: skip
    assert _run(store, undo).note == "unfollowed"
    assert store.get_follower(follow["actor"]) is None


@pytest.mark.parametrize(
    "name", ["mastodon/like.json", "misskey/like.json", "lemmy/like_note.json",
             "mastodon/announce.json"],
)  # fmt: skip
def test_likes_and_boosts_of_our_posts_are_stored_pending(store: Store, name: str) -> None:
    activity = {**load(name), "object": POST}
    if name == "misskey/like.json":  # a hand-made Pleroma fixture: id and actor on two hosts
        activity["id"] = activity["actor"] + "/likes/75149198"
    result = _run(store, activity)
    assert result.note.endswith("stored")
    [stored] = store.list_interactions()
    assert stored.state == "pending"
    assert stored.object_id == POST
    undo = {"type": "Undo", "actor": activity["actor"], "object": activity, "id": "u"}
    assert _run(store, undo).note == "interaction undone"
    assert store.list_interactions() == []


def _interaction(kind: str, actor: str, stored_id: str) -> dict[str, Any]:
    """A Like/Announce with id `stored_id`, or a Create/Update of a reply Note with that id."""
    if kind in ("Like", "Announce"):
        return {"id": stored_id, "type": kind, "actor": actor, "object": POST}
    note = {"id": stored_id, "type": "Note", "attributedTo": actor, "inReplyTo": POST}
    return {"id": f"{actor}/activity/1", "type": kind, "actor": actor, "object": note}


@pytest.mark.parametrize("kind", ["Like", "Announce", "Create", "Update"])
@pytest.mark.parametrize(
    "squatted",
    [
        "https://other.example/users/bob/statuses/1",  # another host
        "http://social.example/users/ann/statuses/1",  # another scheme
        "https://social.example:8443/users/ann/statuses/1",  # another port
    ],
)
def test_interactions_whose_id_is_on_another_origin_are_ignored(
    store: Store, kind: str, squatted: str
) -> None:
    """FEDERATION.md#one-host: a stored id (the activity's, or a reply Note's) must be on the
    actor's origin, or anyone could squat another account's future id and have its real one
    ignored."""
    actor = "https://social.example/users/ann"
    result = _run(store, _interaction(kind, actor, squatted))
    assert isinstance(result, Handled)
    assert result.note.endswith("not on the actor's origin: ignored"), result.note
    assert store.list_interactions() == []
    own = "https://social.example/users/ann/statuses/1"
    assert _run(store, _interaction(kind, actor, own)).note.endswith("stored")
    assert [i.activity_id for i in store.list_interactions()] == [own]


def test_likes_of_other_objects_are_ignored(store: Store) -> None:
    assert _run(store, load("mastodon/like.json")).note.endswith("ignored")
    assert store.list_interactions() == []


@pytest.mark.parametrize(
    "name", ["mastodon/create_note.json", "pixelfed/create_note_reply.json",
             "pleroma/create_note.json", "lemmy/create_comment.json"],
)  # fmt: skip
def test_replies_to_our_posts_are_stored_and_deleted(store: Store, name: str) -> None:
    activity = load(name)
    note = {**activity["object"], "inReplyTo": POST}
    if not isinstance(note.get("attributedTo"), str):
        note["attributedTo"] = activity["actor"]
    activity = {**activity, "object": note}
    assert _run(store, activity).note == "reply stored"
    [stored] = store.list_interactions(POST)
    assert stored.activity_id == note["id"]
    delete = {"type": "Delete", "actor": activity["actor"], "id": "d",
              "object": {"id": note["id"], "type": "Tombstone"}}  # fmt: skip
    assert _run(store, delete).note == "reply deleted"
    assert store.list_interactions() == []


@pytest.mark.parametrize(
    "name", ["pleroma/create_chat_message.json", "pleroma/emoji_react.json",
             "mastodon/delete_note.json", "lemmy/create_page.json", "wordpress/create_article.json",
             "gotosocial/accept_like.json", "lemmy/announce_create_page.json"],
)  # fmt: skip
def test_other_activities_are_ignored(store: Store, name: str) -> None:
    result = _run(store, load(name))
    assert isinstance(result, Handled)
    assert "ignored" in result.note
    assert store.list_interactions() == []
    assert store.list_deliveries() == []


def test_actor_delete_and_update_fixtures(store: Store) -> None:
    update = load("mastodon/update_actor.json")
    result = _run(store, update)
    assert result.note == "actor refreshed"
    assert store.get_actor(update["actor"]) is not None
    delete = {**load("mastodon/delete_actor.json")}
    delete["actor"] = delete["object"] = update["actor"]
    assert _run(store, delete).note == "actor deleted"
    assert store.get_actor(update["actor"]) is None


def test_move_fixture_moves_the_follower(store: Store) -> None:
    move = load("gotosocial/move.json")
    old = move["actor"]
    follow = {"id": f"{old}/follow/1", "type": "Follow", "actor": old, "object": URLS.actor}
    old_doc = {**load("mastodon/actor.json"), "id": old, "inbox": f"{old}/inbox", "endpoints": {}}
    _run(store, follow, fetched=actor_from_document(old_doc, NOW), fetch_tried=True)
    assert _run(store, move) == NeedsActor(move["target"], refresh=True)
    target_doc = {**load("gotosocial/actor_moved_aliased.json"), "id": move["target"],
                  "inbox": move["target"] + "/inbox", "alsoKnownAs": [old]}  # fmt: skip
    target = actor_from_document(target_doc, NOW)
    assert _run(store, move, fetched=target, fetch_tried=True).note == "follower moved"
    assert store.get_follower(old) is None
    assert store.get_follower(move["target"]) is not None
    unaliased = actor_from_document({**target_doc, "alsoKnownAs": []}, NOW)
    store.save_follower(store.get_follower(move["target"]), now=NOW)
    again = {**move, "actor": move["target"], "object": move["target"], "target": old}
    assert "ignored" in _run(store, again, fetched=unaliased, fetch_tried=True).note
