"""An inbox batch's interactions and followers get the answers each item would have had alone
(both backends). On PostgreSQL most placements are answered ahead and written together before
the commit (`store._pg_batch`), and so are follower rows and queue rows: an answer that turns
out wrong, or a write that fails there, sends the batch back to run item by item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from site_function.store import Follower, Interaction, NewDelivery, RemoteActor, Store
from site_function.store.base import FollowState, InboxItem, InboxVerdict, StoreError
from store_backends import NOW, Backend

ALICE = "https://remote.example/users/alice"
BOB = "https://remote.example/users/bob"
CAROL = "https://remote.example/users/carol"
POST = "https://alice.example/ap/posts/hello"
OTHER_POST = "https://alice.example/ap/posts/other"


def _like(activity_id: str, actor_id: str, object_id: str = POST, *, state: Any = "pending",
          at: int = 0) -> Interaction:  # fmt: skip
    when = NOW + timedelta(seconds=at)
    record = {"id": activity_id, "type": "Like", "actor": actor_id, "object": object_id}
    return Interaction(activity_id, "like", actor_id, object_id, record, state, when, when,
                       {"name": actor_id.rsplit("/", 1)[-1]})  # fmt: skip


def _saving(interaction: Interaction) -> InboxItem:
    return InboxItem(interaction.actor_id, interaction.activity_id, NOW,
                     lambda s: (s.save_interaction(interaction), True))  # fmt: skip


def _rows(store: Store) -> list[tuple[str, str, str, int]]:
    return [(i.activity_id, i.actor_id, i.object_id, i.revision) for i in store.list_interactions()]


def test_a_batch_of_likes_answers_as_one_by_one(store: Store) -> None:
    store.save_interaction(_like("https://remote.example/l/old", ALICE, at=-60))
    store.save_interaction(_like("https://remote.example/l/held", CAROL, at=-30))
    items = [
        _saving(_like("https://remote.example/l/1", ALICE)),  # replaces Alice's older Like
        _saving(_like("https://remote.example/l/2", BOB)),  # new
        _saving(_like("https://remote.example/l/3", ALICE)),  # replaces it again, same batch
        _saving(_like("https://remote.example/l/4", BOB, OTHER_POST)),  # another post: new
        _saving(_like("https://remote.example/l/held", CAROL)),  # held under its id
        _saving(_like("https://remote.example/l/5", BOB)),  # Bob's Like of this batch replaced
    ]
    assert store.receive_activities(items) == [False, True, False, True, False, False]
    assert sorted(_rows(store)) == [
        ("https://remote.example/l/3", ALICE, POST, 3),
        ("https://remote.example/l/4", BOB, OTHER_POST, 1),
        ("https://remote.example/l/5", BOB, POST, 2),
        ("https://remote.example/l/held", CAROL, POST, 1),
    ]


def test_a_batch_reads_its_own_placements_and_removals(store: Store) -> None:
    store.save_interaction(_like("https://remote.example/l/gone", CAROL, at=-10))
    seen: list[Any] = []

    def undo_then_look(s: Store) -> tuple[str, bool]:
        seen.append(s.remove_interaction("https://remote.example/l/gone", CAROL))
        seen.append(s.remove_interaction("https://remote.example/l/none", CAROL))
        seen.append(s.get_interaction("https://remote.example/l/1") is not None)
        seen.append(s.count_interactions(ALICE, "like", object_id=POST))
        return "looked", True

    items = [
        _saving(_like("https://remote.example/l/1", ALICE)),
        InboxItem(CAROL, "https://remote.example/u/1", NOW, undo_then_look),
        _saving(_like("https://remote.example/l/2", CAROL)),  # after the Undo: a new row
    ]
    assert store.receive_activities(items) == [True, "looked", True]
    assert seen == [True, False, True, 1]
    assert sorted(_rows(store)) == [
        ("https://remote.example/l/1", ALICE, POST, 1),
        ("https://remote.example/l/2", CAROL, POST, 1),
    ]


def test_a_bad_placement_fails_alone(store: Store) -> None:
    bad = _like("https://remote.example/l/bad", BOB, state="not-a-state")
    items = [
        _saving(_like("https://remote.example/l/1", ALICE)),
        _saving(bad),  # refused by the table's CHECK, only when written
        _saving(_like("https://remote.example/l/2", CAROL)),
    ]
    results = store.receive_activities(items)
    assert results[0] is True
    assert isinstance(results[1], StoreError)
    assert results[2] is True
    assert sorted(_rows(store)) == [
        ("https://remote.example/l/1", ALICE, POST, 1),
        ("https://remote.example/l/2", CAROL, POST, 1),
    ]


# Another connection writing inside the batch needs a server: PostgreSQL only.
@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_an_answer_given_ahead_is_checked_before_the_commit(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    racing = _like("https://remote.example/l/race", ALICE)

    def meanwhile(s: Store) -> tuple[str, bool]:
        # Another instance stores the same Like after this batch answered for it.
        other.save_interaction(_like("https://remote.example/l/race", ALICE, at=5))
        return "raced", True

    items = [_saving(racing), InboxItem(BOB, "https://remote.example/x/1", NOW, meanwhile)]
    # Alone, the Like finds the other instance's row: not new (the batch said it was).
    assert store.receive_activities(items) == [False, "raced"]
    assert _rows(store) == [("https://remote.example/l/race", ALICE, POST, 1)]


def _actor(actor_id: str) -> RemoteActor:
    return RemoteActor(actor_id, f"{actor_id}/inbox", None, f"{actor_id}#key", "PEM", (),
                       {"id": actor_id, "type": "Person"}, NOW)  # fmt: skip


def test_followers_read_ahead_follow_the_batch_writes(store: Store) -> None:
    for actor_id in (ALICE, BOB):
        store.save_actor(_actor(actor_id))
    follow = {"id": "https://remote.example/f/1", "type": "Follow"}
    store.save_follower(Follower(BOB, "https://remote.example/f/0", f"{BOB}/inbox", None,
                                 "accepted", follow, NOW, NOW))  # fmt: skip
    seen: list[Any] = []

    def follow_alice(s: Store) -> tuple[str, bool]:
        seen.append(s.get_follower(ALICE))
        s.save_follower(Follower(ALICE, "https://remote.example/f/1", f"{ALICE}/inbox", None,
                                 "pending", follow, NOW, NOW))  # fmt: skip
        seen.append(s.get_follower(ALICE).state)  # type: ignore[union-attr]
        return "followed", True

    def leave_bob(s: Store) -> tuple[str, bool]:
        seen.append(s.get_follower(BOB).state)  # type: ignore[union-attr]
        s.remove_follower(BOB)
        seen.append(s.get_follower(BOB))
        return "left", True

    items = [InboxItem(ALICE, "https://remote.example/f/1", NOW, follow_alice),
             InboxItem(BOB, "https://remote.example/u/2", NOW, leave_bob)]  # fmt: skip
    assert store.receive_activities(items) == ["followed", "left"]
    assert seen == [None, "pending", "accepted", None]
    assert [f.actor_id for f in store.list_followers(None)] == [ALICE]


DAVE = "https://other.example/users/dave"


def _follower(actor_id: str, follow_id: str, state: Any = "accepted", at: int = 0) -> Follower:
    when = NOW + timedelta(seconds=at)
    activity = {"id": follow_id, "type": "Follow", "actor": actor_id}
    return Follower(actor_id, follow_id, f"{actor_id}/inbox", None, state, activity, when, when)


def _following(follower: Follower, *answers: str, kind: Any = "activity") -> InboxItem:
    """A Follow's effect as `handle_follow` writes it: the row, and its Accept (if any)."""
    rows = [NewDelivery(a, follower.inbox, b"{}", kind) for a in answers]

    def follow(s: Store) -> tuple[str, bool]:
        s.save_follower(follower, rows, follower.updated_at)
        return follower.state, True

    return InboxItem(follower.actor_id, follower.follow_id, follower.updated_at, follow)


def _queue(store: Store) -> list[tuple[str, str, int]]:
    return [(d.activity_id, d.inbox.rsplit("/", 2)[-2], int((d.created_at - NOW).total_seconds()))
            for d in store.list_deliveries()]  # fmt: skip


def _follows(store: Store) -> list[tuple[str, str, FollowState, int, int]]:
    return [(f.actor_id.rsplit("/", 1)[-1], f.follow_id, f.state,
             int((f.created_at - NOW).total_seconds()), int((f.updated_at - NOW).total_seconds()))
            for f in store.list_followers(None)]  # fmt: skip


def test_a_batch_of_follows_writes_as_one_by_one(store: Store) -> None:
    store.save_follower(_follower(BOB, "https://remote.example/f/0", at=-60))
    seen: list[Any] = []

    def follow_and_look(s: Store) -> tuple[str, bool]:
        s.save_follower(_follower(DAVE, "https://other.example/f/5", at=5))
        seen.append(s.get_follower(DAVE).follow_id)  # type: ignore[union-attr]
        seen.append(s.count_followers("accepted"))
        return "looked", True

    items = [
        _following(_follower(ALICE, "https://remote.example/f/1", at=1), "a/1"),
        _following(_follower(BOB, "https://remote.example/f/2", at=2), "a/2"),  # a repeat
        _following(_follower(CAROL, "https://remote.example/f/3", "pending", at=3)),  # held
        _following(_follower(ALICE, "https://remote.example/f/4", at=4), "a/4", "a/1"),
        InboxItem(DAVE, "https://other.example/f/5", NOW, follow_and_look),
    ]
    assert store.receive_activities(items) == ["accepted", "accepted", "pending", "accepted",
                                               "looked"]  # fmt: skip
    assert seen == ["https://other.example/f/5", 3]
    assert _follows(store) == [
        ("bob", "https://remote.example/f/2", "accepted", -60, 2),
        ("alice", "https://remote.example/f/4", "accepted", 1, 4),  # its first time kept
        ("carol", "https://remote.example/f/3", "pending", 3, 3),
        ("dave", "https://other.example/f/5", "accepted", 5, 5),
    ]
    # Each Accept once, in the order queued, at its own item's time ("a/1" came first at 1).
    assert _queue(store) == [("a/1", "alice", 1), ("a/2", "bob", 2), ("a/4", "alice", 4)]
    assert (store.count_followers("accepted"), store.count_followers("pending")) == (3, 1)


def test_a_bad_follower_or_queue_row_fails_alone(store: Store) -> None:
    items = [
        _following(_follower(ALICE, "https://remote.example/f/1", at=1), "a/1"),
        _following(_follower(BOB, "https://remote.example/f/2", "not-a-state", at=2), "a/2"),
        _following(_follower(CAROL, "https://remote.example/f/3", at=3), "a/3", kind="bogus"),
        _following(_follower(DAVE, "https://other.example/f/4", at=4), "a/4"),
    ]
    results = store.receive_activities(items)  # both refused by a CHECK, only when written
    assert [result if isinstance(result, str) else type(result) for result in results] == [
        "accepted", StoreError, StoreError, "accepted"]  # fmt: skip
    assert [row[0] for row in _follows(store)] == ["alice", "dave"]
    assert _queue(store) == [("a/1", "alice", 1), ("a/4", "dave", 4)]
    # The failed items' ids were not kept: sent again, they run (and fail) again.
    again = store.receive_activities(items[1:3])
    assert [isinstance(result, StoreError) for result in again] == [True, True]
    duplicate = InboxVerdict.DUPLICATE
    assert store.receive_activities([items[0], items[3]]) == [duplicate, duplicate]


def test_a_queue_count_given_ahead_is_checked_before_the_commit(backend: Backend) -> None:
    store = backend.open()
    counts: list[int] = []

    def enqueueing(*ids: str) -> Any:
        def enqueue(s: Store) -> tuple[str, bool]:
            counts.append(s.enqueue([NewDelivery(i, f"{ALICE}/inbox", b"{}") for i in ids], NOW))
            return "queued", True

        return enqueue

    items = [
        InboxItem(ALICE, "https://remote.example/n/1", NOW, enqueueing("n/1")),
        InboxItem(BOB, "https://remote.example/n/2", NOW, enqueueing("n/1", "n/2")),
    ]
    assert store.receive_activities(items) == ["queued", "queued"]
    assert counts[-2:] == [1, 1]  # alone, the second finds n/1 queued: one row added
    if backend.name == "postgres":
        other = backend.open()

        def meanwhile(s: Store) -> tuple[str, bool]:
            other.enqueue([NewDelivery("n/3", f"{ALICE}/inbox", b"{}")], NOW)  # another instance
            return "raced", True

        counts.clear()
        items = [InboxItem(ALICE, "https://remote.example/n/3", NOW, enqueueing("n/3")),
                 InboxItem(BOB, "https://remote.example/x/1", NOW, meanwhile)]  # fmt: skip
        assert store.receive_activities(items) == ["queued", "raced"]
        assert counts == [1, 0]  # told "added" ahead, then, alone, that the row was there
    raced = ["n/3"] if backend.name == "postgres" else []
    assert [row[0] for row in _queue(store)] == ["n/1", "n/2", *raced]
