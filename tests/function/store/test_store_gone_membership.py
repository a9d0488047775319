"""A 410 Gone on SQLite and PostgreSQL: the queue records the outcome and names the inbox;
``site_function.membership`` drops the followers behind it; ``transaction()`` makes the two
one change, committed together or rolled back together."""

from __future__ import annotations

import pytest
from site_function.membership import drop_followers_behind
from site_function.store import DeliveryOutcome, Follower, NewDelivery, Store
from store_backends import NOW

SHARED = "https://m.example/inbox"


def _follower(actor_id: str, shared: str | None = None) -> Follower:
    return Follower(actor_id, f"{actor_id}#follow", f"{actor_id}/inbox", shared, "accepted",
                    {"type": "Follow", "actor": actor_id}, NOW, NOW)  # fmt: skip


def _queue(store: Store, *inboxes: str) -> dict[str, int]:
    store.enqueue([NewDelivery("https://site.test/activities/1", i, b"{}") for i in inboxes], NOW)
    return {d.inbox: d.id for d in store.list_deliveries()}


def _followers(store: Store) -> list[str]:
    return [f.actor_id for f in store.list_followers(None)]


def test_a_gone_outcome_fails_the_row_and_names_its_inbox(store: Store) -> None:
    ids = _queue(store, SHARED, "https://g.example/inbox", "https://h.example/inbox")
    gone = store.record_many(
        [
            DeliveryOutcome(ids[SHARED], "gone", 410, "410 Gone"),
            DeliveryOutcome(ids["https://g.example/inbox"], "delivered", 202),
            DeliveryOutcome(ids["https://h.example/inbox"], "failed", 400, "HTTP 400"),
        ],
        NOW,
    )
    assert gone == [SHARED]
    rows = {d.inbox: d for d in store.list_deliveries()}
    assert (rows[SHARED].state, rows[SHARED].last_status) == ("failed", 410)
    assert rows[SHARED].attempts == 1
    assert rows["https://g.example/inbox"].state == "done"
    # The queue decides nothing about followers.
    store.save_follower(_follower("https://m.example/users/a", SHARED), now=NOW)
    assert store.record_many([DeliveryOutcome(ids[SHARED], "gone", 410, "again")], NOW) == [SHARED]
    assert _followers(store) == ["https://m.example/users/a"]


def test_outcomes_without_gone_name_no_inbox(store: Store) -> None:
    ids = _queue(store, SHARED)
    assert store.record_many([DeliveryOutcome(ids[SHARED], "delivered", 200)], NOW) == []
    assert store.record_many([], NOW) == []


def test_membership_drops_followers_behind_a_gone_inbox(store: Store) -> None:
    store.save_follower(_follower("https://m.example/users/a", SHARED), now=NOW)
    store.save_follower(_follower("https://m.example/users/b", SHARED), now=NOW)
    store.save_follower(_follower("https://g.example/users/c"), now=NOW)
    store.save_follower(_follower("https://g.example/users/d"), now=NOW)
    removed = drop_followers_behind(store, [SHARED, "https://g.example/users/c/inbox", SHARED])
    assert sorted(f.actor_id for f in removed) == [
        "https://g.example/users/c",
        "https://m.example/users/a",
        "https://m.example/users/b",
    ]
    assert _followers(store) == ["https://g.example/users/d"]
    assert drop_followers_behind(store, [SHARED]) == []


def test_outcome_and_membership_commit_together(store: Store) -> None:
    store.save_follower(_follower("https://m.example/users/a", SHARED), now=NOW)
    ids = _queue(store, SHARED)
    with store.transaction():
        gone = store.record_many([DeliveryOutcome(ids[SHARED], "gone", 410, "gone")], NOW)
        assert len(drop_followers_behind(store, gone)) == 1
    assert _followers(store) == []
    assert store.list_deliveries()[0].state == "failed"


def test_a_failed_transaction_keeps_both_the_row_and_the_followers(store: Store) -> None:
    store.save_follower(_follower("https://m.example/users/a", SHARED), now=NOW)
    ids = _queue(store, SHARED)

    def record_then_fail() -> None:
        with store.transaction():
            gone = store.record_many([DeliveryOutcome(ids[SHARED], "gone", 410, "gone")], NOW)
            assert drop_followers_behind(store, gone)
            raise RuntimeError("killed between the writes and the commit")

    with pytest.raises(RuntimeError, match="killed"):
        record_then_fail()
    assert _followers(store) == ["https://m.example/users/a"]
    [row] = store.list_deliveries()
    assert (row.state, row.attempts, row.last_status) == ("queued", 0, None)
    # And the store is usable afterwards (no transaction left open on this thread).
    store.set_meta("after", "yes")
    assert store.get_meta("after") == "yes"
