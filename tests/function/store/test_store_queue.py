"""The storage contract, delivery half: the queue, leases, host breakers and the publish ledger.

Every test runs against SQLite and PostgreSQL (the ``backend`` fixture's parameters).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from site_function.store import (
    DeliveryOutcome,
    HostState,
    NewDelivery,
    PublishedObject,
    Store,
    StoreError,
)
from store_backends import NOW, Backend

LEASE = timedelta(minutes=5)


def new(activity: str, inbox: str, body: bytes = b"{}") -> NewDelivery:
    return NewDelivery(f"https://site.test/activities/{activity}", inbox, body)


def test_enqueue_ignores_duplicates_within_and_across_batches(store: Store) -> None:
    a, b = "https://a.example/inbox", "https://b.example:8443/inbox"
    batch = [new("1", a), new("1", a), new("1", b), new("2", a)]
    assert store.enqueue(batch, NOW) == 3
    assert store.enqueue(batch, NOW + timedelta(hours=1)) == 0
    assert store.enqueue([], NOW) == 0
    rows = store.list_deliveries()
    assert [(d.activity_id[-1], d.host) for d in rows] == [
        ("1", "a.example"),
        ("1", "b.example:8443"),
        ("2", "a.example"),
    ]
    first = rows[0]
    assert first.state == "queued"
    assert first.attempts == 0
    assert first.next_attempt_at == first.created_at == NOW
    assert first.lease_until is None
    assert first.body == b"{}"


def test_claim_due_takes_oldest_first_and_leases(store: Store) -> None:
    store.enqueue([new("late", "https://a.example/inbox")], NOW + timedelta(seconds=10))
    store.enqueue([new("early", "https://b.example/inbox")], NOW)
    store.enqueue([new("future", "https://c.example/inbox")], NOW + timedelta(hours=1))
    claimed = store.claim_due(NOW + timedelta(seconds=20), 10, LEASE)
    assert [d.activity_id.rsplit("/", 1)[1] for d in claimed] == ["early", "late"]
    assert all(d.lease_until == NOW + timedelta(seconds=20) + LEASE for d in claimed)
    # Leased rows are not handed out again while the lease holds.
    assert store.claim_due(NOW + timedelta(seconds=30), 10, LEASE) == []
    assert store.claim_due(NOW, 0, LEASE) == []


def test_claim_due_respects_the_limit(store: Store) -> None:
    store.enqueue([new(str(i), f"https://h{i}.example/inbox") for i in range(5)], NOW)
    first = store.claim_due(NOW, 2, LEASE)
    second = store.claim_due(NOW, 10, LEASE)
    assert len(first) == 2
    assert len(second) == 3
    assert {d.id for d in first}.isdisjoint(d.id for d in second)


def test_an_expired_lease_is_claimable_again(store: Store) -> None:
    store.enqueue([new("1", "https://a.example/inbox")], NOW)
    (row,) = store.claim_due(NOW, 10, LEASE)
    assert store.claim_due(NOW + LEASE - timedelta(seconds=1), 10, LEASE) == []
    (again,) = store.claim_due(NOW + LEASE, 10, LEASE)
    assert again.id == row.id
    assert again.attempts == 0  # a killed drain did not count as an attempt


def test_paused_hosts_are_skipped_until_the_pause_ends(store: Store) -> None:
    store.enqueue([new("1", "https://down.example/inbox"), new("1", "https://up.example/inbox")],
                  NOW)  # fmt: skip
    pause = HostState("down.example", 12, NOW - timedelta(days=1), NOW + timedelta(hours=1), "503")
    store.save_host(pause)
    long_lease = timedelta(days=1)
    assert [d.host for d in store.claim_due(NOW, 10, long_lease)] == ["up.example"]
    assert store.claim_due(NOW + timedelta(minutes=59), 10, LEASE) == []
    assert [d.host for d in store.claim_due(NOW + timedelta(hours=1), 10, LEASE)] == [
        "down.example"
    ]


def test_host_state_round_trip(store: Store) -> None:
    assert store.get_host("a.example") is None
    state = HostState("a.example", 3, NOW, None, "timeout")
    store.save_host(state)
    assert store.get_host("a.example") == state
    store.save_host(HostState("a.example", 0, None, None, None))
    assert store.get_host("a.example") == HostState("a.example", 0, None, None, None)


def test_outcomes_update_rows(store: Store) -> None:
    store.enqueue([new(str(i), f"https://h{i}.example/inbox") for i in range(3)], NOW)
    a, b, c = store.claim_due(NOW, 10, LEASE)
    later = NOW + timedelta(seconds=5)
    store.mark_delivered(a.id, 202, later)
    store.mark_retry(b.id, 503, "Service Unavailable", NOW + timedelta(minutes=1), later)
    store.mark_failed(c.id, 403, "Forbidden", later)
    rows = {d.id: d for d in store.list_deliveries()}
    assert (rows[a.id].state, rows[a.id].attempts, rows[a.id].last_status) == ("done", 1, 202)
    assert rows[a.id].lease_until is None
    assert rows[a.id].updated_at == later
    assert (rows[b.id].state, rows[b.id].attempts, rows[b.id].last_error) == (
        "queued", 1, "Service Unavailable"
    )  # fmt: skip
    assert rows[b.id].next_attempt_at == NOW + timedelta(minutes=1)
    assert rows[b.id].lease_until is None
    assert (rows[c.id].state, rows[c.id].last_status, rows[c.id].last_error) == (
        "failed", 403, "Forbidden"
    )  # fmt: skip
    # The retried row comes back when due, not before.
    assert store.claim_due(NOW + timedelta(seconds=59), 10, LEASE) == []
    assert [d.id for d in store.claim_due(NOW + timedelta(minutes=1), 10, LEASE)] == [b.id]


def test_a_late_outcome_cannot_undo_a_finished_row(store: Store) -> None:
    store.enqueue([new("1", "https://a.example/inbox")], NOW)
    (row,) = store.claim_due(NOW, 10, LEASE)
    store.mark_delivered(row.id, 202, NOW)
    store.mark_retry(row.id, None, "timeout", NOW + timedelta(minutes=1), NOW)
    store.mark_failed(row.id, 400, "late", NOW)
    (after,) = store.list_deliveries()
    assert (after.state, after.attempts, after.last_status) == ("done", 1, 202)


def test_record_many_applies_a_batch_in_one_transaction(store: Store) -> None:
    store.enqueue([new(str(i), f"https://h{i}.example/inbox") for i in range(4)], NOW)
    rows = store.claim_due(NOW, 10, LEASE)
    retry_at = NOW + timedelta(minutes=2)
    store.record_many(
        [
            DeliveryOutcome(rows[0].id, "delivered", 200),
            DeliveryOutcome(rows[1].id, "delivered", 202),
            DeliveryOutcome(rows[2].id, "retry", None, "connection refused", retry_at),
            DeliveryOutcome(rows[3].id, "failed", 410, "Gone"),
        ],
        NOW,
    )
    states = [(d.state, d.last_status) for d in store.list_deliveries()]
    assert states == [("done", 200), ("done", 202), ("queued", None), ("failed", 410)]
    with pytest.raises(ValueError, match="next_attempt_at"):
        store.record_many([DeliveryOutcome(rows[2].id, "retry", 503, "x")], NOW)


def test_summary_and_listing(store: Store) -> None:
    store.enqueue([new("1", "https://a.example/inbox"), new("1", "https://b.example/inbox"),
                   new("2", "https://a.example/inbox"), new("3", "https://a.example/inbox")],
                  NOW)  # fmt: skip
    rows = store.claim_due(NOW, 10, LEASE)
    by_key = {(d.activity_id[-1], d.host): d for d in rows}
    store.mark_delivered(by_key[("1", "a.example")].id, 202, NOW)
    store.mark_retry(by_key[("2", "a.example")].id, 500, "boom", NOW, NOW)
    store.mark_failed(by_key[("1", "b.example")].id, 404, "Not Found", NOW)
    pause = NOW + timedelta(hours=2)
    store.save_host(HostState("a.example", 4, NOW, pause, "500 from a"))
    summary = store.delivery_summary()
    assert summary.counts == {"queued": 2, "done": 1, "failed": 1}
    assert summary.retrying == 1
    a, b = summary.hosts
    assert (a.host, a.queued, a.retrying, a.done, a.failed) == ("a.example", 2, 1, 1, 0)
    assert (a.last_error, a.paused_until) == ("500 from a", pause)
    assert (b.host, b.queued, b.failed, b.last_error, b.paused_until) == (
        "b.example", 0, 1, "Not Found", None
    )  # fmt: skip
    assert [d.host for d in store.list_deliveries(state="queued")] == ["a.example", "a.example"]
    assert [d.state for d in store.list_deliveries(host="b.example")] == ["failed"]
    assert len(store.list_deliveries(limit=2)) == 2
    assert store.list_deliveries(state="done", host="b.example") == []


def test_an_empty_summary_has_every_state(store: Store) -> None:
    summary = store.delivery_summary()
    assert summary.counts == {"queued": 0, "done": 0, "failed": 0}
    assert summary.hosts == []


def test_retry_failed_requeues_and_resets_the_breaker(store: Store) -> None:
    store.enqueue([new("1", "https://a.example/inbox"), new("1", "https://b.example/inbox")], NOW)
    for row in store.claim_due(NOW, 10, LEASE):
        store.mark_failed(row.id, 500, "gave up", NOW)
    store.save_host(HostState("a.example", 9, NOW, NOW + timedelta(days=1), "gave up"))
    store.save_host(HostState("b.example", 9, NOW, NOW + timedelta(days=1), "gave up"))
    later = NOW + timedelta(hours=3)
    assert store.retry_failed(later, host="a.example") == 1
    assert store.get_host("a.example") is None
    assert store.get_host("b.example") is not None
    (row,) = store.claim_due(later, 10, LEASE)
    assert (row.host, row.attempts, row.next_attempt_at) == ("a.example", 0, later)
    assert store.retry_failed(later) == 1
    assert store.get_host("b.example") is None
    assert store.retry_failed(later) == 0


def test_concurrent_claimers_never_share_a_row(backend: Backend) -> None:
    """Two openers (like two processes) and several threads claim until the queue is empty."""
    first = backend.open()
    second = backend.open()
    total = 300
    first.enqueue([new(str(i), f"https://h{i % 17}.example/inbox") for i in range(total)], NOW)
    claimed: list[list[int]] = [[] for _ in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(claimed))

    def claim(index: int) -> None:
        store = (first, second)[index % 2]
        barrier.wait(timeout=10)
        try:
            for _ in range(500):  # bounded: the queue empties long before
                rows = store.claim_due(NOW, 7, LEASE)
                if not rows:
                    return
                claimed[index].extend(d.id for d in rows)
                store.record_many([DeliveryOutcome(d.id, "delivered", 202) for d in rows], NOW)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(claimed))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    ids = [i for part in claimed for i in part]
    assert len(ids) == len(set(ids)) == total
    assert first.delivery_summary().counts["done"] == total


# --- the publish ledger -------------------------------------------------------------------------


def published(slug: str, *, state: str = "live", at: int = 0) -> PublishedObject:
    when = NOW + timedelta(minutes=at)
    return PublishedObject(f"https://site.test/ap/posts/{slug}", slug, f"sha-{slug}-{at}",
                           None if at == 0 else when, state, when, when)  # type: ignore[arg-type]  # fmt: skip


def test_ledger_rows_and_their_deliveries_are_saved_together(store: Store) -> None:
    a, b = published("a"), published("b")
    store.save_published([a, b], [new("create-a", "https://m.example/inbox")], NOW)
    assert store.list_published() == [a, b]
    assert store.get_published(a.object_id) == a
    assert store.get_published("https://site.test/ap/posts/none") is None
    edited = published("a", at=30)
    store.save_published([edited], [new("update-a", "https://m.example/inbox")], NOW)
    got = store.get_published(a.object_id)
    assert got is not None
    assert got.first_sent_at == a.first_sent_at  # history is kept
    assert (got.content_hash, got.updated, got.last_sent_at) == (
        edited.content_hash, edited.updated, edited.last_sent_at
    )  # fmt: skip
    store.save_published([published("b", state="deleted", at=60)], [], NOW)
    assert [p.state for p in store.list_published()] == ["live", "deleted"]
    assert len(store.list_deliveries()) == 2


def test_save_published_is_atomic(store: Store) -> None:
    broken = NewDelivery("https://site.test/activities/x", "https://m.example/inbox", None)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.save_published([published("a")], [new("ok", "https://m.example/inbox"), broken], NOW)
    assert store.list_published() == []
    assert store.list_deliveries() == []


_CLAIMER = """
import sys
from datetime import datetime, timedelta
from site_function.store import DeliveryOutcome, open_store
store = open_store(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # start together
ids = []
for _ in range(500):
    rows = store.claim_due(now, 5, timedelta(minutes=5))
    if not rows:
        break
    ids += [d.id for d in rows]
    store.record_many([DeliveryOutcome(d.id, "delivered", 202) for d in rows], now)
store.close()
print(" ".join(map(str, ids)))
"""


def test_claimers_in_separate_processes_never_share_a_row(backend: Backend) -> None:
    import subprocess
    import sys

    store = backend.open()
    total = 200
    store.enqueue([new(str(i), f"https://h{i % 9}.example/inbox") for i in range(total)], NOW)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIMER, backend.url, NOW.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert all(proc.returncode == 0 for proc in procs)
    ids = [int(i) for out in outputs for i in out.split()]
    assert len(ids) == len(set(ids)) == total
    assert store.delivery_summary().counts == {"queued": 0, "done": total, "failed": 0}
