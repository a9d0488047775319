"""Choosing a backend from ``SITE_GEN_DATABASE_URL``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from site_function.store import StoreError, open_store
from site_function.store.factory import sqlite_path_of
from site_function.store.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///abs/state.sqlite3", "/abs/state.sqlite3"),
        ("sqlite:////abs/state.sqlite3", "/abs/state.sqlite3"),
        ("sqlite:relative/state.sqlite3", "relative/state.sqlite3"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite:", ":memory:"),
        (":memory:", ":memory:"),
        (".site-gen/state.sqlite3", ".site-gen/state.sqlite3"),
        ("/var/lib/site/state.sqlite3", "/var/lib/site/state.sqlite3"),
        ("postgresql://u@db/site", None),
        ("postgres://u@db/site", None),
        ("mysql://u@db/site", None),
    ],
)
def test_sqlite_path_of(url: str, path: str | None) -> None:
    assert sqlite_path_of(url) == path


def test_open_store_creates_the_folder_and_migrates(tmp_path: Path) -> None:
    target = tmp_path / "site" / ".site-gen" / "state.sqlite3"
    store = open_store(f"sqlite://{target}")
    try:
        assert isinstance(store, SqliteStore)
        assert target.exists()
        store.set_meta("k", "v")
        assert store.get_meta("k") == "v"
    finally:
        store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_meta("k")


def test_open_store_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:data/state.sqlite3")
    store.close()
    assert (tmp_path / "data" / "state.sqlite3").exists()


def test_memory_store_is_shared_between_threads() -> None:
    import threading

    store = open_store(":memory:")
    try:
        thread = threading.Thread(target=store.set_meta, args=("k", "from a thread"))
        thread.start()
        thread.join(timeout=10)
        assert store.get_meta("k") == "from a thread"
    finally:
        store.close()


@pytest.mark.parametrize("url", ["", "   ", "mysql://u@db/site"])
def test_open_store_refuses_unknown_urls(url: str) -> None:
    with pytest.raises(StoreError):
        open_store(url)


@pytest.mark.postgres
def test_postgres_credentials_stay_out_of_errors() -> None:
    from site_function.store.factory import open_store

    # Port 1 on loopback: nothing listens, so opening gives up at once, naming the database.
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://postgres:s3cret-pw@127.0.0.1:1/test", wait=0.5)
    assert "s3cret" not in str(caught.value)
    assert "postgresql://postgres:***@127.0.0.1:1/test" in str(caught.value)


def test_importing_the_store_does_not_import_database_drivers() -> None:
    code = (
        "import sys, site_function.store as s; s.open_store(':memory:').close();"
        "print(sorted(m for m in ('psycopg', 'psycopg_pool', 'aiohttp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
