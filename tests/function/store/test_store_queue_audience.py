"""The storage contract, delivery half continued: releasing claims unsent, and where an
object's activities went (the audience of its Delete, FEDERATION.md#tombstones).

Every test runs against SQLite and PostgreSQL (the ``backend`` fixture's parameters).
"""

from __future__ import annotations

from datetime import timedelta

from site_function.store import DeliveryOutcome, NewDelivery, Store
from store_backends import NOW

LEASE = timedelta(minutes=5)
ACTIVITIES = "https://site.test/ap/activities/"


def new(activity: str, inbox: str) -> NewDelivery:
    return NewDelivery(ACTIVITIES + activity, inbox, b"{}")


def test_release_claims_gives_rows_back_without_an_attempt(store: Store) -> None:
    store.enqueue([new("a", "https://a.example/inbox"), new("b", "https://b.example/inbox")], NOW)
    first, second = store.claim_due(NOW, 10, LEASE)
    # `second` failed once before: its last error and attempt count must survive a release.
    store.record_many([DeliveryOutcome(second.id, "retry", 503, "HTTP 503", NOW)], NOW)
    (second,) = store.claim_due(NOW + timedelta(seconds=1), 10, LEASE)
    later = NOW + timedelta(seconds=30)
    assert store.release_claims([first.id, second.id], later) == 2
    rows = {d.id: d for d in store.list_deliveries()}
    assert rows[first.id].attempts == 0
    assert rows[first.id].last_error is None
    assert rows[second.id].attempts == 1
    assert rows[second.id].last_error == "HTTP 503"
    assert all(d.state == "queued" and d.lease_until is None for d in rows.values())
    assert all(d.next_attempt_at <= later for d in rows.values())
    # Due again at once, for the next claimer, and not counted as retrying.
    assert {d.id for d in store.claim_due(later, 10, LEASE)} == {first.id, second.id}
    assert store.delivery_summary().retrying == 1
    assert store.release_claims([], later) == 0


def test_release_claims_leaves_finished_rows_alone(store: Store) -> None:
    store.enqueue([new("a", "https://a.example/inbox")], NOW)
    (row,) = store.claim_due(NOW, 10, LEASE)
    store.record_many([DeliveryOutcome(row.id, "delivered", 202)], NOW)
    assert store.release_claims([row.id, 999_999], NOW) == 0
    (done,) = store.list_deliveries()
    assert done.state == "done"


def test_activity_inboxes_by_prefix(store: Store) -> None:
    store.enqueue(
        [
            new("create-a", "https://m.example/inbox"),
            new("create-a", "https://mentioned.example/users/x/inbox"),
            new("update-a-20260301T120000Z", "https://edit.example/inbox"),
            new("update-a-20260301T120000Z", "https://m.example/inbox"),
            new("create-xab", "https://other.example/inbox"),
            new("create-A", "https://case.example/inbox"),  # nor is case ignored
            new("create-refused", "https://refused.example/inbox"),
        ],
        NOW,
    )
    (refused,) = [d for d in store.list_deliveries() if d.activity_id.endswith("create-refused")]
    store.record_many([DeliveryOutcome(refused.id, "failed", 403, "HTTP 403")], NOW)
    found = store.activity_inboxes([ACTIVITIES + "create-a", ACTIVITIES + "update-a-"])
    assert found == sorted(
        [
            (ACTIVITIES + "create-a", "https://m.example/inbox"),
            (ACTIVITIES + "create-a", "https://mentioned.example/users/x/inbox"),
            (ACTIVITIES + "update-a-20260301T120000Z", "https://edit.example/inbox"),
            (ACTIVITIES + "update-a-20260301T120000Z", "https://m.example/inbox"),
        ]
    )
    assert store.activity_inboxes([ACTIVITIES + "create-refused"]) == []  # failed: left out
    assert store.activity_inboxes([ACTIVITIES + "create-x_b"]) == []  # `_` is no wildcard
    assert store.activity_inboxes([ACTIVITIES + "create-%"]) == []
    assert store.activity_inboxes([]) == []
