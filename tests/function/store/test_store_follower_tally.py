"""The storage contract, follower tally half: the counts by state and server that the admin
page heads with stay exact through every kind of follower write (upserts that change state,
moves, removals by actor, inbox and domain block, severing), and a database that had
followers before the tally existed gets them counted when it migrates, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from site_function.store import Block, Follower, Store
from site_function.store.base import FollowState
from store_backends import NOW, Backend


def _follower(host: str, i: int, state: FollowState = "accepted") -> Follower:
    actor = f"https://{host}/users/u{i}"
    follow = {"id": f"{actor}#f"}
    when = NOW + timedelta(seconds=i)
    return Follower(actor, follow["id"], f"{actor}/inbox", None, state, follow, when, when)


def _truth(store: Store, state: FollowState) -> Counter[str]:
    """What the tally must say, counted from the rows themselves."""
    rows = store.follower_page(state, limit=10_000)
    return Counter(f.actor_id.split("/")[2] for f in rows)


def _assert_exact(store: Store) -> None:
    for state in ("accepted", "pending"):
        truth = _truth(store, state)
        assert store.count_followers(state) == sum(truth.values())
        assert dict(store.follower_domains(state, 1_000)) == dict(truth)
    both = _truth(store, "accepted") + _truth(store, "pending")
    assert store.count_followers(None) == sum(both.values())
    assert dict(store.follower_domains(None, 1_000)) == dict(both)


def test_the_tally_follows_every_kind_of_write(store: Store) -> None:
    hosts = ["a.example", "b.example", "sub.b.example", "c.example"]
    for i in range(40):
        store.save_follower(_follower(hosts[i % 4], i, "pending" if i % 3 == 0 else "accepted"))
    _assert_exact(store)
    store.save_follower(_follower("a.example", 0, "accepted"))  # a request approved
    store.save_follower(_follower("a.example", 4, "accepted"))  # a duplicate Follow
    store.save_follower(_follower("c.example", 7, "pending"))  # back to pending
    _assert_exact(store)
    store.move_follower("https://a.example/users/u8", _follower("d.example", 8), NOW)
    assert store.remove_follower("https://c.example/users/u3") is not None
    store.remove_followers_by_inbox("https://c.example/users/u11/inbox")
    _assert_exact(store)
    store.add_block(Block("domain", "b.example", NOW), now=NOW)  # b and sub.b go
    store.add_block(Block("account", "https://a.example/users/u12", NOW), now=NOW)
    _assert_exact(store)
    assert store.follower_domains("accepted", 1_000)[0][0] in {"a.example", "c.example"}
    assert not any(d.endswith("b.example") for d, _ in store.follower_domains(None, 1_000))


def test_the_top_servers_come_first_ties_by_name(store: Store) -> None:
    for i, host in enumerate(["z.example"] * 3 + ["m.example"] * 2 + ["a.example"] * 2):
        store.save_follower(_follower(host, i))
    store.save_follower(_follower("p.example", 99, "pending"))
    assert store.follower_domains("accepted", 2) == [("z.example", 3), ("a.example", 2)]
    assert store.follower_domains("accepted", 0) == []
    assert store.follower_domains(None, 10)[-1] == ("p.example", 1)
    assert (store.count_followers("accepted"), store.count_followers("pending")) == (7, 1)


def test_followers_stored_before_the_tally_are_counted(backend: Backend) -> None:
    from site_function.store._sql_core import SqlCore
    from site_function.store.migrations import MIGRATIONS, statements_for

    store = backend.open(migrate=False)
    assert isinstance(store, SqlCore)
    time_type = "TIMESTAMPTZ" if store.dialect == "postgres" else "TEXT"
    with store._transaction(write=True) as cur:  # a database left at schema version 7
        cur.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            f" applied_at {time_type} NOT NULL)"
        )
        for migration in MIGRATIONS:
            if migration.version <= 7:
                for statement in statements_for(migration, store.dialect):
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, store._encode_time(NOW)),
                )
    for i in range(9):
        store.save_follower(_follower("old.example" if i % 3 else "x.example", i))
    store.save_follower(_follower("x.example", 20, "pending"))
    assert store.schema_version() == 7
    store.migrate()
    assert store.schema_version() == MIGRATIONS[-1].version
    assert store.follower_domains("accepted", 5) == [("old.example", 6), ("x.example", 3)]
    _assert_exact(store)
    store.save_follower(_follower("x.example", 20))  # and the triggers count from there
    assert store.follower_domains("accepted", 5) == [("old.example", 6), ("x.example", 4)]
