"""The storage contract, social half: schema, actors, keys, followers, blocks, interactions.

Every test runs against SQLite and PostgreSQL (the ``backend`` fixture's parameters).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from site_function.store import (
    Block,
    Follower,
    Interaction,
    NewDelivery,
    RemoteActor,
    RemoteKey,
    Store,
    StoreError,
)
from site_function.store.migrations import MIGRATIONS
from store_backends import NOW, Backend


def follower(actor_id: str, *, state: str = "accepted", shared: str | None = None,
             at: datetime = NOW, follow_id: str | None = None) -> Follower:  # fmt: skip
    return Follower(
        actor_id=actor_id,
        follow_id=follow_id or f"{actor_id}#follows/1",
        inbox=f"{actor_id}/inbox",
        shared_inbox=shared,
        state=state,  # type: ignore[arg-type]
        follow_activity={"type": "Follow", "actor": actor_id, "id": follow_id or "f"},
        created_at=at,
        updated_at=at,
    )


def block(kind: str, value: str, **extra: object) -> Block:
    return Block(kind=kind, value=value, created_at=NOW, **extra)  # type: ignore[arg-type]


def queued_inboxes(store: Store) -> list[str]:
    return sorted(d.inbox for d in store.list_deliveries(state="queued", limit=1000))


# --- schema ----------------------------------------------------------------------------------


def test_store_satisfies_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_migrate_twice_is_a_no_op(backend: Backend) -> None:
    store = backend.open()
    store.set_meta("kept", "yes")
    store.migrate()
    store.migrate()
    assert store.schema_version() == MIGRATIONS[-1].version
    assert store.get_meta("kept") == "yes"


def test_concurrent_migrations_from_two_openers(backend: Backend) -> None:
    stores = [backend.open(migrate=False) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def run(store: Store) -> None:
        barrier.wait(timeout=10)
        try:
            store.migrate()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert all(s.schema_version() == MIGRATIONS[-1].version for s in stores)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.remember_activity("https://a.example/1", datetime(2026, 1, 1))


# --- actors and keys ---------------------------------------------------------------------------


def test_actor_round_trip_and_upsert(store: Store) -> None:
    actor = RemoteActor(
        id="https://m.example/users/ann",
        inbox="https://m.example/users/ann/inbox",
        shared_inbox="https://m.example/inbox",
        key_id="https://m.example/users/ann#main-key",
        public_key_pem="PEM",
        also_known_as=("https://old.example/@ann",),
        document={"type": "Person", "name": "Ann ☃", "nested": {"a": [1, 2]}},
        fetched_at=NOW,
    )
    assert store.get_actor(actor.id) is None
    store.save_actor(actor)
    assert store.get_actor(actor.id) == actor
    newer = RemoteActor(actor.id, actor.inbox, None, None, None, (), {"type": "Person"},
                        NOW + timedelta(hours=1))  # fmt: skip
    store.save_actor(newer)
    assert store.get_actor(actor.id) == newer


def test_key_round_trip_and_upsert(store: Store) -> None:
    key = RemoteKey("https://g.example/users/bo/main-key", "https://g.example/users/bo", "P1", NOW)
    assert store.get_key(key.key_id) is None
    store.save_key(key)
    assert store.get_key(key.key_id) == key
    rotated = RemoteKey(key.key_id, key.owner, "P2", NOW + timedelta(days=1))
    store.save_key(rotated)
    assert store.get_key(key.key_id) == rotated


def test_forget_actor_purges_everything_about_it(store: Store) -> None:
    ann = "https://m.example/users/ann"
    store.save_actor(RemoteActor(ann, f"{ann}/inbox", "https://m.example/inbox", None, None,
                                 (), {}, NOW))  # fmt: skip
    store.save_key(RemoteKey(f"{ann}#main-key", ann, "PEM", NOW))
    store.save_follower(follower(ann, shared="https://m.example/inbox"), now=NOW)
    post = "https://site.test/ap/posts/a"
    store.save_interaction(
        Interaction(f"{ann}/likes/1", "like", ann, post, {}, "pending", NOW, NOW)
    )
    create = "https://site.test/a/1"
    store.enqueue(
        [NewDelivery(create, f"{ann}/inbox", b"{}"),
         NewDelivery(create, "https://m.example/inbox", b"{}")],
        NOW,
    )  # fmt: skip
    other = "https://m.example/users/cy"
    store.save_follower(follower(other), now=NOW)

    assert store.forget_actor(ann) is True
    assert store.get_actor(ann) is None
    assert store.get_key(f"{ann}#main-key") is None
    assert store.get_follower(ann) is None
    assert store.list_interactions() == []
    # The shared inbox serves other accounts of that server: its delivery stays.
    assert queued_inboxes(store) == ["https://m.example/inbox"]
    assert store.get_follower(other) is not None
    assert store.forget_actor(ann) is False


# --- followers ---------------------------------------------------------------------------------


def test_save_follower_enqueues_the_accept_and_duplicates_are_harmless(store: Store) -> None:
    f = follower("https://m.example/users/ann")
    accept = NewDelivery("https://site.test/accepts/1", f.inbox, b'{"type":"Accept"}')
    store.save_follower(f, [accept], NOW)
    later = follower(f.actor_id, at=NOW + timedelta(hours=1), follow_id="https://m.example/f/2")
    store.save_follower(later, [accept], now=NOW + timedelta(hours=1))
    got = store.get_follower(f.actor_id)
    assert got is not None
    assert got.follow_id == "https://m.example/f/2"
    assert got.created_at == NOW  # the original follow date is kept
    assert got.updated_at == NOW + timedelta(hours=1)
    assert store.count_followers() == 1
    assert [d.body for d in store.list_deliveries()] == [b'{"type":"Accept"}']
    assert store.get_follower_by_follow_id("https://m.example/f/2") == got
    assert store.get_follower_by_follow_id(f.follow_id) is None


def test_save_follower_is_atomic(store: Store) -> None:
    f = follower("https://m.example/users/ann")
    good = NewDelivery("https://site.test/accepts/1", f.inbox, b"{}")
    broken = NewDelivery("https://site.test/accepts/2", f.inbox, None)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.save_follower(f, [good, broken], NOW)
    assert store.get_follower(f.actor_id) is None
    assert store.list_deliveries() == []
    store.save_follower(f, [good], NOW)  # the store is still usable
    assert store.count_followers() == 1


def test_list_and_count_followers_by_state_in_stable_order(store: Store) -> None:
    ids = [f"https://h{i % 3}.example/users/u{i}" for i in range(7)]
    for i, actor in enumerate(ids):
        state = "pending" if i % 4 == 3 else "accepted"
        store.save_follower(
            follower(actor, state=state, at=NOW + timedelta(minutes=i % 2)), now=NOW
        )
    accepted = [a for i, a in enumerate(ids) if i % 4 != 3]
    expected = sorted(accepted, key=lambda a: (ids.index(a) % 2, a))
    assert [f.actor_id for f in store.list_followers()] == expected
    assert [f.actor_id for f in store.list_followers(limit=2, offset=1)] == expected[1:3]
    assert store.count_followers() == 6
    assert store.count_followers("pending") == 1
    assert store.count_followers(None) == 7
    assert {f.actor_id for f in store.list_followers("pending")} == {ids[3]}
    assert len(store.list_followers(None, limit=100)) == 7


def test_remove_follower_enqueues_only_when_there_was_one(store: Store) -> None:
    f = follower("https://m.example/users/ann")
    store.save_follower(f, now=NOW)
    reject = NewDelivery("https://site.test/rejects/1", f.inbox, b"{}")
    assert store.remove_follower("https://m.example/users/nobody", [reject], NOW) is None
    assert store.list_deliveries() == []
    assert store.remove_follower(f.actor_id, [reject], NOW) == f
    assert store.get_follower(f.actor_id) is None
    assert queued_inboxes(store) == [f.inbox]


def test_remove_followers_by_inbox_matches_personal_and_shared(store: Store) -> None:
    store.save_follower(follower("https://m.example/users/a", shared="https://m.example/inbox"),
                        now=NOW)  # fmt: skip
    store.save_follower(follower("https://m.example/users/b", shared="https://m.example/inbox"),
                        now=NOW)  # fmt: skip
    store.save_follower(follower("https://g.example/users/c"), now=NOW)
    gone = store.remove_followers_by_inbox("https://m.example/inbox")
    assert [f.actor_id for f in gone] == ["https://m.example/users/a", "https://m.example/users/b"]
    assert [
        f.actor_id for f in store.remove_followers_by_inbox("https://g.example/users/c/inbox")
    ] == ["https://g.example/users/c"]
    assert store.count_followers(None) == 0


def test_move_follower(store: Store) -> None:
    old = follower("https://old.example/users/ann")
    store.save_follower(old, now=NOW)
    new = follower("https://new.example/users/ann", at=NOW + timedelta(days=1))
    assert store.move_follower("https://nobody.example/users/x", new, NOW) is False
    assert store.get_follower(new.actor_id) is None
    assert store.move_follower(old.actor_id, new, NOW) is True
    assert store.get_follower(old.actor_id) is None
    assert store.get_follower(new.actor_id) == new


def test_delivery_targets_prefer_shared_inboxes_and_skip_blocked(store: Store) -> None:
    shared = "https://m.example/inbox"
    store.save_follower(follower("https://m.example/users/a", shared=shared), now=NOW)
    store.save_follower(follower("https://m.example/users/b", shared=shared), now=NOW)
    store.save_follower(follower("https://g.example/users/c"), now=NOW)
    store.save_follower(follower("https://p.example/users/pending", state="pending"), now=NOW)
    assert store.delivery_targets() == [
        "https://g.example/users/c/inbox",
        shared,
    ]
    # Blocks added behind the store's back (e.g. a follower saved after) are still honoured.
    store.add_block(block("domain", "bad.example"), now=NOW)
    store.save_follower(follower("https://x.bad.example/users/d"), now=NOW)
    store.add_block(block("account", "https://q.example/users/e"), now=NOW)
    store.save_follower(follower("https://q.example/users/e"), now=NOW)
    assert store.delivery_targets() == ["https://g.example/users/c/inbox", shared]


# --- blocks ------------------------------------------------------------------------------------


def test_domain_blocks_cover_subdomains_and_only_them(store: Store) -> None:
    store.add_block(block("domain", "Example.COM."), now=NOW)
    assert store.is_blocked("https://example.com/users/a")
    assert store.is_blocked("https://a.b.example.com/users/a")
    assert store.is_blocked("https://EXAMPLE.com:8443/users/a")
    assert not store.is_blocked("https://notexample.com/users/a")
    assert not store.is_blocked("https://example.com.evil.test/users/a")
    assert not store.is_blocked("not a url")
    assert [b.value for b in store.list_blocks()] == ["example.com"]


def test_idn_domain_blocks_match_punycode_hosts(store: Store) -> None:
    store.add_block(block("domain", "Bücher.example"), now=NOW)
    assert store.is_blocked("https://xn--bcher-kva.example/users/a")
    assert store.is_blocked("https://sub.bücher.example/users/a")


def test_account_blocks_match_exactly(store: Store) -> None:
    store.add_block(block("account", "https://m.example/users/ann"), now=NOW)
    assert store.is_blocked("https://m.example/users/ann")
    assert not store.is_blocked("https://m.example/users/anne")
    assert store.remove_block("account", "https://m.example/users/ann") is True
    assert store.remove_block("account", "https://m.example/users/ann") is False
    assert not store.is_blocked("https://m.example/users/ann")


def test_block_fields_round_trip_and_replace(store: Store) -> None:
    b = block("domain", "spam.example", severity="silence", comment="spam, lots",
              reject_media=True, reject_reports=True, obfuscate=True)  # fmt: skip
    store.add_block(b, now=NOW)
    store.add_block(block("account", "https://a.example/u/1"), now=NOW)
    assert store.list_blocks() == [block("account", "https://a.example/u/1"), b]
    store.add_block(block("domain", "spam.example", comment="changed"), now=NOW)
    assert [x.comment for x in store.list_blocks()] == ["", "changed"]
    assert store.remove_block("domain", "SPAM.example") is True


def test_add_block_removes_covered_followers_and_queues_the_rejects(store: Store) -> None:
    store.save_follower(follower("https://bad.example/users/a"), now=NOW)
    store.save_follower(follower("https://x.bad.example/users/b", state="pending"), now=NOW)
    store.save_follower(follower("https://good.example/users/c"), now=NOW)
    store.save_follower(follower("https://bad_example.test/users/d"), now=NOW)  # LIKE "_" trap
    store.save_follower(follower("https://xbad.example/users/e"), now=NOW)
    store.enqueue([NewDelivery("https://site.test/create/1", "https://bad.example/inbox", b"c"),
                   NewDelivery("https://site.test/create/1", "https://good.example/inbox", b"c")],
                  NOW)  # fmt: skip
    rejects = [
        NewDelivery("https://site.test/rejects/1", "https://bad.example/users/a/inbox", b"r")
    ]
    removed = store.add_block(block("domain", "bad.example"), rejects, NOW)
    assert [f.actor_id for f in removed] == [
        "https://bad.example/users/a",
        "https://x.bad.example/users/b",
    ]
    assert {f.actor_id for f in store.list_followers(None)} == {
        "https://good.example/users/c",
        "https://bad_example.test/users/d",
        "https://xbad.example/users/e",
    }
    # Nothing more goes to the blocked domain except the Reject just queued.
    assert [(d.inbox, d.body) for d in store.list_deliveries(state="queued")] == [
        ("https://good.example/inbox", b"c"),
        ("https://bad.example/users/a/inbox", b"r"),
    ]


def test_add_block_of_an_account_removes_only_that_follower(store: Store) -> None:
    store.save_follower(follower("https://m.example/users/ann"), now=NOW)
    store.save_follower(follower("https://m.example/users/bo"), now=NOW)
    store.enqueue([NewDelivery("https://site.test/create/1", "https://m.example/users/ann/inbox",
                               b"c")], NOW)  # fmt: skip
    removed = store.add_block(block("account", "https://m.example/users/ann"), now=NOW)
    assert [f.actor_id for f in removed] == ["https://m.example/users/ann"]
    assert store.get_follower("https://m.example/users/bo") is not None
    assert store.list_deliveries(state="queued") == []


def test_add_block_is_atomic(store: Store) -> None:
    store.save_follower(follower("https://bad.example/users/a"), now=NOW)
    broken = [NewDelivery("https://site.test/rejects/1", "https://bad.example/inbox", None)]  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.add_block(block("domain", "bad.example"), broken, NOW)
    assert store.list_blocks() == []
    assert store.get_follower("https://bad.example/users/a") is not None


# --- interactions and seen activities ---------------------------------------------------------


def interaction(activity_id: str, actor: str, *, kind: str = "like",
                obj: str = "https://site.test/ap/posts/a") -> Interaction:  # fmt: skip
    return Interaction(activity_id, kind, actor, obj, {"id": activity_id}, "pending", NOW, NOW)  # type: ignore[arg-type]


def test_interactions_are_deduplicated_moderated_and_undone_by_their_actor(store: Store) -> None:
    like = interaction("https://m.example/likes/1", "https://m.example/users/ann")
    assert store.save_interaction(like) is True
    assert store.set_moderation(like.activity_id, "approved") is True
    again = Interaction(
        like.activity_id,
        "like",
        like.actor_id,
        like.object_id,
        {"id": like.activity_id, "v": 2},
        "pending",
        NOW,
        NOW + timedelta(1),
    )
    assert store.save_interaction(again) is False
    got = store.get_interaction(like.activity_id)
    assert got is not None
    assert got.state == "approved"  # the owner's decision survives a redelivery
    assert got.activity == {"id": like.activity_id, "v": 2}
    # Someone else cannot overwrite or undo it.
    forged = Interaction(like.activity_id, "like", "https://evil.example/users/x", like.object_id,
                         {"forged": True}, "pending", NOW, NOW)  # fmt: skip
    assert store.save_interaction(forged) is False
    assert store.get_interaction(like.activity_id) == got
    assert store.remove_interaction(like.activity_id, "https://evil.example/users/x") is False
    assert store.remove_interaction(like.activity_id, like.actor_id) is True
    assert store.get_interaction(like.activity_id) is None
    assert store.set_moderation(like.activity_id, "rejected") is False


def test_list_interactions_filters(store: Store) -> None:
    a = interaction("https://m.example/1", "https://m.example/users/a")
    b = interaction("https://m.example/2", "https://m.example/users/b", kind="reply",
                    obj="https://site.test/ap/posts/b")  # fmt: skip
    c = interaction("https://m.example/3", "https://m.example/users/c", kind="announce")
    for item in (a, b, c):
        store.save_interaction(item)
    store.set_moderation(c.activity_id, "approved")
    assert [i.activity_id for i in store.list_interactions()] == [a.activity_id, b.activity_id,
                                                                 c.activity_id]  # fmt: skip
    assert [i.activity_id for i in store.list_interactions("https://site.test/ap/posts/a")] == [
        a.activity_id,
        c.activity_id,
    ]
    assert [i.activity_id for i in store.list_interactions(state="approved")] == [c.activity_id]
    assert store.list_interactions("https://site.test/ap/posts/b", "approved") == []


def test_remember_activity_is_true_once(store: Store) -> None:
    assert store.remember_activity("https://m.example/activities/1", NOW) is True
    assert store.remember_activity("https://m.example/activities/1", NOW) is False
    assert store.remember_activity("https://m.example/activities/2", NOW + timedelta(days=2))
    assert store.forget_activities_before(NOW + timedelta(days=1)) == 1
    assert store.remember_activity("https://m.example/activities/1", NOW) is True
    assert store.remember_activity("https://m.example/activities/2", NOW) is False


def test_meta(store: Store) -> None:
    assert store.get_meta("actor_hash") is None
    store.set_meta("actor_hash", "abc")
    store.set_meta("actor_hash", "def")
    assert store.get_meta("actor_hash") == "def"


def test_datetimes_come_back_in_utc(store: Store) -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 1, 13, 0, 0, 123456, tzinfo=paris)
    store.save_key(RemoteKey("k", "o", "p", local))
    got = store.get_key("k")
    assert got is not None
    assert got.fetched_at == NOW.replace(microsecond=123456)
    assert got.fetched_at.tzinfo == UTC


def test_activities_seen_before_migration_2_stay_seen(backend: Backend) -> None:
    from site_function.store._sql_core import SqlCore
    from site_function.store.migrations import statements_for

    store = backend.open(migrate=False)
    assert isinstance(store, SqlCore)
    with store._transaction(write=True) as cur:  # a database left at schema version 1
        cur.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            f" applied_at {'TIMESTAMPTZ' if store.dialect == 'postgres' else 'TEXT'} NOT NULL)"
        )
        for statement in statements_for(MIGRATIONS[0], store.dialect):
            cur.execute(statement)
        cur.execute(
            "INSERT INTO schema_migrations VALUES (1, 'initial schema', ?)",
            (store._encode_time(NOW),),
        )
        cur.execute(
            "INSERT INTO seen_activities (activity_id, seen_at) VALUES (?, ?), (?, ?)",
            ("https://m.example/old/1", store._encode_time(NOW),
             "https://m.example/old/2", store._encode_time(NOW + timedelta(days=2))),
        )  # fmt: skip
    assert store.schema_version() == 1
    store.migrate()
    assert store.schema_version() == MIGRATIONS[-1].version
    assert store.remember_activity("https://m.example/old/1", NOW) is False
    assert store.remember_activity("https://m.example/old/2", NOW) is False
    assert store.remember_activity("https://m.example/new/1", NOW) is True
    assert store.forget_activities_before(NOW + timedelta(days=1)) == 2  # old/1 and new/1
    assert store.remember_activity("https://m.example/old/1", NOW) is True
    assert store.remember_activity("https://m.example/old/2", NOW) is False
