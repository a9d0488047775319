"""The inbox's group commit asks for a whole batch at once (both backends): which ids are new
in one statement, the senders' documents read ahead, and some reads held for the length of
the transaction. Each item must still get the answer it would have had on its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from site_function.store import Block, PublishedObject, RemoteActor, Store
from site_function.store.base import InboxItem
from store_backends import NOW

ALICE = "https://remote.example/users/alice"
BOB = "https://remote.example/users/bob"
BANNED = "https://banned.example/users/eve"
POST = "https://alice.example/ap/posts/hello"


def _actor(actor_id: str, name: str) -> RemoteActor:
    document = {"id": actor_id, "type": "Person", "name": name, "inbox": f"{actor_id}/inbox"}
    return RemoteActor(actor_id, f"{actor_id}/inbox", None, f"{actor_id}#key", "PEM", (), document,
                       NOW)  # fmt: skip


def _seen(answer: str) -> Any:
    return lambda store: (answer, True)


def test_a_batch_tells_new_ids_from_repeats_in_order(store: Store) -> None:
    store.add_block(Block("domain", "banned.example", NOW))
    assert store.remember_activity("https://r/old", NOW)
    ran: list[str] = []

    def run(name: str) -> Any:
        return lambda s: (ran.append(name) or name, True)

    items = [
        InboxItem(ALICE, "https://r/1", NOW, run("first")),
        InboxItem(BOB, "https://r/1", NOW, run("again")),  # the same id later in the batch
        InboxItem(ALICE, "https://r/old", NOW, run("old")),  # remembered before
        InboxItem(BANNED, "https://r/2", NOW, run("banned")),
        InboxItem(BOB, None, NOW, run("no id")),
        InboxItem(BOB, "https://r/3", NOW + timedelta(seconds=1), run("third")),
    ]
    results = store.receive_activities(items)
    assert results == ["first", "duplicate", "duplicate", "blocked", "no id", "third"]
    assert ran == ["first", "no id", "third"]
    assert store.remember_activity("https://r/2", NOW)  # a blocked item's id is not kept
    assert not store.remember_activity("https://r/3", NOW)


def test_one_item_sent_twice_in_a_batch_runs_once(store: Store) -> None:
    item = InboxItem(ALICE, "https://r/twice", NOW, _seen("ok"))
    assert store.receive_activities([item, item]) == ["ok", "duplicate"]


def test_a_batch_that_fails_keeps_none_of_its_ids(store: Store) -> None:
    def broken(s: Store) -> tuple[str, bool]:
        raise RuntimeError("handler bug")

    items = [InboxItem(ALICE, "https://r/4", NOW, _seen("ok")),
             InboxItem(BOB, "https://r/5", NOW, broken)]  # fmt: skip
    results = store.receive_activities(items)
    assert results[0] == "ok"
    assert isinstance(results[1], RuntimeError)
    assert not store.remember_activity("https://r/4", NOW)  # kept by its own run
    assert store.remember_activity("https://r/5", NOW)


def test_senders_read_ahead_and_a_saved_actor_is_read_back(store: Store) -> None:
    store.save_actor(_actor(ALICE, "Alice"))
    seen: list[Any] = []

    def look(s: Store) -> tuple[str, bool]:
        seen.append((s.get_actor(ALICE), s.get_actor(BOB)))
        s.save_actor(_actor(BOB, "Bob"))  # a fetched actor cached in the same transaction
        seen.append(s.get_actor(BOB))
        return "ok", True

    items = [InboxItem(ALICE, "https://r/6", NOW, look), InboxItem(BOB, None, NOW, _seen("ok"))]
    assert store.receive_activities(items) == ["ok", "ok"]
    (alice, bob), bob_after = seen
    assert alice is not None
    assert alice.document["name"] == "Alice"
    assert bob is None
    assert bob_after is not None
    assert bob_after.document["name"] == "Bob"


def test_held_reads_follow_writes_in_and_after_the_transaction(backend: Any) -> None:
    inbox, owner = backend.open(), backend.open()
    post = PublishedObject(POST, "hello", "h", None, "live", NOW, NOW)
    answers: list[Any] = []

    def look(s: Store) -> tuple[str, bool]:
        answers.append(s.get_published(POST))
        s.save_published([post], [], NOW)
        answers.append(s.get_published(POST))
        answers.append(s.domain_policies().allow_only)
        s.set_allow_only(True)
        answers.append(s.domain_policies().allow_only)
        return "ok", True

    items = [InboxItem(ALICE, None, NOW, look), InboxItem(BOB, None, NOW, _seen("ok"))]
    assert inbox.receive_activities(items) == ["ok", "ok"]
    assert answers[0] is None
    assert answers[1] == post
    assert answers[2:] == [False, True]
    # Another store object (another process) changes them: the next transaction sees it.
    owner.save_published([PublishedObject(POST, "hello", "h", None, "deleted", NOW, NOW)], [],
                         NOW)  # fmt: skip
    owner.set_allow_only(False)
    later: list[Any] = []

    def again(s: Store) -> tuple[str, bool]:
        later.append((s.get_published(POST), s.domain_policies().allow_only))
        return "ok", True

    assert inbox.receive_activities([InboxItem(ALICE, None, NOW, again)] * 2) == ["ok", "ok"]
    assert [(found.state, mode) for found, mode in later] == [("deleted", False)] * 2
