"""Benchmark the inbox's disk quota: how much padded Likes from one actor grow the database.

Run: `.venv/bin/python bench/disk_quota.py [--count 10000] [--pad 900000]`

The function's app runs in this process (httpx's ASGI transport, SQLite in a temporary
directory); the remote actor's key is stored beforehand, so no fetch is needed. Each Like is
signed for real (cavage rsa-sha256), names our one published post and carries `--pad` bytes
of padding. The rate limit is turned off, so every Like reaches the handler: the figure is
what the storage caps alone allow. It prints the growth of the SQLite file (the WAL folded in
first) beside the goal of less than 5 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

GOAL_BYTES = 5 * 1024 * 1024
FUNCTION_URL = "http://fn.example"
POST = "https://alice.example/ap/posts/hello"
ACTOR = "https://flood.example/users/padder"


def _size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def _send(count: int, pad: int, database: Path) -> tuple[int, dict[int, int], float]:
    import httpx
    from site_function.app import create_app
    from site_function.settings import Settings
    from site_function.store.base import PublishedObject, RemoteKey

    from site_core.keys import generate_private_key, public_key_pem
    from site_core.signatures import SigningKey, sign_request

    settings = Settings(
        base_url="https://alice.example",
        username="alice",
        private_key=generate_private_key(),
        database_url=f"sqlite:///{database}",
        function_url=FUNCTION_URL,
        actor_rate_limit=0,  # off: measure the storage caps alone
        drain_after_inbox=False,
    )
    app = create_app(settings)
    store = app.state.runtime.store
    now = datetime.now(UTC)
    store.save_published([PublishedObject(POST, "hello", "h", None, "live", now, now)], [], now)
    remote_key = generate_private_key()
    key = SigningKey(f"{ACTOR}#main-key", remote_key)
    store.save_key(RemoteKey(key.key_id, ACTOR, public_key_pem(remote_key), now))
    before = _size(database)
    padding = b"x" * pad
    statuses: dict[int, int] = {}
    url = f"{FUNCTION_URL}/ap/inbox"
    started = time.monotonic()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        for number in range(count):
            body = (
                b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Like",'
                b'"id":"%s/likes/%d","actor":"%s","object":"%s","padding":"%s"}'
                % (ACTOR.encode(), number, ACTOR.encode(), POST.encode(), padding)
            )
            headers = sign_request("POST", url, key=key, now=datetime.now(UTC), body=body)
            response = await client.post(url, content=body, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    elapsed = time.monotonic() - started
    held = len(store.list_interactions(POST))
    await app.state.runtime.close()
    growth = _size(database) - before
    print(f"interactions held: {held}")
    return growth, statuses, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=10_000, help="padded Likes to send")
    parser.add_argument("--pad", type=int, default=900_000, help="padding bytes per Like")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "state.sqlite3"
        growth, statuses, elapsed = asyncio.run(_send(args.count, args.pad, database))
    sent = args.count * args.pad / 1e9
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    print(f"{args.count} Likes of ~{args.pad // 1000} KB ({sent:.1f} GB) in {elapsed:.0f} s;"
          f" answers {answers}")  # fmt: skip
    verdict = "ok" if growth < GOAL_BYTES else "OVER"
    print(f"database growth: {growth / 1e6:.2f} MB   goal: < 5 MB   {verdict}")


if __name__ == "__main__":
    main()
