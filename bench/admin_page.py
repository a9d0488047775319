"""The admin page's render times with a big store: p50/p95/p99 of each page against the goal.

    .venv/bin/python bench/admin_page.py [--followers 100000] [--interactions 50000]
                                         [--requests 1000] [--warmup 50]
                                         [--postgres URL] [--no-postgres]

Seeds the store through its own API (followers, interactions half of them pending, 200
domain blocks, failed and queued deliveries over 100 hosts), then lets the database settle
as a long-lived one has (ANALYZE; on PostgreSQL VACUUM too, which autovacuum does after a
bulk load, so counts can read the index alone). Signs in, then times each page through the
whole ASGI app in-process (session check, owner services, store, template): the home page,
followers (first page and a keyset page 90% of the way in), blocks, the conversation queue,
deliveries. The pages take turns, one request each per round after `--warmup` untimed
rounds, so a burst of load from elsewhere on the machine lands on every page alike rather
than on whichever was being timed; the load average is printed before and after. Each
request is timed on the wall clock (p50/p95/p99) and in CPU time (p99 in brackets: what the
page costs, which other processes on a busy machine do not inflate). Goal: p99 < 50 ms.
SQLite in a temporary folder; PostgreSQL in a schema of its own, dropped afterwards.
Loopback only; bounded in count.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from site_function.app import create_app
from site_function.owner.pages import encode_cursor
from site_function.settings import Settings
from site_function.store import Block, Follower, Interaction, NewDelivery, Store, open_store
from starlette.testclient import TestClient

from site_core.keys import generate_private_key
from site_core.publish.owner_settings import OwnerSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "bench-admin-token-0123456789"
GOAL_MS = 50.0
BATCH = 5_000


def _actor(i: int) -> str:
    return f"https://s{i % 997}.example/users/u{i}"


def seed(store: Store, followers: int, interactions: int) -> None:
    for start in range(0, followers, BATCH):
        with store.transaction():
            for i in range(start, min(start + BATCH, followers)):
                actor = _actor(i)
                follow = {"id": f"{actor}#f", "type": "Follow", "actor": actor}
                state = "pending" if i % 50 == 0 else "accepted"
                when = NOW + timedelta(seconds=i)
                store.save_follower(
                    Follower(actor, follow["id"], f"{actor}/inbox", None, state, follow, when, when)
                )
    for start in range(0, interactions, BATCH):
        with store.transaction():
            for i in range(start, min(start + BATCH, interactions)):
                actor = _actor(i * 7)
                note = {
                    "id": f"{actor}/notes/{i}",
                    "type": "Note",
                    "attributedTo": actor,
                    "content": f"<p>Reply number {i} with a few words of text.</p>",
                }
                state = "pending" if i % 2 else "approved"
                when = NOW + timedelta(seconds=i)
                store.save_interaction(
                    Interaction(
                        note["id"],
                        "reply",
                        actor,
                        f"https://site.test/ap/posts/p{i % 300}",
                        note,
                        state,
                        when,
                        when,
                    )
                )
    for i in range(200):
        store.add_block(Block("domain", f"blocked{i}.example", NOW), now=NOW)
    rows = [
        NewDelivery(f"https://site.test/a/{i}", f"https://h{i % 100}.example/inbox", b"{}")
        for i in range(2_000)
    ]
    store.enqueue(rows, NOW)
    for delivery in store.list_deliveries("queued", limit=500):
        store.mark_failed(delivery.id, 500, f"HTTP 500 from {delivery.host}", NOW)


def settle(database_url: str) -> None:
    """Statistics (and on PostgreSQL the visibility map) as a database in use has them."""
    if database_url.startswith("sqlite://"):
        import sqlite3

        with closing(sqlite3.connect(database_url.removeprefix("sqlite://"))) as conn:
            conn.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _quantiles(wall: list[float], cpu: list[float]) -> str:
    verdict = "ok" if _ms(wall, 0.99) < GOAL_MS else "SLOW"
    quantiles = " /".join(f"{_ms(wall, q):6.1f}" for q in (0.5, 0.95, 0.99))
    return f"{quantiles} ({_ms(cpu, 0.99):5.1f}) {verdict:<4}"


def _pages(followers: int) -> dict[str, str]:
    deep = int(followers * 0.9)
    cursor = encode_cursor((NOW + timedelta(seconds=deep), _actor(deep)))
    return {
        "home (health and counts)": "/admin/",
        "followers, first page": "/admin/followers",
        "followers, keyset page at 90%": f"/admin/followers?after={cursor}",
        "blocks": "/admin/blocks",
        "conversation queue": "/admin/conversation",
        "deliveries": "/admin/deliveries",
    }


def _sign_in(client: TestClient) -> None:
    form = client.get("/admin/").text.split('name="csrf" value="')[1].split('"')[0]
    signed = client.post(
        "/admin/sign-in",
        data={"csrf": form, "credential": TOKEN},
        headers={"Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _time_pages(
    client: TestClient, pages: dict[str, str], rounds: int, warmup: int
) -> dict[str, str]:
    """Round-robin over the pages: `warmup` untimed rounds, then `rounds` timed ones, each
    timed on the wall clock and in CPU time (what the request cost this process, whatever
    else the machine was running)."""
    wall: dict[str, list[float]] = {name: [] for name in pages}
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    for round_number in range(warmup + rounds):
        for name, path in pages.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            answer = client.get(path)
            elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
            assert answer.status_code == 200, (path, answer.status_code)
            if round_number >= warmup:
                wall[name].append(elapsed)
                cpu[name].append(cpu_used)
    return {name: _quantiles(wall[name], cpu[name]) for name in pages}


def measure(
    database_url: str, followers: int, interactions: int, requests: int, warmup: int
) -> dict[str, str]:
    store = open_store(database_url)
    seed(store, followers, interactions)
    settle(database_url)
    settings = Settings(
        base_url="https://site.test",
        username="owner",
        private_key=generate_private_key(),
        database_url=database_url,
        admin_token=TOKEN,
        owner=OwnerSettings(),
        drain_after_inbox=False,
    )
    with TestClient(create_app(settings, store=store), base_url="http://127.0.0.1") as client:
        _sign_in(client)
        return _time_pages(client, _pages(followers), requests, warmup)


@contextmanager
def postgres_url(url: str) -> Iterator[str]:
    import psycopg

    schema = f"bench_admin_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in url else "?"
            yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000, help="followers seeded")
    parser.add_argument("--interactions", type=int, default=50_000, help="replies seeded")
    parser.add_argument("--requests", type=int, default=1_000, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests per page first")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL (a schema is created and dropped in it)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    counts = (args.followers, args.interactions, args.requests, args.warmup)
    print(f"before: {_load()}")
    table: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        table["sqlite"] = measure(f"sqlite://{Path(folder) / 'state.sqlite3'}", *counts)
    if not args.no_postgres:
        with postgres_url(args.postgres) as url:
            table["postgres"] = measure(url, *counts)
    print(f"after:  {_load()}")
    print(
        f"p50 / p95 / p99 wall clock (p99 CPU time) in ms over {args.requests} requests a"
        f" page (goal: p99 < {GOAL_MS:.0f} ms), {args.followers:,} followers,"
        f" {args.interactions:,} interactions"
    )
    print(f"{'page':<32}" + "".join(f"{b:>38}" for b in table))
    for name in next(iter(table.values())):
        print(f"{name:<32}" + "".join(f"{table[b][name]:>38}" for b in table))


if __name__ == "__main__":
    main()
