"""Contract of the inbox's unit of work (both backends): block check, idempotency record and
the handler's effect commit together or not at all, alone or in a group commit."""

from __future__ import annotations

from typing import Any

import pytest
from site_function.store import Block, Follower, NewDelivery, Store, StoreError
from site_function.store.base import InboxItem
from store_backends import NOW

ACTOR = "https://remote.example/users/bob"
FOLLOW = {"id": "https://remote.example/f/1", "type": "Follow", "actor": ACTOR}


def _follow(store: Store) -> tuple[str, bool]:
    follower = Follower(ACTOR, FOLLOW["id"], f"{ACTOR}/inbox", None, "accepted", FOLLOW, NOW, NOW)
    store.save_follower(follower, [NewDelivery("accept-1", f"{ACTOR}/inbox", b"{}")], NOW)
    return "followed", True


def test_handler_effect_and_activity_id_commit_together(store: Store) -> None:
    assert store.receive_activity(ACTOR, FOLLOW["id"], NOW, _follow) == "followed"
    assert store.get_follower(ACTOR) is not None
    assert len(store.list_deliveries()) == 1
    # the id is remembered: a redelivery is a duplicate and runs nothing
    assert store.receive_activity(ACTOR, FOLLOW["id"], NOW, _follow) == "duplicate"
    assert not store.remember_activity(FOLLOW["id"], NOW)


def test_discarded_handler_remembers_nothing(store: Store) -> None:
    assert store.receive_activity(ACTOR, "https://r/a/1", NOW, lambda s: ("later", False)) == (
        "later"
    )
    assert store.remember_activity("https://r/a/1", NOW)  # it was not remembered


def test_failing_handler_rolls_everything_back(store: Store) -> None:
    def broken(s: Store) -> tuple[str, bool]:
        _follow(s)
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError):
        store.receive_activity(ACTOR, "https://r/a/2", NOW, broken)
    assert store.get_follower(ACTOR) is None
    assert store.list_deliveries() == []
    assert store.remember_activity("https://r/a/2", NOW)


def test_blocked_actor_runs_nothing(store: Store) -> None:
    store.add_block(Block("domain", "remote.example", NOW))
    ran: list[Any] = []
    outcome = store.receive_activity(ACTOR, "https://r/a/3", NOW, lambda s: (ran.append(1), True))
    assert outcome == "blocked"
    assert ran == []
    assert store.remember_activity("https://r/a/3", NOW)


def test_group_commit_isolates_each_item(store: Store) -> None:
    def broken(s: Store) -> tuple[str, bool]:
        s.remember_activity("https://r/side-effect", NOW)
        raise RuntimeError("handler bug")

    items = [
        InboxItem(ACTOR, FOLLOW["id"], NOW, _follow),
        InboxItem(ACTOR, "https://r/b/1", NOW, broken),
        InboxItem(ACTOR, "https://r/b/2", NOW, lambda s: ("later", False)),
        InboxItem(ACTOR, FOLLOW["id"], NOW, _follow),
        InboxItem(ACTOR, None, NOW, lambda s: ("no id", True)),
    ]
    results = store.receive_activities(items)
    assert results[0] == "followed"
    assert isinstance(results[1], RuntimeError)
    assert results[2:] == ["later", "duplicate", "no id"]
    assert store.get_follower(ACTOR) is not None
    assert store.remember_activity("https://r/side-effect", NOW)  # rolled back with its item
    assert store.remember_activity("https://r/b/1", NOW)
    assert store.remember_activity("https://r/b/2", NOW)


def test_receive_now_runs_inline_or_declines(store: Store) -> None:
    results = store.receive_activities_now([InboxItem(ACTOR, FOLLOW["id"], NOW, _follow)])
    if results is None:  # a networked backend never runs inline
        assert store.get_follower(ACTOR) is None
        return
    assert results == ["followed"]
    assert store.get_follower(ACTOR) is not None
    assert store.receive_activities_now([InboxItem(ACTOR, FOLLOW["id"], NOW, _follow)]) == [
        "duplicate"
    ]


def test_database_errors_come_out_as_store_errors(store: Store) -> None:
    def bad_sql(s: Any) -> tuple[str, bool]:
        with s._transaction(write=True) as cur:
            cur.execute("SELECT * FROM no_such_table")
        return "unreachable", True

    results = store.receive_activities(
        [InboxItem(ACTOR, "https://r/c/1", NOW, bad_sql), InboxItem(ACTOR, None, NOW, _follow)]
    )
    assert isinstance(results[0], StoreError)
    assert results[1] == "followed"


def test_blocks_changed_by_another_process_count_at_once(backend: Any) -> None:
    """The inbox keeps the blocks in memory between transactions; a change made through
    another store object (another process: the CLI, a second worker) must still count."""
    inbox, owner = backend.open(), backend.open()
    accepted = [InboxItem(ACTOR, None, NOW, lambda s: ("ok", True))] * 2
    assert inbox.receive_activities(accepted) == ["ok", "ok"]  # the snapshot is loaded
    owner.add_block(Block("domain", "example", NOW))  # a parent domain of remote.example
    assert inbox.receive_activities(accepted) == ["blocked", "blocked"]
    assert inbox.receive_activity(ACTOR, None, NOW, lambda s: ("ok", True)) == "blocked"
    assert owner.remove_block("domain", "example")
    assert inbox.receive_activities(accepted) == ["ok", "ok"]
    owner.add_block(Block("account", ACTOR, NOW))
    assert inbox.receive_activities_now(accepted) in (["blocked", "blocked"], None)
    assert inbox.receive_activities(accepted) == ["blocked", "blocked"]


def test_receive_now_declines_a_batch_with_a_failing_item(store: Store) -> None:
    """Inline, a failing item rolls the whole batch back (no savepoints) and asks for the
    one-at-a-time run; nothing of the batch is kept."""

    def broken(s: Store) -> tuple[str, bool]:
        raise RuntimeError("handler bug")

    items = [
        InboxItem(ACTOR, FOLLOW["id"], NOW, _follow),
        InboxItem(ACTOR, "https://r/d/1", NOW, broken),
    ]
    assert store.receive_activities_now(items) is None
    assert store.get_follower(ACTOR) is None
    assert store.list_deliveries() == []
    results = store.receive_activities(items)
    assert results[0] == "followed"
    assert isinstance(results[1], RuntimeError)
    assert store.remember_activity("https://r/d/1", NOW)
