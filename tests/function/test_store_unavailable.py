"""A store that refuses writes: the inbox answers 503 with Retry-After at once, /healthz says so.

The function runs under uvicorn on loopback (SQLite, and PostgreSQL in a schema of its own);
another session (the CLI's drain, a stuck process, an operator's lock) keeps writers out while
readers still pass. A signed Like must get 503 + Retry-After within 2 s (the sender retries
later), not wait out long busy timeouts, and /healthz must report the store unavailable,
naming it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from function_harness import FakeFediverse, post_signed
from requirements import connect_postgres
from site_function.store.factory import sqlite_path_of

POST = "https://alice.example/posts/hello/"


@pytest.fixture
def fan(fediverse: FakeFediverse) -> Any:
    return fediverse.add("mastodon.test", "fan")


def _assert_unavailable(fn: Any, fan: Any, kind: str) -> None:
    started = time.monotonic()
    response = post_signed(fn.client, fn.inbox, fan, fan.activity("Like", POST))
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert elapsed < 2.0, f"answered after {elapsed:.1f} s"
    health = fn.client.get(f"{fn.url}/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "store": kind}


@contextmanager
def _writers_kept_out(database_url: str) -> Iterator[None]:
    """Another session holds the database against writers (readers still pass)."""
    path = sqlite_path_of(database_url)
    if path is not None:
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with connect_postgres(database_url) as conn, conn.transaction():
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        tables = ", ".join(f'"{name}"' for (name,) in rows)
        conn.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        yield


def test_writers_kept_out_get_503_with_retry_after_and_health_says_so(
    make_function: Any, fan: Any, database_url: str
) -> None:
    fn = make_function()
    assert fn.client.get(f"{fn.url}/healthz").status_code == 200
    with _writers_kept_out(database_url):
        _assert_unavailable(fn, fan, fn.store.dialect)
    assert fn.client.get(f"{fn.url}/healthz").status_code == 200
    response = post_signed(fn.client, fn.inbox, fan, fan.activity("Like", POST))
    assert response.status_code == 202, response.text
