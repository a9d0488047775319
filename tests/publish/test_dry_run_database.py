"""`site-gen publish --dry-run --database URL` writes nothing at all.

A missing SQLite file is refused, not created; an existing one is opened read-only, so the
mentioned account a dry run looks up (from a loopback server) is not cached, and the file's
bytes and rows stay as they were.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from requirements import POSTGRES_URL, connect_postgres
from site_function.store import open_store

from site_core.publish.built_site import BuiltSite
from site_core.publish.plan import plan_publish
from site_gen.cli import cli
from site_gen.cli.publish_backends import DatabaseBackend
from site_gen.cli.read_only_store import ReadOnlyDatabaseError, open_read_only, read_only_url
from site_gen.config import SiteConfig
from site_gen.publish.built_output import read_built_site


def _cli(site: SiteConfig, *args: str) -> object:
    return CliRunner().invoke(cli, [*args, "--site", str(site.root)], env={})


def test_a_dry_run_on_a_new_path_creates_nothing(site: SiteConfig, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "state.sqlite3"
    result = _cli(site, "publish", "--dry-run", "--database", f"sqlite:///{target}")
    assert result.exit_code != 0  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert f"no database at {target}" in output
    assert "creates and changes nothing" in output
    assert not target.parent.exists()
    with pytest.raises(ReadOnlyDatabaseError, match="in-memory"):
        open_read_only("sqlite://:memory:")


def test_a_dry_run_refuses_a_database_without_tables(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    with pytest.raises(ReadOnlyDatabaseError, match="no site-gen tables"):
        open_read_only(f"sqlite:///{empty}")
    assert empty.stat().st_size == 0


class _ActorServer:
    """One actor document on 127.0.0.1, counting fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.actor = f"{base}/users/bob"
        self.inbox = f"{base}/users/bob/inbox"
        self.document = {"id": self.actor, "type": "Person", "inbox": self.inbox}


@pytest.fixture
def actor_server() -> Iterator[_ActorServer]:
    server = _ActorServer()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join(timeout=5)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dry_run_on_an_existing_database_writes_nothing(
    site: SiteConfig, tmp_path: Path, actor_server: _ActorServer
) -> None:
    database = tmp_path / "state.sqlite3"
    url = f"sqlite:///{database}"
    first = _cli(site, "publish", "--database", url, "--drain-for", "0")
    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    before = _digest(database)

    built = read_built_site(site.output_dir, site.urls)
    now = datetime.now(UTC)
    posts = tuple(
        dataclasses.replace(post, mentions=(actor_server.actor,))
        if post.slug == "static-sites"
        else post
        for post in built.posts
    )
    backend = DatabaseBackend(site, url, env={}, allow_private_addresses=True, read_only=True)
    try:
        ledger = backend.ledger()
        # The post as new (dropped from the ledger), mentioning bob: he must be looked up.
        ledger = dataclasses.replace(
            ledger, items=tuple(i for i in ledger.items if i.slug != "static-sites")
        )
        plan = plan_publish(BuiltSite(built.actor, posts), ledger, site.urls, now)
        outcome = backend.publish(plan, dry_run=True)
        with pytest.raises(Exception, match="read-only"):
            backend.publish(plan, dry_run=False)
    finally:
        backend.close()
    [audience] = outcome["audiences"]
    assert audience["extra"] == {actor_server.actor: actor_server.inbox}
    assert actor_server.fetches == 1
    assert _digest(database) == before
    store = open_store(url)
    try:
        assert store.get_actor(actor_server.actor) is None  # fetched, not cached
        assert store.list_deliveries() == []
    finally:
        store.close()


def test_read_only_url_adds_to_existing_options() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dx&sslmode=disable"
    assert read_only_url(url) == (
        "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dx%20-c%20"
        "default_transaction_read_only%3Don&sslmode=disable"
    )


@pytest.mark.postgres
def test_postgres_is_opened_read_only(tmp_path: Path) -> None:
    import uuid
    from urllib.parse import quote

    from site_function.store import StoreError

    base = POSTGRES_URL
    schema = f"t_dryrun_{uuid.uuid4().hex[:12]}"
    url = f"{base}?options={quote(f'-csearch_path={schema}')}"
    with connect_postgres(base) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            with pytest.raises(ReadOnlyDatabaseError, match="no site-gen tables"):
                open_read_only(url)
            open_store(url).close()  # migrated
            store = open_read_only(url)
            try:
                assert store.get_meta("publish.initialized") is None
                with pytest.raises(StoreError, match="read-only"):
                    store.set_meta("publish.initialized", "x")
            finally:
                store.close()
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
