"""The admin page's render times with a big store: p50/p99 of each page against the goal.

    .venv/bin/python bench/admin_page.py [--followers 100000] [--interactions 50000]
                                         [--requests 200] [--postgres URL] [--no-postgres]

Seeds the store through its own API (followers, interactions half of them pending, 200
domain blocks, failed and queued deliveries over 100 hosts), signs in, then times each page
through the whole ASGI app in-process (session check, owner services, store, template):
followers (first page and a keyset page 90% of the way in), blocks, the conversation queue,
deliveries. Goal: p99 < 50 ms. SQLite in a temporary folder; PostgreSQL in a schema of its
own, dropped afterwards. Loopback only; bounded in count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def measure(database_url: str, followers: int, interactions: int, requests: int) -> dict[str, str]:
    store = open_store(database_url)
    seed(store, followers, interactions)
    settings = Settings(
        base_url="https://site.test",
        username="owner",
        private_key=generate_private_key(),
        database_url=database_url,
        admin_token=TOKEN,
        owner=OwnerSettings(),
        drain_after_inbox=False,
    )
    deep = int(followers * 0.9)
    cursor = encode_cursor((NOW + timedelta(seconds=deep), _actor(deep)))
    pages = {
        "followers, first page": "/admin/followers",
        "followers, keyset page at 90%": f"/admin/followers?after={cursor}",
        "blocks": "/admin/blocks",
        "conversation queue": "/admin/conversation",
        "deliveries": "/admin/deliveries",
    }
    results: dict[str, str] = {}
    with TestClient(create_app(settings, store=store), base_url="http://127.0.0.1") as client:
        form = client.get("/admin/").text.split('name="csrf" value="')[1].split('"')[0]
        signed = client.post(
            "/admin/sign-in",
            data={"csrf": form, "credential": TOKEN},
            headers={"Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        for name, path in pages.items():
            times: list[float] = []
            for _ in range(requests):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (path, answer.status_code)
            p50, p99 = _ms(times, 0.5), _ms(times, 0.99)
            verdict = "ok" if p99 < GOAL_MS else "SLOW"
            results[name] = f"{p50:6.1f} / {p99:6.1f} {verdict}"
    return results


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000, help="followers seeded")
    parser.add_argument("--interactions", type=int, default=50_000, help="replies seeded")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL (a schema is created and dropped in it)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    counts = (args.followers, args.interactions, args.requests)
    table: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        table["sqlite"] = measure(f"sqlite://{Path(folder) / 'state.sqlite3'}", *counts)
    if not args.no_postgres:
        with postgres_url(args.postgres) as url:
            table["postgres"] = measure(url, *counts)
    print(
        f"p50 / p99 in ms (goal: p99 < {GOAL_MS:.0f} ms), {args.followers:,} followers,"
        f" {args.interactions:,} interactions"
    )
    print(f"{'page':<32}" + "".join(f"{b:>24}" for b in table))
    for name in next(iter(table.values())):
        print(f"{name:<32}" + "".join(f"{table[b][name]:>24}" for b in table))


if __name__ == "__main__":
    main()
