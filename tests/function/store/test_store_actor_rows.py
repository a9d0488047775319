"""A cached actor read again gives the record it gave before (decoded once per row text on
SQLite), and a changed row, by this store or another instance on the same database, is read
as it now stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from site_function.store import Store
from site_function.store.base import RemoteActor
from store_backends import Backend

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ACTOR = "https://remote.example/users/a"


def _actor(name: str, at: datetime = NOW) -> RemoteActor:
    document = {"id": ACTOR, "type": "Person", "name": name, "inbox": f"{ACTOR}/inbox"}
    return RemoteActor(ACTOR, f"{ACTOR}/inbox", None, f"{ACTOR}#main-key", "PEM", (), document, at)


def test_the_same_row_reads_as_the_same_record(store: Store) -> None:
    store.save_actor(_actor("Ann"))
    first, second = store.get_actor(ACTOR), store.get_actor(ACTOR)
    assert first == second == _actor("Ann")
    with store.transaction():  # the batch's way in: held for the transaction
        assert store.get_actor(ACTOR) == first


def test_a_changed_row_is_read_anew(backend: Backend) -> None:
    store, other = backend.open(), backend.open()
    store.save_actor(_actor("Ann"))
    assert other.get_actor(ACTOR) == _actor("Ann")
    store.save_actor(_actor("Bea"))  # another instance changes it
    found = other.get_actor(ACTOR)
    assert found is not None
    assert found.document["name"] == "Bea"
    later = NOW + timedelta(hours=1)
    store.save_actor(_actor("Bea", later))  # only the time differs: still read anew
    refreshed = other.get_actor(ACTOR)
    assert refreshed is not None
    assert refreshed.fetched_at == later
