"""Fan-out benchmark: one post to 10,000 followers behind 2,000 shared inboxes.

    .venv/bin/python bench/fanout.py [--followers 10000] [--inboxes 2000] [--rounds 3]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/test]
                                     [--follower-sync]

Receiver: nginx (`return 202;`, 1 worker, the receiver the reference figures used) on
127.0.0.1, HTTP and HTTPS (a self-signed wildcard certificate made here), started and stopped
by PID. Two scenarios, each measured for the engine and, in the same run, for the limit:

- keep-alive: every inbox on one host (the engine's per-host cap lifted to 64 so both sides run
  64 requests at once over reused connections): what the engine costs over signing + POSTing;
- tls-per-inbox: 2,000 distinct host names (h<i>.bench.test, resolved to 127.0.0.1 by an
  injected resolver, no DNS), so every delivery opens a new TLS connection, as it does to
  2,000 real servers.

The engine: followers saved in the store (SQLite file, and PostgreSQL in its own schema),
`apply_plan` queues one delivery per distinct inbox, `drain` sends with `AiohttpSender` at
concurrency 64. The limit: a minimal loop, 64 workers that sign (RSA-2048, fresh per request,
the same `sign_request`) and POST with the same kind of aiohttp session. Medians of rounds.
`--follower-sync` addresses the post to our followers and has the engine add FEP-8fcf's
`Collection-Synchronization` header (one digest per host, the followers read once per drain).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
from fanout_receiver import TMP, make_certificate, start_nginx  # noqa: E402

# aiohttp builds its default TLS context at import: the certificate must exist and be trusted
# before aiohttp is imported.
make_certificate()
os.environ["SSL_CERT_FILE"] = str(TMP / "cert.pem")

import aiohttp  # noqa: E402
from aiohttp.abc import AbstractResolver, ResolveResult  # noqa: E402
from site_function.delivery import AiohttpSender, DrainSettings, drain  # noqa: E402
from site_function.delivery.follower_sync import FollowerSync  # noqa: E402
from site_function.delivery.publishing import apply_plan  # noqa: E402
from site_function.store import Follower, Store, open_store  # noqa: E402

from site_core.keys import generate_private_key  # noqa: E402
from site_core.publish.plan import PlannedActivity, PublishPlan  # noqa: E402
from site_core.signatures import SigningKey, sign_request  # noqa: E402
from site_core.urls import UrlScheme  # noqa: E402
from site_remote.client import ClientSettings, make_session  # noqa: E402

URLS = UrlScheme("https://bench.example", "alice")
CONCURRENCY = 64


# --- receiver ---------------------------------------------------------------------------------


class Loopback(AbstractResolver):
    """Every *.bench.test name is 127.0.0.1; no DNS lookup ever leaves the machine."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not (host.endswith(".bench.test") or host == "127.0.0.1"):
            raise OSError(f"bench: refusing to resolve {host}")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


def session(per_host: int) -> aiohttp.ClientSession:
    settings = ClientSettings(
        user_agent="site-gen-bench",
        allow_private_addresses=True,
        limit=CONCURRENCY * 2,
        limit_per_host=per_host,
    )
    return make_session(settings, resolver=Loopback())


# --- the two sides ----------------------------------------------------------------------------


def inbox_urls(scenario: str, count: int, http_port: int, https_port: int) -> list[str]:
    if scenario == "keep-alive":
        return [f"http://keepalive.bench.test:{http_port}/inbox/{i}" for i in range(count)]
    return [f"https://h{i}.bench.test:{https_port}/inbox" for i in range(count)]


def body() -> bytes:
    text = "Lorem ipsum dolor sit amet, " * 60  # a 2 KB activity, as the reference figures used
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": URLS.activity(f"create-{uuid.uuid4().hex}"),
        "type": "Create",
        "actor": URLS.actor,
        "object": {"type": "Note", "content": text},
    }
    return json.dumps(activity).encode()


async def minimal_loop(inboxes: list[str], key: SigningKey, per_host: int) -> dict[str, float]:
    payload = body()
    latencies: list[float] = []
    queue = list(reversed(inboxes))
    async with session(per_host) as client:

        async def worker() -> None:
            while queue:
                inbox = queue.pop()
                started = time.perf_counter()
                headers = sign_request(
                    "POST", inbox, key=key, now=dt.datetime.now(dt.UTC), body=payload
                )
                headers.pop("Host", None)
                async with client.post(inbox, data=payload, headers=headers) as response:
                    await response.read()
                    assert response.status == 202, response.status
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(inboxes) / seconds,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "seconds": seconds,
    }


class Context:
    """The slice of the function runtime that `apply_plan` needs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.urls = URLS

    def clock(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def actor(self, actor_id: str, *, refresh: bool = False) -> None:
        return None

    async def fetch(self, url: str) -> Any:
        raise AssertionError("no fetch in the bench")


def add_followers(store: Store, inboxes: list[str], followers: int) -> None:
    now = dt.datetime.now(dt.UTC)
    for i in range(followers):
        shared = inboxes[i % len(inboxes)]
        host = shared.split("/")[2]
        actor = f"https://{host}/users/u{i}"
        store.save_follower(
            Follower(actor, f"{actor}#follow", f"{actor}/inbox", shared, "accepted", {}, now, now),
            now=now,
        )


async def engine(
    store: Store,
    key: SigningKey,
    per_host: int,
    expected: int,
    sign_threads: int = 0,
    follower_sync: bool = False,
) -> dict[str, float]:
    activity = {"id": URLS.activity(f"create-{uuid.uuid4().hex}"), "type": "Create",
                "actor": URLS.actor, "content": "x" * 1800}  # fmt: skip
    if follower_sync:
        activity["cc"] = [URLS.followers]
    plan = PublishPlan(
        (PlannedActivity("create", activity, URLS.post_object("p")),), (), "hash", False
    )
    started = time.perf_counter()
    outcome = await apply_plan(Context(store), plan, own_prefix=URLS.post_object(""))
    queued_in = time.perf_counter() - started
    assert outcome.queued == expected, outcome.queued
    pool = ThreadPoolExecutor(sign_threads) if sign_threads else None
    async with session(per_host) as client:
        report = await drain(
            store,
            AiohttpSender(client, executor=pool),
            key,
            budget=120,
            settings=DrainSettings(concurrency=CONCURRENCY, per_host=per_host),
            follower_sync=FollowerSync(URLS) if follower_sync else None,
        )
    if pool is not None:
        pool.shutdown()
    assert report.delivered == expected, report.as_dict()
    return {
        "rate": report.delivered / report.seconds,
        "p99_ms": report.percentile(99) * 1000,
        "seconds": report.seconds,
        "queue_s": queued_in,
    }


def open_backend(name: str, postgres: str) -> tuple[Store, Any]:
    if name == "sqlite":
        path = TMP / f"state-{uuid.uuid4().hex[:8]}.sqlite3"
        return open_store(f"sqlite:///{path}"), None
    import psycopg

    schema = f"bench_fanout_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return open_store(f"{postgres}?options=-csearch_path%3D{schema}"), drop


def median(results: list[dict[str, float]], field: str) -> float:
    return statistics.median(result[field] for result in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--inboxes", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--sign-threads", type=int, default=0, help="engine signs in a pool of N threads"
    )
    parser.add_argument(
        "--follower-sync", action="store_true", help="followers-addressed, with FEP-8fcf headers"
    )
    args = parser.parse_args()

    nginx, http_port, https_port = start_nginx()
    key = SigningKey(URLS.key_id, generate_private_key())
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgres"])
    rows: list[str] = []
    try:
        for scenario in ("keep-alive", "tls-per-inbox"):
            per_host = CONCURRENCY if scenario == "keep-alive" else 8
            inboxes = inbox_urls(scenario, args.inboxes, http_port, https_port)
            asyncio.run(minimal_loop(inboxes[:200], key, per_host))  # warm-up
            limit = [asyncio.run(minimal_loop(inboxes, key, per_host)) for _ in range(args.rounds)]
            limit_rate = median(limit, "rate")
            rows.append(
                f"| {scenario} | minimal loop (limit) | {limit_rate:,.0f} | "
                f"{median(limit, 'p99_ms'):.1f} | {median(limit, 'seconds'):.2f} | - | 100 % |"
            )
            for backend in backends:
                store, drop = open_backend(backend, args.postgres)
                try:
                    # The followers stay; each round queues a new activity (new rows).
                    add_followers(store, inboxes, args.followers)
                    results = [
                        asyncio.run(
                            engine(
                                store,
                                key,
                                per_host,
                                len(inboxes),
                                args.sign_threads,
                                args.follower_sync,
                            )
                        )
                        for _ in range(args.rounds)
                    ]
                finally:
                    store.close()
                    if drop is not None:
                        drop()
                rate = median(results, "rate")
                rows.append(
                    f"| {scenario} | engine, {backend} queue | {rate:,.0f} | "
                    f"{median(results, 'p99_ms'):.1f} | {median(results, 'seconds'):.2f} | "
                    f"{median(results, 'queue_s'):.2f} | {rate / limit_rate:.0%} |"
                )
                print(rows[-1], file=sys.stderr, flush=True)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        shutil.rmtree(TMP, ignore_errors=True)
    print(
        f"\n{args.followers:,} followers, {args.inboxes:,} shared inboxes, concurrency "
        f"{CONCURRENCY}, median of {args.rounds} rounds, {os.cpu_count()} CPUs, engine signing "
        f"{'in ' + str(args.sign_threads) + ' threads' if args.sign_threads else 'on the loop'}\n"
    )
    print("| scenario | sender | deliveries/s | p99 ms | drain s | queue s | of limit |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
