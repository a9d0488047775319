"""The drain engine against a real store and a loopback inbox server, with real signatures."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import pytest
from site_function.delivery import (
    AiohttpSender,
    BreakerPolicy,
    DrainSettings,
    RetryPolicy,
    drain,
)
from site_function.store import Follower, NewDelivery, Store, host_of

from site_core.keys import public_key_pem
from site_core.signatures import VerifiedSignature, verify_request
from site_remote.client import ClientSettings, make_session

pytestmark = pytest.mark.anyio


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    opened = make_session(ClientSettings(user_agent="test", allow_private_addresses=True))
    yield opened
    await opened.close()


def _body(n: int = 1) -> bytes:
    return b'{"id":"https://site.test/ap/activities/create-%d","type":"Create"}' % n


def _follower(actor: str, inbox: str, now: datetime, shared: str | None = None) -> Follower:
    return Follower(actor, actor + "#follow", inbox, shared, "accepted", {"id": actor}, now, now)


def _verify(received, public_key, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    target = urlsplit("http://x" + received.path)
    result = verify_request(
        "POST", target.path, target.query, received.headers, received.body, public_key, now
    )
    return isinstance(result, VerifiedSignature)


async def test_delivers_each_row_once_signed(store: Store, receiver, signing_key, session) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    inboxes = [receiver.behave(f"/inbox/{i}", [202]) for i in range(30)]
    added = store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], now)
    assert added == 30
    report = await drain(store, AiohttpSender(session), signing_key, budget=10)
    assert (report.claimed, report.delivered, report.retried, report.failed) == (30, 30, 0, 0)
    assert report.stopped == "empty"
    assert sorted(r.path for r in receiver.requests) == sorted(f"/inbox/{i}" for i in range(30))
    public = __import__("site_core.keys", fromlist=["x"]).load_public_key(
        public_key_pem(signing_key.private_key)
    )
    assert all(_verify(r, public, datetime.now(UTC)) for r in receiver.requests)
    assert all(r.headers["content-type"] == "application/activity+json" for r in receiver.requests)
    assert store.delivery_summary().counts["done"] == 30
    # A second drain has nothing to do and sends nothing.
    again = await drain(store, AiohttpSender(session), signing_key, budget=10)
    assert again.claimed == 0
    assert len(receiver.requests) == 30


async def test_retry_then_success_each_attempt_signed_afresh(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session, clock
) -> None:
    inbox = receiver.behave("/flaky", [503, 503, 202])
    store.enqueue([NewDelivery("a1", inbox, _body())], clock())
    sender = AiohttpSender(session, clock=clock)
    rng = random.Random(1)
    first = await drain(store, sender, signing_key, budget=5, clock=clock, rng=rng)
    assert first.retried == 1
    assert first.delivered == 0
    [row] = store.list_deliveries()
    assert row.state == "queued"
    assert row.attempts == 1
    assert row.last_status == 503
    assert row.next_attempt_at > clock() + timedelta(seconds=40)
    # Not due yet: nothing is sent.
    assert (await drain(store, sender, signing_key, budget=5, clock=clock)).claimed == 0
    clock.advance(minutes=2)
    second = await drain(store, sender, signing_key, budget=5, clock=clock, rng=rng)
    assert second.retried == 1
    clock.advance(minutes=5)
    third = await drain(store, sender, signing_key, budget=5, clock=clock, rng=rng)
    assert third.delivered == 1
    dates = [r.headers["date"] for r in receiver.on("/flaky")]
    assert len(dates) == 3
    assert len(set(dates)) == 3
    [row] = store.list_deliveries()
    assert row.state == "done"
    assert row.attempts == 3


async def test_gone_drops_followers_and_other_4xx_fails(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session
) -> None:
    now = datetime.now(UTC)
    gone = receiver.behave("/gone", [410])
    bad = receiver.behave("/bad", [400])
    store.save_follower(_follower("https://a.test/u/1", gone, now), now=now)
    store.save_follower(
        _follower("https://a.test/u/2", "https://a.test/u/2/inbox", now, gone), now=now
    )
    store.save_follower(_follower("https://b.test/u/3", bad, now), now=now)
    store.enqueue([NewDelivery("a1", gone, _body()), NewDelivery("a1", bad, _body())], now)
    report = await drain(store, AiohttpSender(session), signing_key, budget=5)
    assert report.gone == 1
    assert report.failed == 1
    assert report.followers_removed == 2
    assert store.count_followers() == 1
    rows = {r.inbox: r for r in store.list_deliveries()}
    assert rows[gone].state == "failed"
    assert rows[gone].last_status == 410
    assert rows[bad].state == "failed"
    assert "400" in (rows[bad].last_error or "")


async def test_network_error_is_retried(store: Store, signing_key, session) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    now = datetime.now(UTC)
    store.enqueue([NewDelivery("a1", f"http://127.0.0.1:{port}/inbox", _body())], now)
    report = await drain(store, AiohttpSender(session), signing_key, budget=5)
    assert report.retried == 1
    [row] = store.list_deliveries()
    assert row.state == "queued"
    assert row.last_status is None
    assert row.last_error


async def test_gives_up_after_the_retry_window(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session, clock
) -> None:
    inbox = receiver.behave("/down", [500])
    store.enqueue([NewDelivery("a1", inbox, _body())], clock())
    settings = DrainSettings(retry=RetryPolicy(give_up_after=timedelta(minutes=10)))
    sender = AiohttpSender(session, clock=clock)
    for _ in range(20):
        await drain(store, sender, signing_key, budget=5, clock=clock, settings=settings)
        clock.advance(hours=1)
    [row] = store.list_deliveries()
    assert row.state == "failed"
    assert "gave up" in (row.last_error or "")
    assert len(receiver.on("/down")) == row.attempts < 20


async def test_breaker_pauses_a_failing_host(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session, clock
) -> None:
    inboxes = [receiver.behave(f"/dead/{i}", [503]) for i in range(40)]
    store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], clock())
    policy = BreakerPolicy(trip_after=3, failing_for=timedelta(0), pause=timedelta(hours=1))
    settings = DrainSettings(concurrency=2, claim_batch=2, breaker=policy)
    sender = AiohttpSender(session, clock=clock)
    report = await drain(store, sender, signing_key, budget=5, clock=clock, settings=settings)
    host = host_of(inboxes[0])
    assert report.hosts_paused == [host]
    assert report.skipped_paused + report.retried == report.claimed
    # Far fewer requests than rows: the paused host's rows were not sent.
    assert len(receiver.requests) < 10
    state = store.get_host(host)
    assert state is not None
    assert state.paused_until is not None
    assert state.paused_until > clock()
    clock.advance(minutes=30)  # rows due again, but the host is still paused
    assert (await drain(store, sender, signing_key, budget=5, clock=clock)).claimed == 0
    # After the pause, one success closes the breaker.
    for path in list(receiver.scripts):
        receiver.scripts[path] = [202]
    clock.advance(hours=6)
    final = await drain(store, sender, signing_key, budget=5, clock=clock, settings=settings)
    assert final.delivered == 40 - report.delivered
    state = store.get_host(host)
    assert state is None or (state.consecutive_failures == 0 and state.paused_until is None)


async def test_budget_stops_claiming_and_the_rest_waits(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session
) -> None:
    receiver.delay = 0.1
    inboxes = [receiver.behave(f"/slow/{i}", [202]) for i in range(20)]
    store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], datetime.now(UTC))
    settings = DrainSettings(concurrency=2, claim_batch=1)
    first = await drain(store, AiohttpSender(session), signing_key, budget=0.3, settings=settings)
    assert first.stopped == "budget"
    assert 0 < first.delivered < 20
    assert first.delivered + first.released == first.claimed  # unsent rows went back
    second = await drain(store, AiohttpSender(session), signing_key, budget=30, settings=settings)
    assert first.delivered + second.delivered == 20
    paths = [r.path for r in receiver.requests]
    assert sorted(paths) == sorted(set(paths))
    assert len(paths) == 20


async def test_a_claim_lost_in_a_crash_comes_back_after_its_lease(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session, clock
) -> None:
    inboxes = [receiver.behave(f"/lease/{i}", [202]) for i in range(4)]
    store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], clock())
    crashed = store.claim_due(clock(), 2, timedelta(seconds=60))  # claimed, never recorded
    assert len(crashed) == 2
    sender = AiohttpSender(session, clock=clock)
    report = await drain(store, sender, signing_key, budget=5, clock=clock)
    assert report.delivered == 2  # the leased rows are left alone
    clock.advance(seconds=61)
    later = await drain(store, sender, signing_key, budget=5, clock=clock)
    assert later.delivered == 2
    assert sorted(r.path for r in receiver.requests) == sorted(f"/lease/{i}" for i in range(4))


async def test_budget_bounds_the_drain_behind_a_slow_host(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session
) -> None:
    """Serverless: rows claimed but still waiting for a slow host's slot are not sent once
    the budget is spent; they go back to the queue, due now, and the next drain sends them."""
    receiver.delay = 0.2
    inboxes = [receiver.behave(f"/busy/{i}", [202]) for i in range(40)]
    store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], datetime.now(UTC))
    settings = DrainSettings(per_host=2)  # 40 rows claimed at once, 2 at a time to the host
    first = await drain(store, AiohttpSender(session), signing_key, budget=0.3, settings=settings)
    assert first.stopped == "budget"
    assert first.seconds < 1.5  # was 40 / 2 * 0.2 = 4 s: every claimed row was still sent
    assert 0 < first.delivered < 40
    assert first.released == 40 - first.delivered
    summary = store.delivery_summary()
    assert summary.counts["queued"] == 40 - first.delivered
    # Released rows were never attempted: no attempt counted, no error, not "retrying".
    assert summary.retrying == 0
    queued = store.list_deliveries("queued")
    assert all(d.attempts == 0 and d.last_error is None for d in queued)
    assert all(d.lease_until is None for d in queued)
    second = await drain(store, AiohttpSender(session), signing_key, budget=30, settings=settings)
    assert first.delivered + second.delivered == 40
    paths = [r.path for r in receiver.requests]
    assert sorted(paths) == sorted(f"/busy/{i}" for i in range(40))


async def test_rows_not_sent_within_half_the_lease_go_back_without_an_attempt(  # type: ignore[no-untyped-def]
    store: Store, receiver, signing_key, session
) -> None:
    """A row that waited behind a slow host past half its lease is put back unsent; that is
    no failed attempt (no longer backoff, no error shown), and the same drain sends it."""
    receiver.delay = 0.15
    inboxes = [receiver.behave(f"/queue/{i}", [202]) for i in range(6)]
    store.enqueue([NewDelivery("a1", inbox, _body()) for inbox in inboxes], datetime.now(UTC))
    settings = DrainSettings(per_host=1, lease=timedelta(seconds=0.4))
    report = await drain(store, AiohttpSender(session), signing_key, budget=20, settings=settings)
    assert report.released > 0
    assert report.delivered == 6
    done = store.list_deliveries("done")
    assert [d.attempts for d in done] == [1] * 6  # one real attempt each, nothing more
    assert sorted(r.path for r in receiver.requests) == sorted(f"/queue/{i}" for i in range(6))


async def test_concurrent_failures_of_one_host_are_all_counted(store: Store) -> None:
    """Two failures of a host met for the first time in a drain both wait for its stored
    state; the later one must not overwrite the count the earlier one made."""
    import asyncio
    import time

    from site_function.delivery.engine import DrainSettings
    from site_function.delivery.policy import BreakerPolicy
    from site_function.delivery.recording import HostBreakers, OutcomeRecorder

    class SlowHosts:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(store, name)

        def get_host(self, host: str):  # type: ignore[no-untyped-def]
            time.sleep(0.05)  # both failures wait here at once
            return store.get_host(host)

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    inbox = "https://dead.example/inbox"
    store.enqueue([NewDelivery(f"a{i}", inbox, _body()) for i in range(2)], now)
    rows = store.claim_due(now, 2, timedelta(minutes=1))
    policy = BreakerPolicy(trip_after=2, failing_for=timedelta(0), pause=timedelta(hours=1))
    settings = DrainSettings(breaker=policy)
    recorder = OutcomeRecorder(store, settings, lambda: now, None)
    breakers = HostBreakers(SlowHosts(), policy, recorder)  # type: ignore[arg-type]
    await asyncio.gather(*(breakers.failure(row, "503", now) for row in rows))
    assert breakers.paused == [host_of(inbox)]  # two failures in a row: tripped, listed once
