"""The storage contract, export half: every concern can be read whole, a page at a time, in
the same order on SQLite and PostgreSQL (code-point order, whatever the server's collation),
and the composed ``Store`` is each small protocol at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from site_function.store import HostState, RemoteActor, RemoteKey, Store
from site_function.store.actors import ActorCache
from site_function.store.blocks import BlockStore
from site_function.store.followers import FollowerStore
from site_function.store.inbox import InboxStore
from site_function.store.interactions import InteractionStore
from site_function.store.ledger import LedgerStore
from site_function.store.lifecycle import StoreLifecycle
from site_function.store.migrations import seen_activity_key
from site_function.store.queue import DeliveryQueue
from site_function.store.settings import SettingsStore
from store_backends import NOW

from site_core.publish.owner_settings import OwnerSettings

# Upper case sorts before lower case by code point, after it in most natural collations.
IDS = ["https://m.example/users/bob", "https://m.example/users/Zed", "https://m.example/users/ann"]


def _actor(actor_id: str) -> RemoteActor:
    return RemoteActor(actor_id, f"{actor_id}/inbox", None, f"{actor_id}#main-key", "PEM", (),
                       {"id": actor_id}, NOW)  # fmt: skip


@pytest.mark.parametrize(
    "concern",
    [
        StoreLifecycle,
        ActorCache,
        FollowerStore,
        BlockStore,
        InteractionStore,
        InboxStore,
        DeliveryQueue,
        LedgerStore,
        SettingsStore,
    ],
)
def test_the_store_is_every_small_protocol(store: Store, concern: type) -> None:
    assert isinstance(store, concern)


def test_list_actors_in_code_point_order_by_pages(store: Store) -> None:
    assert store.list_actors() == []
    for actor_id in IDS:
        store.save_actor(_actor(actor_id))
    listed = store.list_actors()
    assert [a.id for a in listed] == sorted(IDS)
    assert listed[0] == _actor("https://m.example/users/Zed")
    pages = store.list_actors(limit=2) + store.list_actors(limit=2, offset=2)
    assert pages == listed
    assert store.list_actors(limit=2, offset=3) == []


def test_list_keys_in_code_point_order_by_pages(store: Store) -> None:
    assert store.list_keys() == []
    keys = [RemoteKey(f"{actor_id}#main-key", actor_id, f"PEM {actor_id}", NOW) for actor_id in IDS]
    for key in keys:
        store.save_key(key)
    expected = sorted(keys, key=lambda k: k.key_id)
    assert store.list_keys() == expected
    assert store.list_keys(limit=1, offset=1) == expected[1:2]


def test_list_settings_holds_every_setting_in_key_order(store: Store) -> None:
    store.set_meta("publish.b", "2")
    store.set_meta("Publish.A", "1")
    store.set_meta("publish.b", "3")
    owner = OwnerSettings(manually_approves_followers=True)
    store.save_owner_settings(owner)
    listed = store.list_settings()
    assert list(listed) == sorted(listed)
    assert {k: v for k, v in listed.items() if "ublish" in k} == {
        "Publish.A": "1",
        "publish.b": "3",
    }
    assert sum(v == store.get_meta(k) for k, v in listed.items()) == len(listed)
    assert "owner.settings" in listed


def test_list_hosts_in_host_order(store: Store) -> None:
    assert store.list_hosts() == []
    later = NOW + timedelta(minutes=5)
    states = [
        HostState("b.example", 3, NOW, later, "HTTP 503"),
        HostState("a.example:8443", 1, NOW, None, "timeout"),
    ]
    for state in states:
        store.save_host(state)
    assert store.list_hosts() == sorted(states, key=lambda s: s.host)


def test_list_seen_activities_by_key_with_when(store: Store) -> None:
    assert store.list_seen_activities() == []
    ids = [f"https://m.example/activities/{n}" for n in range(5)]
    for n, activity_id in enumerate(ids):
        store.remember_activity(activity_id, NOW + timedelta(seconds=n))
    seen = store.list_seen_activities()
    expected = sorted(
        (seen_activity_key(activity_id), NOW + timedelta(seconds=n))
        for n, activity_id in enumerate(ids)
    )
    assert [(s.key, s.seen_at) for s in seen] == expected
    assert store.list_seen_activities(limit=2, offset=4) == seen[4:]
