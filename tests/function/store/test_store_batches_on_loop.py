"""PostgreSQL inbox batches run on the event loop's thread (`store._pg_loop_waits`): a batch
waiting for the server leaves the loop free, errors and cancellations reach the awaiting
request, and a batch's open transaction is its own while it waits.

All against the real server (127.0.0.1:5432, database ``test``, a schema per test)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from site_function.store import Interaction, PublishedObject, Store
from site_function.store._pg_loop_waits import LoopConnection, run_on_loop
from site_function.store.base import InboxItem
from store_backends import NOW, PG_URL, Backend, postgres_schema

pytestmark = pytest.mark.postgres

ALICE = "https://remote.example/users/alice"
BOB = "https://remote.example/users/bob"
POST = "https://alice.example/ap/posts/hello"


@pytest.fixture
def pg() -> Iterator[Backend]:
    for schema in postgres_schema():
        separator = "&" if "?" in PG_URL else "?"
        found = Backend(
            "postgres", f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
        )
        try:
            yield found
        finally:
            found.close_all()


async def _ticks_during(work: Any) -> tuple[Any, int]:
    """Await `work` while a ticker counts the loop's turns every 10 ms: (result, ticks)."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    counting = asyncio.create_task(ticker())
    try:
        return await work, ticks
    finally:
        done.set()
        await counting


def test_a_wait_for_the_server_leaves_the_loop_free() -> None:
    conn = LoopConnection.connect(PG_URL, autocommit=True)
    try:
        slow = lambda: conn.execute("SELECT pg_sleep(0.3), 42").fetchone()  # noqa: E731
        (row, ticks) = asyncio.run(_ticks_during(run_on_loop(slow)))
        assert row == ("", 42)
        assert ticks >= 15  # about 30 turns of 10 ms; a blocked loop would count none
        # Outside a batch the same connection waits as psycopg does (the loop is not asked).
        assert conn.execute("SELECT 7").fetchone() == (7,)
    finally:
        conn.close()


def test_an_error_of_the_server_reaches_the_awaiting_caller() -> None:
    conn = LoopConnection.connect(PG_URL, autocommit=True)
    try:
        failing = lambda: conn.execute("SELECT 1 / 0").fetchone()  # noqa: E731
        with pytest.raises(psycopg.errors.DivisionByZero):
            asyncio.run(run_on_loop(failing))
        assert asyncio.run(run_on_loop(lambda: conn.execute("SELECT 8").fetchone())) == (8,)
    finally:
        conn.close()


def test_a_cancelled_batch_ends_at_once_and_the_loop_goes_on() -> None:
    conn = LoopConnection.connect(PG_URL, autocommit=True)

    async def cancel_soon() -> float:
        task = asyncio.ensure_future(
            run_on_loop(lambda: conn.execute("SELECT pg_sleep(5)").fetchone())
        )
        await asyncio.sleep(0.1)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.01)  # the loop still turns
        return time.monotonic() - started

    try:
        assert asyncio.run(cancel_soon()) < 2.0
    finally:
        conn.close()


def _like(activity_id: str, actor_id: str, inside: list[str]) -> InboxItem:
    """A Like whose handler notes that it runs, then waits 0.2 s for the server inside the
    batch's open transaction, before its Like is written."""

    def handle(s: Store) -> tuple[Any, bool]:
        inside.append(activity_id)
        with s._transaction(write=False) as cur:  # type: ignore[attr-defined]  # the batch's
            cur.execute("SELECT pg_sleep(0.2)")
            cur.fetchone()
        record = {"id": activity_id, "type": "Like", "actor": actor_id, "object": POST}
        like = Interaction(activity_id, "like", actor_id, POST, record, "pending", NOW, NOW, None)
        return s.save_interaction(like), True

    return InboxItem(actor_id, activity_id, NOW, handle)


def test_a_batch_waiting_on_the_loop_lends_its_transaction_to_nothing(pg: Backend) -> None:
    """While a batch waits (suspended on the loop's thread, its transaction open), a store
    call made on the same thread runs in a transaction of its own: it does not see the
    batch's uncommitted Like, and the batch commits as if alone."""
    store = pg.open()
    store.save_published([PublishedObject(POST, "hello", "h", None, "live", NOW, NOW)], [], NOW)
    inside: list[str] = []
    items = [_like("https://r/1", ALICE, inside), _like("https://r/2", BOB, inside)]
    seen_meanwhile: list[int] = []

    async def scenario() -> list[Any]:
        batch = asyncio.ensure_future(run_on_loop(lambda: store.receive_activities(items)))
        for _ in range(10_000):  # bounded: a batch waits a few times, each a few turns
            await asyncio.sleep(0)  # the batch runs up to its next wait, then this turn
            if batch.done():
                break
            # This thread has no open transaction, though the batch (on this thread) has
            # one; checked first: a call that joined the suspended batch would hang on it.
            assert getattr(store._local, "active", None) is None  # type: ignore[attr-defined]
            if inside and not seen_meanwhile:  # the batch waits in its first handler
                seen_meanwhile.append(store.count_interactions(ALICE, "like"))
        result: list[Any] = await batch
        return result

    assert asyncio.run(scenario()) == [True, True]
    assert inside == ["https://r/1", "https://r/2"]
    assert seen_meanwhile == [0]
    assert store.count_interactions(ALICE, "like") == store.count_interactions(BOB, "like") == 1


def test_the_store_leaves_the_batch_a_connection_of_its_own(pg: Backend) -> None:
    store = pg.open()
    assert store.worker_threads == 7  # eight pooled connections, one for the loop's batch
    assert store.batch_runner is run_on_loop  # type: ignore[attr-defined]


@pytest.mark.parametrize("poll", [True, False], ids=["poll", "select"])
def test_a_socket_ready_now_costs_no_turn_of_the_loop(
    poll: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_ready_now`: what a socket is ready for at this instant, so that a pipelined batch
    sends its statements without asking the loop (a statement waits for "writable")."""
    from psycopg.waiting import Ready, Wait
    from site_function.store import _pg_loop_waits
    from site_function.store._pg_loop_waits import _ready_now

    monkeypatch.setattr(_pg_loop_waits, "_HAS_POLL", poll)  # select(): as on Windows
    ours, theirs = socket.socketpair()
    try:
        assert _ready_now(ours.fileno(), int(Wait.R)) == 0  # nothing to read: ask the loop
        assert _ready_now(ours.fileno(), int(Wait.W)) == int(Ready.W)
        assert _ready_now(ours.fileno(), int(Wait.RW)) == int(Ready.W)
        theirs.sendall(b"answer")
        assert _ready_now(ours.fileno(), int(Wait.R)) == int(Ready.R)
        assert _ready_now(ours.fileno(), int(Wait.RW)) == int(Ready.RW)
    finally:
        ours.close()
        theirs.close()
