"""The owner's settings in the store, on SQLite and PostgreSQL: saved alone (serve's seed) or
with a publish (atomically), seen by another process from its next transaction, and read by
the inbox inside its own transaction."""

from __future__ import annotations

import pytest
from site_function.store import NewDelivery, PublishedObject, Store, StoreError
from store_backends import NOW, Backend

from site_core.publish.owner_settings import OwnerSettings

APPROVAL = OwnerSettings(manually_approves_followers=True)
MOVED = OwnerSettings(
    manually_approves_followers=False,
    also_known_as=("https://old.example/users/ann", "https://older.example/@ann"),
    moved_to="https://new.example/users/ann",
)


def _row(slug: str) -> PublishedObject:
    return PublishedObject(f"https://site.test/ap/posts/{slug}", slug, "h", None, "live", NOW, NOW)


def test_nothing_is_known_before_a_save(store: Store) -> None:
    assert store.get_owner_settings() is None


def test_saved_settings_come_back_and_are_replaced(store: Store) -> None:
    store.save_owner_settings(APPROVAL)
    assert store.get_owner_settings() == APPROVAL
    store.save_owner_settings(MOVED)
    assert store.get_owner_settings() == MOVED


def test_a_publish_stores_its_settings_and_meta_with_its_rows(store: Store) -> None:
    delivery = NewDelivery("https://site.test/ap/activities/create-a", "https://m.example/inbox",
                           b"{}")  # fmt: skip
    store.save_published([_row("a")], [delivery], NOW, owner=MOVED, meta={"publish.x": "1"})
    assert store.get_owner_settings() == MOVED
    assert store.get_meta("publish.x") == "1"
    assert store.get_published(_row("a").object_id) is not None
    store.save_published([_row("b")], [], NOW)  # a publish without settings keeps them
    assert store.get_owner_settings() == MOVED


def test_a_failed_publish_leaves_the_settings_as_they_were(store: Store) -> None:
    store.save_owner_settings(APPROVAL)
    # The settings are written first; the delivery without a body fails after them.
    broken = NewDelivery("https://site.test/ap/activities/x", "https://m.example/inbox",
                         None)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(StoreError):
        store.save_published([_row("a")], [broken], NOW, owner=MOVED, meta={"publish.x": "1"})
    assert store.get_owner_settings() == APPROVAL
    assert store.get_meta("publish.x") is None
    assert store.get_published(_row("a").object_id) is None


def test_another_process_sees_a_publish_from_its_next_transaction(backend: Backend) -> None:
    """Several instances of the function share one database; a publish through any of them
    (or the CLI) counts everywhere, without a restart."""
    inbox, publisher = backend.open(), backend.open()
    assert inbox.get_owner_settings() is None
    publisher.save_published([], [], NOW, owner=APPROVAL)
    assert inbox.get_owner_settings() == APPROVAL
    publisher.save_owner_settings(MOVED)
    assert inbox.get_owner_settings() == MOVED


def test_the_inbox_transaction_reads_the_settings_it_wrote(store: Store) -> None:
    store.save_owner_settings(APPROVAL)
    seen: list[OwnerSettings | None] = []

    def handle(tx: Store) -> tuple[str, bool]:
        seen.append(tx.get_owner_settings())
        seen.append(tx.get_owner_settings())  # the same transaction: the same answer
        tx.save_owner_settings(MOVED)
        seen.append(tx.get_owner_settings())
        return "done", True

    result = store.receive_activity("https://m.example/users/a", "https://m.example/1", NOW,
                                    handle)  # fmt: skip
    assert result == "done"
    assert seen == [APPROVAL, APPROVAL, MOVED]
    assert store.get_owner_settings() == MOVED


def test_a_discarded_inbox_transaction_keeps_the_settings(store: Store) -> None:
    store.save_owner_settings(APPROVAL)

    def handle(tx: Store) -> tuple[str, bool]:
        tx.save_owner_settings(MOVED)
        return "discarded", False

    result = store.receive_activity("https://m.example/users/a", "https://m.example/2", NOW,
                                    handle)  # fmt: skip
    assert result == "discarded"
    assert store.get_owner_settings() == APPROVAL
