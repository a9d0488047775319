"""State export and import at scale: 100,000 followers and 200,000 interactions, both backends.

    .venv/bin/python bench/state.py [--followers 100000] [--interactions 200000]
                                    [--postgres URL] [--no-postgres]

Fills a store (SQLite in a temporary folder; PostgreSQL in a schema of its own in the test
database, dropped afterwards), then runs ``export_state`` and ``import_state`` (into a new,
empty store of the same backend) each in a fresh process, and reports its wall time and its
peak resident memory (``ru_maxrss``, the interpreter and drivers included) beside the goals
of issue 13: under 30 s each way, under 200 MiB. Bounded in count; loopback only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from site_function.owner.state_archive import export_state, import_state
from site_function.store import Follower, Interaction, open_store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = "https://blog.example/ap/actor"
GOAL_SECONDS = 30.0
GOAL_MIB = 200.0


def _followers(count: int) -> Iterator[list[Follower]]:
    for start in range(0, count, 1000):
        page = []
        for n in range(start, min(start + 1000, count)):
            actor = f"https://h{n % 3000}.example/users/u{n}"
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{actor}#f",
                "type": "Follow",
                "actor": actor,
                "object": SITE,
            }
            at = NOW + timedelta(seconds=n)
            page.append(
                Follower(
                    actor,
                    follow["id"],
                    f"{actor}/inbox",
                    f"https://h{n % 3000}.example/inbox",
                    "accepted",
                    follow,
                    at,
                    at,
                )
            )
        yield page


def _interactions(count: int) -> Iterator[list[Interaction]]:
    text = "<p>" + "A reply of a realistic length, with some words in it. " * 6 + "</p>"
    for start in range(0, count, 1000):
        page = []
        for n in range(start, min(start + 1000, count)):
            actor = f"https://h{n % 3000}.example/users/u{n % 100_000}"
            activity = {
                "id": f"{actor}/statuses/{n}",
                "type": "Note",
                "content": text,
                "attributedTo": actor,
                "inReplyTo": f"https://blog.example/posts/{n % 500}",
            }
            author = {"id": actor, "name": f"User {n}", "url": actor, "avatar": None}
            at = NOW + timedelta(seconds=n)
            page.append(
                Interaction(
                    activity["id"],
                    "reply",
                    actor,
                    f"https://blog.example/posts/{n % 500}",
                    activity,
                    "approved",
                    at,
                    at,
                    author,
                )
            )
        yield page


def fill(url: str, followers: int, interactions: int) -> None:
    store = open_store(url)
    try:
        with store.transaction():
            for page in _followers(followers):
                store.import_records("followers", page)
            for other in _interactions(interactions):
                store.import_records("interactions", other)
    finally:
        store.close()


def step(kind: str, url: str, archive: Path) -> None:
    """One measured step, in this (fresh) process: prints seconds and peak MiB as JSON."""
    store = open_store(url)
    started = time.perf_counter()
    try:
        if kind == "export":
            export_state(store, archive, SITE, NOW)
        else:
            import_state(store, archive, SITE)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mib": peak}))


def _measured(kind: str, url: str, archive: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--step", kind, url, str(archive)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@contextmanager
def _postgres_urls(base: str) -> Iterator[tuple[str, str]]:
    import psycopg

    schemas = [f"bench_state_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    separator = "&" if "?" in base else "?"
    with psycopg.connect(base, autocommit=True) as admin:
        for schema in schemas:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield tuple(f"{base}{separator}options={quote(f'-csearch_path={s}')}" for s in schemas)  # type: ignore[misc]
        finally:
            for schema in schemas:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(name: str, source: str, target: str, folder: Path, args: argparse.Namespace) -> list[str]:
    fill(source, args.followers, args.interactions)
    archive = folder / f"{name}.tar"
    rows = []
    for kind, url in (("export", source), ("import", target)):
        found = _measured(kind, url, archive)
        ok = found["seconds"] < GOAL_SECONDS and found["peak_mib"] < GOAL_MIB
        rows.append(
            f"{name:<9} {kind:<7} {found['seconds']:>9.1f} s {found['peak_mib']:>9.0f} MiB"
            f"   {'ok' if ok else 'OVER GOAL'}"
        )
    rows.append(f"{name:<9} archive {archive.stat().st_size / 2**20:>9.0f} MiB")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL (two schemas are created and dropped in it)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--step", nargs=3, metavar=("KIND", "URL", "ARCHIVE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.step:
        step(args.step[0], args.step[1], Path(args.step[2]))
        return
    print(
        f"{args.followers:,} followers, {args.interactions:,} interactions;"
        f" goals: < {GOAL_SECONDS:.0f} s each way, < {GOAL_MIB:.0f} MiB peak"
    )
    print(f"{'backend':<9} {'step':<7} {'time':>11} {'peak RSS':>13}")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        sqlite = (
            f"sqlite:///{folder / 'source.sqlite3'}",
            f"sqlite:///{folder / 'target.sqlite3'}",
        )
        for line in run("sqlite", *sqlite, folder, args):
            print(line, flush=True)
        if not args.no_postgres:
            with _postgres_urls(args.postgres) as (source, target):
                for line in run("postgres", source, target, folder, args):
                    print(line, flush=True)


if __name__ == "__main__":
    main()
