"""The handlers' typed events for real-world documents (Mastodon, Pleroma, Lemmy, Misskey,
Pixelfed, GoToSocial, ...), against a real SQLite store: each handler says what it did as an
event carrying the ids it concerns, and the event's words are the log's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures_path import FIXTURES
from published_posts import publish_post
from site_function.inbox_events import (
    ActorDeleted,
    ActorUpdated,
    AnnounceReceived,
    AnnounceUndone,
    Blocked,
    FollowAccepted,
    FollowerMoved,
    FollowRefused,
    FollowRequested,
    Ignored,
    InteractionUndone,
    LikeReceived,
    LikeUndone,
    MovedIn,
    ReplyDeleted,
    ReplyOverCap,
    ReplyReceived,
    ReplyUpdated,
    Unfollowed,
)
from site_function.inbox_handlers import Handled, HandlerContext, NeedsActor, handle_activity
from site_function.interaction_records import InteractionLimits
from site_function.remote_actors import actor_from_document
from site_function.store import Store, open_store

from site_core.publish.owner_settings import OwnerSettings
from site_core.urls import UrlScheme

URLS = UrlScheme("https://alice.example", "alice", "https://fn.alice.example")
POST = URLS.post_object("hello-world")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    publish_post(opened, POST)
    yield opened
    opened.close()


def _actor_of(activity: dict[str, Any]) -> str:
    actor = activity["actor"]
    return actor if isinstance(actor, str) else actor["id"]


def _handled(store: Store, activity: dict[str, Any], owner: OwnerSettings | None = None,
             **kw: Any) -> Handled:  # fmt: skip
    ctx = HandlerContext(URLS, owner or OwnerSettings(), NOW, **kw)
    result = handle_activity(store, ctx, activity, _actor_of(activity))
    assert isinstance(result, Handled), result
    assert result.note == result.event.describe()
    return result


def _fetched(actor_id: str) -> Any:
    document = {**load("mastodon/actor.json"), "id": actor_id, "inbox": f"{actor_id}/inbox",
                "endpoints": {}}  # fmt: skip
    return actor_from_document(document, NOW)


def _follow(store: Store, name: str, owner: OwnerSettings | None = None) -> Handled:
    follow = {**load(name), "object": URLS.actor}
    return _handled(store, follow, owner, fetched=_fetched(_actor_of(follow)), fetch_tried=True)


@pytest.mark.parametrize(
    "name", ["mastodon/follow.json", "pleroma/follow.json", "lemmy/follow.json"]
)
def test_follows_are_accepted_requested_or_refused(store: Store, name: str) -> None:
    follow = load(name)
    actor = _actor_of(follow)
    accepted = _follow(store, name)
    assert accepted.event == FollowAccepted(actor, follow["id"])
    assert accepted.queued
    store.remove_follower(actor)
    held = _follow(store, name, OwnerSettings(manually_approves_followers=True))
    assert held.event == FollowRequested(actor, follow["id"])
    assert not held.queued
    moved = _follow(store, name, OwnerSettings(moved_to="https://new.example/users/alice"))
    assert moved.event == FollowRefused(actor, follow["id"])
    assert moved.queued


@pytest.mark.parametrize("name", ["mastodon/undo_follow.json", "lemmy/undo_follow.json"])
def test_undo_of_a_follow_of_us_is_unfollowed(store: Store, name: str) -> None:
    undo = load(name)
    undo["object"] = {**undo["object"], "object": URLS.actor}
    actor = _actor_of(undo)
    assert _handled(store, undo).event == Ignored(actor, "undo of nothing we hold")
    follow = {**undo["object"], "type": "Follow"}
    _handled(store, follow, fetched=_fetched(actor), fetch_tried=True)
    assert _handled(store, undo).event == Unfollowed(actor)


@pytest.mark.parametrize(
    ("name", "received", "undone"),
    [
        ("mastodon/like.json", LikeReceived, LikeUndone),
        ("lemmy/like_note.json", LikeReceived, LikeUndone),
        ("mastodon/announce.json", AnnounceReceived, AnnounceUndone),
    ],
)
def test_likes_and_boosts_and_their_undo(
    store: Store, name: str, received: type[Any], undone: type[Any]
) -> None:
    activity = {**load(name), "object": POST}
    actor = _actor_of(activity)
    first = _handled(store, activity)
    assert first.event == received(activity["id"], actor, POST, new=True)
    assert _handled(store, activity).event == received(activity["id"], actor, POST, new=False)
    undo = {"type": "Undo", "actor": actor, "object": activity, "id": f"{activity['id']}/undo"}
    assert _handled(store, undo).event == undone(activity["id"], actor)
    _handled(store, activity)
    by_id = {**undo, "object": activity["id"]}  # the kind is not named: undone all the same
    assert _handled(store, by_id).event == InteractionUndone(activity["id"], actor)


def test_the_mastodon_undo_like_fixture_names_its_like(store: Store) -> None:
    undo = load("mastodon/undo_like.json")
    like = {**undo["object"], "object": POST}
    actor = _actor_of(undo)
    assert isinstance(_handled(store, like).event, LikeReceived)
    assert _handled(store, undo).event == LikeUndone(like["id"], actor)


@pytest.mark.parametrize(
    "name", ["mastodon/create_note.json", "pixelfed/create_note_reply.json",
             "pleroma/create_note.json", "lemmy/create_comment.json"],
)  # fmt: skip
def test_replies_are_received_updated_and_deleted(store: Store, name: str) -> None:
    activity = load(name)
    actor = _actor_of(activity)
    note = {**activity["object"], "inReplyTo": POST, "attributedTo": actor}
    activity = {**activity, "object": note}
    assert _handled(store, activity).event == ReplyReceived(note["id"], actor, POST)
    update = {**activity, "type": "Update", "id": f"{activity['id']}#update"}
    assert _handled(store, update).event == ReplyUpdated(note["id"], actor, POST)
    delete = {"type": "Delete", "actor": actor, "id": "d",
              "object": {"id": note["id"], "type": "Tombstone"}}  # fmt: skip
    assert _handled(store, delete).event == ReplyDeleted(note["id"], actor)


def test_a_reply_over_the_cap_says_which(store: Store) -> None:
    activity = load("mastodon/create_note.json")
    actor = _actor_of(activity)
    limits = InteractionLimits(replies_per_post=1)
    note = {**activity["object"], "inReplyTo": POST, "attributedTo": actor}
    assert isinstance(_handled(store, {**activity, "object": note}).event, ReplyReceived)
    second = {**note, "id": f"{note['id']}2"}
    event = _handled(store, {**activity, "object": second}, limits=limits).event
    assert event == ReplyOverCap(second["id"], actor, POST, "1 per post")


@pytest.mark.parametrize(
    "name", ["pleroma/create_chat_message.json", "pleroma/emoji_react.json",
             "mastodon/delete_note.json", "lemmy/create_page.json", "wordpress/create_article.json",
             "gotosocial/accept_like.json", "lemmy/announce_create_page.json",
             "mastodon/like.json", "mastodon/follow.json", "lemmy/update_page.json"],
)  # fmt: skip
def test_other_activities_are_ignored_with_a_reason(store: Store, name: str) -> None:
    activity = load(name)
    event = _handled(store, activity).event
    assert isinstance(event, Ignored), event
    assert event.actor_id == _actor_of(activity)
    assert event.reason


@pytest.mark.parametrize("name", ["mastodon/delete_actor.json", "lemmy/delete_user.json"])
def test_account_updates_and_deletions(store: Store, name: str) -> None:
    update = load("mastodon/update_actor.json")
    actor = _actor_of(update)
    updated = _handled(store, update)
    assert updated.event == ActorUpdated(actor)
    assert updated.forget_keys_of == actor
    delete = {**load(name), "actor": actor, "object": actor}
    deleted = _handled(store, delete)
    assert deleted.event == ActorDeleted(actor)
    assert deleted.forget_keys_of == actor


def test_moves_out_and_in(store: Store) -> None:
    move = load("gotosocial/move.json")
    old, new = move["actor"], move["target"]
    follow = {"id": f"{old}/follow/1", "type": "Follow", "actor": old, "object": URLS.actor}
    _handled(store, follow, fetched=_fetched(old), fetch_tried=True)
    ctx = HandlerContext(URLS, OwnerSettings(), NOW)
    assert handle_activity(store, ctx, move, old) == NeedsActor(new, refresh=True)
    target = actor_from_document({**load("gotosocial/actor_moved_aliased.json"), "id": new,
                                  "inbox": f"{new}/inbox", "alsoKnownAs": [old]}, NOW)  # fmt: skip
    moved = _handled(store, move, fetched=target, fetch_tried=True)
    assert moved.event == FollowerMoved(old, new)
    to_us = {**move, "target": URLS.actor}
    assert isinstance(_handled(store, to_us).event, Ignored)
    owner = OwnerSettings(also_known_as=(old,))
    assert _handled(store, to_us, owner).event == MovedIn(old)


def test_a_block_of_us_removes_the_follower(store: Store) -> None:
    follow = {**load("mastodon/follow.json"), "object": URLS.actor}
    actor = _actor_of(follow)
    block = {"id": f"{actor}#blocks/1", "type": "Block", "actor": actor, "object": URLS.actor}
    assert _handled(store, block).event == Blocked(actor, follower_removed=False)
    _handled(store, follow, fetched=_fetched(actor), fetch_tried=True)
    assert _handled(store, block).event == Blocked(actor, follower_removed=True)
    assert store.get_follower(actor) is None
