"""Store hot paths on both backends: enqueue a fan-out, claim and record it, and the inbox reads.

    .venv/bin/python bench/store.py [--deliveries 10000] [--postgres URL] [--no-postgres]

Reports rows per second for enqueue (one transaction), claim_due+record_many (batches of 100,
as the delivery engine does), and calls per second for is_blocked and remember_activity (one
transaction each, as the inbox does). SQLite runs in a temporary folder; PostgreSQL in a
schema of its own in the test database, dropped afterwards. Bounded in count; loopback only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from site_function.store import (
    Block,
    DeliveryOutcome,
    NewDelivery,
    Store,
    open_store,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f}/s"


def measure(store: Store, deliveries: int) -> dict[str, str]:
    body = b'{"type":"Create"}' * 100  # about 1.7 KB, like a Create with a short note
    rows = [NewDelivery("https://site.test/a/1", f"https://h{i % 2000}.example/inbox", body)
            for i in range(deliveries)]  # fmt: skip
    results: dict[str, str] = {}

    started = time.perf_counter()
    added = store.enqueue(rows, NOW)
    results["enqueue (one transaction)"] = rate(added, time.perf_counter() - started)

    started = time.perf_counter()
    done = 0
    for _ in range(deliveries // 100 + 2):  # bounded
        batch = store.claim_due(NOW, 100, timedelta(minutes=5))
        if not batch:
            break
        store.record_many([DeliveryOutcome(d.id, "delivered", 202) for d in batch], NOW)
        done += len(batch)
    results["claim_due+record_many (100/batch)"] = rate(done, time.perf_counter() - started)

    for i in range(200):
        store.add_block(Block("domain", f"blocked{i}.example", NOW), now=NOW)

    def timed(name: str, count: int, call: Callable[[int], object]) -> None:
        started = time.perf_counter()
        for i in range(count):
            call(i)
        results[name] = rate(count, time.perf_counter() - started)

    timed("is_blocked", 5000, lambda i: store.is_blocked(f"https://a.b{i}.example/users/x"))
    timed("remember_activity", 3000, lambda i: store.remember_activity(f"https://x/{i}", NOW))
    return results


def run_postgres(url: str, deliveries: int) -> dict[str, str]:
    import psycopg

    schema = f"bench_store_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in url else "?"
            store = open_store(f"{url}{separator}options={quote(f'-csearch_path={schema}')}")
            try:
                return measure(store, deliveries)
            finally:
                store.close()
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000, help="fan-out size")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL (a schema is created and dropped in it)")  # fmt: skip
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()

    table: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite://{Path(folder) / 'state.sqlite3'}")
        try:
            table["sqlite"] = measure(store, args.deliveries)
        finally:
            store.close()
    if not args.no_postgres:
        table["postgres"] = run_postgres(args.postgres, args.deliveries)

    names = list(next(iter(table.values())))
    print(f"{'operation':<36}" + "".join(f"{b:>14}" for b in table))
    for name in names:
        print(f"{name:<36}" + "".join(f"{table[b][name]:>14}" for b in table))


if __name__ == "__main__":
    main()
