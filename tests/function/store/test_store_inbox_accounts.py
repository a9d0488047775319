"""The storage contract: who is behind an inbox, and what earlier activities said.

Both answer "may this earlier inbox still get the post?" once the owner blocked someone
(FEDERATION.md#audience). Every test runs against SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from site_function.store import DeliveryOutcome, Follower, NewDelivery, RemoteActor, Store
from store_backends import NOW

SHARED = "https://big.example/inbox"
ACTIVITIES = "https://site.test/ap/activities/"


def _follower(actor: str, inbox: str, shared: str | None, state: str = "accepted") -> Follower:
    follow = {"id": actor + "#follow", "type": "Follow", "actor": actor}
    return Follower(actor, actor + "#follow", inbox, shared, state, follow, NOW, NOW)  # type: ignore[arg-type]


def _actor(actor: str, inbox: str, shared: str | None) -> RemoteActor:
    return RemoteActor(actor, inbox, shared, None, None, (), {"id": actor}, NOW)


def test_inbox_accounts_lists_followers_and_cached_actors(store: Store) -> None:
    ann, bob = "https://big.example/users/ann", "https://big.example/users/bob"
    cat, dan = "https://big.example/users/cat", "https://small.example/users/dan"
    store.save_follower(_follower(ann, ann + "/inbox", SHARED))
    store.save_actor(_actor(ann, ann + "/inbox", SHARED))  # cached AND following: one row
    store.save_follower(_follower(cat, cat + "/inbox", SHARED, "pending"))  # not a recipient
    store.save_actor(_actor(bob, bob + "/inbox", SHARED))
    store.save_actor(_actor(dan, dan + "/inbox", None))
    found = store.inbox_accounts([SHARED, dan + "/inbox", "https://nobody.example/inbox"])
    assert found == [
        (SHARED, ann, True),
        (SHARED, bob, False),
        (dan + "/inbox", dan, False),
    ]
    assert store.inbox_accounts([bob + "/inbox"]) == [(bob + "/inbox", bob, False)]
    assert store.inbox_accounts([]) == []


def test_inbox_accounts_in_many_chunks(store: Store) -> None:
    inboxes = [f"https://h{n}.example/inbox" for n in range(600)]
    for n in (0, 299, 599):
        store.save_actor(_actor(f"https://h{n}.example/users/u", inboxes[n], None))
    found = store.inbox_accounts(inboxes)
    assert [inbox for inbox, _, _ in found] == sorted([inboxes[0], inboxes[299], inboxes[599]])


def test_activity_bodies_one_per_activity_whatever_its_state(store: Store) -> None:
    create = ACTIVITIES + "create-a"
    body = json.dumps({"id": create, "cc": ["https://x.example/users/x"]}).encode()
    store.enqueue(
        [
            NewDelivery(create, "https://one.example/inbox", body),
            NewDelivery(create, "https://two.example/inbox", body),
            NewDelivery(ACTIVITIES + "create-ab", "https://one.example/inbox", b"{}"),
            NewDelivery(ACTIVITIES + "create-A_", "https://one.example/inbox", b"{}"),
        ],
        NOW,
    )
    for row in store.list_deliveries():
        store.record_many([DeliveryOutcome(row.id, "failed", 403, "HTTP 403")], NOW)
    assert store.activity_bodies([ACTIVITIES + "create-a"]) == [
        (create, body),
        (ACTIVITIES + "create-ab", b"{}"),
    ]
    assert store.activity_bodies([ACTIVITIES + "create-a_"]) == []  # `_` is no wildcard
    assert store.activity_bodies([]) == []
