"""`site-gen conversations pull` at scale: 1,000 posts, 20,000 interactions, 2,000 authors.

    .venv/bin/python bench/conversations.py [--no-postgres] [--no-api] [--profile PREFIX]

The function's store is seeded through the store API (as bench/store.py does): 1,000 live
posts, 10,000 replies, 6,000 likes and 4,000 boosts from 2,000 authors, each author with an
avatar URL on a loopback image server (400 x 400 JPEGs, a few hundred distinct pictures made
with Pillow; it counts the fetches). SQLite runs in a temporary folder, PostgreSQL in a schema
of its own in the test database, dropped afterwards. Then, per backend:

- `pull` in this process through the code the CLI runs with `--database` (`DatabaseOwner`):
  the first full pull (goal < 10 s), an unchanged pull (goal < 1 s), a pull after 100 new
  interactions;
- with `--api` (the default), the same first and unchanged pulls into a fresh site over the
  admin API of a real function process (uvicorn on 127.0.0.1).

Each figure is printed beside its goal, with the avatar fetches of each pull (goal: once per
distinct URL, so 2,000 on a first pull into a site and 0 after). Bounded; loopback only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from function_process import OUR_BASE, function_env

PG_URL = os.environ.get("SITE_GEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
POSTS, AUTHORS, PICTURES = 1_000, 2_000, 300
REPLIES, LIKES, BOOSTS = 10_000, 6_000, 4_000
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "bench-admin-token-0123456789"


# --- the image server ----------------------------------------------------------------------


def pictures(count: int) -> list[bytes]:
    """`count` distinct 400 x 400 JPEGs: a gradient, a colour and noise, like a small photo."""
    from PIL import Image, ImageFilter

    rng = random.Random(7)
    made = []
    for index in range(count):
        noise = Image.effect_noise((400, 400), 30 + index % 40).filter(ImageFilter.GaussianBlur(1))
        gradient = Image.linear_gradient("L").resize((400, 400)).rotate(index * 37 % 360)
        tint = Image.new("L", (400, 400), rng.randrange(256))
        out = io.BytesIO()
        Image.merge("RGB", (gradient, noise, tint)).save(out, "JPEG", quality=85)
        made.append(out.getvalue())
    return made


@contextmanager
def image_server(images: list[bytes]) -> Iterator[tuple[str, Counter[str]]]:
    """http://127.0.0.1:<port>/avatars/<n>.jpg -> picture n % len(images); fetches counted."""
    fetched: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body in one write: no Nagle/delayed-ACK stall

        def do_GET(self) -> None:
            fetched[self.path] += 1
            number = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body = images[number % len(images)]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fetched
    finally:
        server.shutdown()
        server.server_close()


# --- seeding -------------------------------------------------------------------------------


def author(number: int, images: str) -> dict[str, Any]:
    origin = f"https://h{number % 200}.example"
    return {"id": f"{origin}/users/u{number}", "name": f"Person {number}",
            "handle": f"@u{number}@h{number % 200}.example", "url": f"{origin}/@u{number}",
            "avatar": f"{images}/avatars/{number}.jpg"}  # fmt: skip


def reply(serial: int, images: str) -> Any:
    from site_function.interaction_records import reply_record
    from site_function.store.base import Interaction

    who = author(serial % AUTHORS, images)
    post = f"{OUR_BASE}/ap/posts/p{serial * 7 % POSTS}"
    note_id = f"{who['id']}/statuses/{serial}"
    note = {"id": note_id, "type": "Note", "attributedTo": who["id"], "inReplyTo": post,
            "published": (NOW + timedelta(seconds=serial)).isoformat(), "url": note_id,
            "content": f"<p>Reply {serial}: <a href=\"https://example.org/{serial}\">a link"
                       "</a> and some words about the post, as people write them.</p>",
            "contentMap": {"en": ""}}  # fmt: skip
    record = reply_record(note_id, who["id"], post, note)
    created = NOW + timedelta(seconds=serial)
    return Interaction(note_id, "reply", who["id"], post, record, "pending", created, created, who)


def reaction(kind: str, serial: int, images: str) -> Any:
    """A Like or Announce; each (author, post) pair once (the store keeps one per pair)."""
    from site_function.store.base import Interaction

    number, round_ = serial % AUTHORS, serial // AUTHORS
    who = author(number, images)
    post = f"{OUR_BASE}/ap/posts/p{(number + 331 * round_ + (kind == 'announce')) % POSTS}"
    activity_id = f"{who['id']}/{kind}/{serial}"
    record = {"type": "Like" if kind == "like" else "Announce", "id": activity_id,
              "actor": who["id"], "object": post}  # fmt: skip
    created = NOW + timedelta(seconds=REPLIES + serial)
    return Interaction(activity_id, kind, who["id"], post, record, "pending", created, created, who)


def seed(store: Any, images: str) -> float:
    """The posts and the interactions, one store call each (as the inbox stores them)."""
    from site_function.store.base import PublishedObject

    started = time.perf_counter()
    posts = [PublishedObject(f"{OUR_BASE}/ap/posts/p{n}", f"p{n}", "bench", None, "live",
                             NOW, NOW) for n in range(POSTS)]  # fmt: skip
    store.save_published(posts, [], NOW)
    for serial in range(REPLIES):
        store.save_interaction(reply(serial, images))
    for serial in range(LIKES):
        store.save_interaction(reaction("like", serial, images))
    for serial in range(BOOSTS):
        store.save_interaction(reaction("announce", serial, images))
    return time.perf_counter() - started


# --- measuring -----------------------------------------------------------------------------


def new_site(folder: Path) -> Any:
    from site_gen.config import load_config

    folder.mkdir(parents=True)
    (folder / "site.yaml").write_text(
        f"base_url: {OUR_BASE}\nusername: alice\ndisplay_name: Alice\n", encoding="utf-8"
    )
    return load_config(folder)


def timed_pull(
    config: Any, source: Any, fetched: Counter[str], profile: str | None
) -> tuple[float, int, str]:
    """One pull: seconds, avatar fetches during it, its summary line."""
    from site_gen.conversations.pull import MediaSettings, pull_conversations

    before = sum(fetched.values())
    media = MediaSettings(config.base_url, allow_private=True)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = pull_conversations(config.root, config.urls, source, media)
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return seconds, sum(fetched.values()) - before, report.summary()


Row = tuple[str, float, float, int, str]  # what, seconds, goal (0: none), fetches, summary


def measure_database(
    url: str, tmp: Path, images: str, fetched: Counter[str], profile: str | None
) -> list[Row]:
    from site_function.store import open_store

    from site_gen.cli.owner_access import DatabaseOwner

    store = open_store(url)
    try:
        seeded = seed(store, images)
        config = new_site(tmp / "site-db")
        owner = DatabaseOwner(config, url)
        rows: list[Row] = [("seed (20,000 save_interaction)", seeded, 0, 0, "")]
        first = timed_pull(config, owner, fetched, profile and f"{profile}-first.prof")
        rows.append(("first full pull (--database)", first[0], 10, first[1], first[2]))
        same = timed_pull(config, owner, fetched, profile and f"{profile}-unchanged.prof")
        rows.append(("unchanged pull (--database)", same[0], 1, same[1], same[2]))
        for serial in range(REPLIES, REPLIES + 100):
            store.save_interaction(reply(serial, images))
        more = timed_pull(config, owner, fetched, None)
        rows.append(("pull after 100 new (--database)", more[0], 0, more[1], more[2]))
    finally:
        store.close()
    return rows


def measure_api(url: str, tmp: Path, fetched: Counter[str]) -> list[Row]:
    """The first and unchanged pulls into a fresh site over a real function's admin API."""
    from inbox_load import UvicornProcess, free_port

    from site_core.keys import generate_private_key, private_key_to_pem
    from site_gen.admin_client import AdminClient
    from site_gen.publish.admin_token import AdminToken

    key_file = tmp / "key.pem"
    key_file.write_text(private_key_to_pem(generate_private_key()).decode(), encoding="utf-8")
    env = function_env(tmp, url, key_file)
    env["SITE_GEN_ADMIN_TOKEN"] = TOKEN
    port = free_port()
    server = UvicornProcess("site_function.entrypoints.asgi:app", env, tmp, port)
    try:
        config = new_site(tmp / "site-api")
        client = AdminClient(f"http://127.0.0.1:{port}", AdminToken(TOKEN, "bench"))
        try:
            first = timed_pull(config, client, fetched, None)
            same = timed_pull(config, client, fetched, None)
        finally:
            client.close()
    finally:
        server.stop()
    return [("first full pull (admin API)", first[0], 10, first[1], first[2]),
            ("unchanged pull (admin API)", same[0], 1, same[1], same[2])]  # fmt: skip


@contextmanager
def postgres_schema() -> Iterator[str]:
    import psycopg

    schema = f"bench_conv_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in PG_URL else "?"
            yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(backend: str, url: str, tmp: Path, args: argparse.Namespace) -> list[Row]:
    with image_server(IMAGES) as (images, fetched):
        profile = args.profile and f"{args.profile}-{backend}"
        rows = measure_database(url, tmp, images, fetched, profile)
        if not args.no_api:
            rows += measure_api(url, tmp, fetched)
        sites = 1 if args.no_api else 2
        most = max(fetched.values(), default=0)
        rows.append(("distinct avatar URLs fetched", 0, 0, len(fetched),
                     f"{most} fetches at most per URL, {sites} sites pulled into"))  # fmt: skip
    return rows


def report(backend: str, rows: list[Row]) -> None:
    print(f"\n{backend}")
    print(f"  {'':<36}{'seconds':>9}{'goal':>8}{'fetches':>9}  summary")
    for what, seconds, goal, fetches, summary in rows:
        goal_text = f"< {goal:g} s" if goal else ""
        verdict = ("ok" if seconds < goal else "MISSED") if goal else ""
        figure = f"{seconds:9.2f}" if seconds else " " * 9
        print(f"  {what:<36}{figure}{goal_text:>8}{fetches:>9}  {verdict:6} {summary}")


IMAGES: list[bytes] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-api", action="store_true", help="skip the admin API pulls")
    parser.add_argument("--profile", default=None, help="cProfile the pulls into PREFIX-*.prof")
    args = parser.parse_args()
    started = time.perf_counter()
    IMAGES.extend(pictures(PICTURES))
    print(f"{PICTURES} distinct 400x400 JPEGs made in {time.perf_counter() - started:.1f} s")
    backends: list[tuple[str, Callable[[Path], Any]]] = [
        ("sqlite", lambda tmp: _sqlite(tmp)),
    ]
    if not args.no_postgres:
        backends.append(("postgres", lambda tmp: postgres_schema()))
    for backend, place in backends:
        with tempfile.TemporaryDirectory() as folder, place(Path(folder)) as url:
            report(backend, run(backend, url, Path(folder), args))


@contextmanager
def _sqlite(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / 'state.sqlite3'}"


if __name__ == "__main__":
    main()
