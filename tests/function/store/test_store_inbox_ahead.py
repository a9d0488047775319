"""A batch asks some questions ahead on the last batch's word (both backends; on PostgreSQL
`store._pg_batch` sends the remembered ids under the last batch's blocks, and reads the
posts the last batch placed interactions of, with its first questions). What another
instance changed between two batches must still give each item its own answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from site_function.store import Block, Interaction, PublishedObject, RemoteActor, Store
from site_function.store.base import InboxItem
from site_function.store.queue_records import PublishedState
from store_backends import NOW, Backend

ALICE = "https://remote.example/users/alice"
BOB = "https://remote.example/users/bob"
EVE = "https://banned.example/users/eve"
POST = "https://alice.example/ap/posts/hello"


def _run(name: str, ran: list[str]) -> Any:
    return lambda s: (ran.append(name) or name, True)


def _like(activity_id: str, actor_id: str, at: int = 0) -> Interaction:
    when = NOW + timedelta(seconds=at)
    record = {"id": activity_id, "type": "Like", "actor": actor_id, "object": POST}
    return Interaction(activity_id, "like", actor_id, POST, record, "pending", when, when, None)


def _liking(interaction: Interaction) -> InboxItem:
    """A Like as the inbox stores it: only of a live post, else not saved (None)."""

    def handle(s: Store) -> tuple[bool | None, bool]:
        published = s.get_published(POST)
        if published is None or published.state != "live":
            return None, True
        return s.save_interaction(interaction), True

    return InboxItem(interaction.actor_id, interaction.activity_id, NOW, handle)


def _publish(store: Store, state: PublishedState) -> None:
    store.save_published([PublishedObject(POST, "hello", "h", None, state, NOW, NOW)], [], NOW)


def test_a_block_made_between_two_batches_counts_in_the_second(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    ran: list[str] = []
    first = [InboxItem(ALICE, "https://r/a1", NOW, _run("a1", ran)),
             InboxItem(EVE, "https://r/e1", NOW, _run("e1", ran))]  # fmt: skip
    assert store.receive_activities(first) == ["a1", "e1"]
    other.add_block(Block("domain", "banned.example", NOW))
    second = [
        InboxItem(ALICE, "https://r/a2", NOW, _run("a2", ran)),
        InboxItem(EVE, "https://r/e2", NOW, _run("e2", ran)),
        InboxItem(BOB, "https://r/a1", NOW, _run("again", ran)),  # remembered by the first
        InboxItem(BOB, "https://r/b2", NOW, _run("b2", ran)),
        InboxItem(ALICE, "https://r/a2", NOW, _run("twice", ran)),  # repeated in the batch
    ]
    assert store.receive_activities(second) == ["a2", "blocked", "duplicate", "b2", "duplicate"]
    assert ran == ["a1", "e1", "a2", "b2"]
    assert store.remember_activity("https://r/e2", NOW)  # a blocked item's id is not kept
    assert not store.remember_activity("https://r/b2", NOW)
    other.remove_block("domain", "banned.example")
    third = [InboxItem(EVE, "https://r/e3", NOW, _run("e3", ran)),
             InboxItem(ALICE, "https://r/a3", NOW, _run("a3", ran))]  # fmt: skip
    assert store.receive_activities(third) == ["e3", "a3"]


def test_likes_after_another_instance_changed_the_post(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    _publish(store, "live")
    first = [_liking(_like("https://r/l1", ALICE)), _liking(_like("https://r/l2", BOB))]
    assert store.receive_activities(first) == [True, True]
    # Between the batches: Alice's Like goes, Bob's is renamed, a Like is held under an id
    # the next batch brings again.
    assert other.remove_interaction("https://r/l1", ALICE)
    assert not other.save_interaction(_like("https://r/l3", BOB, at=1))
    assert other.save_interaction(_like("https://r/l4", ALICE, at=2))
    second = [
        _liking(_like("https://r/l4", ALICE, at=3)),  # held under its id: not new
        _liking(_like("https://r/l5", BOB, at=3)),  # renames Bob's l3
    ]
    assert store.receive_activities(second) == [False, False]
    rows = sorted((i.activity_id, i.actor_id, i.revision) for i in store.list_interactions())
    assert rows == [("https://r/l4", ALICE, 1), ("https://r/l5", BOB, 3)]
    _publish(other, "deleted")
    third = [_liking(_like("https://r/l6", ALICE, at=4)), _liking(_like("https://r/l7", BOB))]
    assert store.receive_activities(third) == [None, None]  # the post is no longer live
    assert len(store.list_interactions()) == 2


def test_a_burst_of_likes_is_answered_ahead_without_running_again(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch of Likes of the post the last batch placed is answered from the rows
    read with its first questions (PostgreSQL: `_pg_last_batch`): each sender's older Like
    renamed, a new sender's added, in one batch, never run again item by item."""
    store = backend.open()
    _publish(store, "live")
    alone: list[str] = []
    run_alone = store._receive_alone  # type: ignore[attr-defined]
    monkeypatch.setattr(
        store, "_receive_alone", lambda item: alone.append(item.activity_id) or run_alone(item)
    )
    first = [_liking(_like("https://r/m1", ALICE)), _liking(_like("https://r/m2", BOB))]
    assert store.receive_activities(first) == [True, True]
    second = [
        _liking(_like("https://r/m3", ALICE, at=1)),  # renames Alice's m1
        _liking(_like("https://r/m4", BOB, at=1)),  # renames Bob's m2
        _liking(_like("https://r/m5", EVE, at=1)),  # a new sender: added
    ]
    assert store.receive_activities(second) == [False, False, True]
    assert alone == []
    rows = sorted((i.activity_id, i.actor_id, i.revision) for i in store.list_interactions())
    assert rows == [("https://r/m3", ALICE, 2), ("https://r/m4", BOB, 2), ("https://r/m5", EVE, 1)]


def _actor(actor_id: str, name: str, at: int = 0) -> RemoteActor:
    document = {"id": actor_id, "type": "Person", "name": name, "tag": [{"name": "é ☃"}]}
    return RemoteActor(actor_id, f"{actor_id}/inbox", None, f"{actor_id}#main-key", "PEM",
                       (f"{actor_id}-old",), document, NOW + timedelta(seconds=at))  # fmt: skip


def _reading(actor_id: str, activity_id: str) -> InboxItem:
    """An item whose handler reads its sender's cached document (as a Like's author)."""

    def handle(s: Store) -> tuple[Any, bool]:
        return s.get_actor(actor_id), True

    return InboxItem(actor_id, activity_id, NOW, handle)


def test_senders_documents_read_ahead_are_the_stored_ones(backend: Backend) -> None:
    """A batch reads its senders' documents at its start (PostgreSQL: as text, decoded once
    per text): each handler gets the document as stored, an update made between two batches
    included, equal to what a plain read answers."""
    store, other = backend.open(), backend.open()
    store.save_actor(_actor(ALICE, "Alice"))
    store.save_actor(_actor(BOB, "Bob"))
    first = store.receive_activities([_reading(ALICE, "https://r/x1"),
                                      _reading(BOB, "https://r/x2")])  # fmt: skip
    assert first == [store.get_actor(ALICE), store.get_actor(BOB)]
    assert first[0].document["tag"] == [{"name": "é ☃"}]
    assert first[0].also_known_as == (f"{ALICE}-old",)
    other.save_actor(_actor(ALICE, "Alice again", at=1))
    second = store.receive_activities([_reading(ALICE, "https://r/x3"),
                                       _reading(BOB, "https://r/x4")])  # fmt: skip
    assert second[0].document["name"] == "Alice again"
    assert second[0].fetched_at == NOW + timedelta(seconds=1)
    assert second[1] == first[1]
