"""Open the delivery database for a dry run: read-only, and only if it already exists.

`site-gen publish --dry-run --database URL` must write nothing at all: not create a SQLite
file on a mistyped path, not migrate, not cache an actor it looked up. SQLite is opened
through a `mode=ro` URI (with `query_only` on top), PostgreSQL with
`default_transaction_read_only`, so any write that slipped through fails loudly instead of
changing the database. Imported only by a dry run with `--database`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from site_function.store.base import Store, StoreError
from site_function.store.factory import sqlite_path_of
from site_function.store.migrations import MIGRATIONS
from site_function.store.sqlite import SqliteStore

from site_core.errors import SiteGenError

__all__ = ["ReadOnlyDatabaseError", "ReadOnlySqliteStore", "open_read_only", "read_only_url"]


class ReadOnlyDatabaseError(SiteGenError):
    """The database a dry run was pointed at is missing or not ready; the message says why."""


class ReadOnlySqliteStore(SqliteStore):
    """A `SqliteStore` whose connections cannot write (a `mode=ro` URI, `query_only`)."""

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{quote(self._path)}?mode=ro"
        try:
            conn = sqlite3.connect(
                uri,
                uri=True,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {self._path} read-only: {exc}") from exc
        with self._registry:
            self._connections.append(conn)
        return conn


def read_only_url(url: str) -> str:
    """A PostgreSQL URL whose sessions start every transaction read-only."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    options = query.get("options", "").strip()
    query["options"] = f"{options} -c default_transaction_read_only=on".strip()
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _refuse(message: str) -> ReadOnlyDatabaseError:
    return ReadOnlyDatabaseError(
        f"{message}; a dry run creates and changes nothing. Publish once without --dry-run"
        " (or run 'site-gen serve') to set the database up."
    )


def open_read_only(url: str) -> Store:
    """The store at `url`, read-only; `ReadOnlyDatabaseError` if it does not exist yet or
    its schema is not current (a dry run does not migrate)."""
    path = sqlite_path_of(url)
    store: Store
    if path is not None:
        if path == ":memory:":
            raise _refuse("an in-memory database is always empty")
        file = Path(path).expanduser()
        if not file.is_file():
            raise _refuse(f"no database at {file}")
        store = ReadOnlySqliteStore(str(file))
    elif url.startswith(("postgresql://", "postgres://")):
        from site_function.store.postgres import PostgresStore

        store = PostgresStore(read_only_url(url))
    else:
        raise ReadOnlyDatabaseError(f"unsupported database URL {url.split('://', 1)[0]!r}")
    try:
        version = store.schema_version()
    except StoreError as exc:
        if "schema_migrations" not in str(exc):  # unreachable, refused: not "empty"
            store.close()
            raise ReadOnlyDatabaseError(f"cannot read the database: {exc}") from None
        version = 0
    latest = MIGRATIONS[-1].version
    if version < latest:
        store.close()
        where = "has no site-gen tables" if version == 0 else f"has schema version {version}"
        raise _refuse(f"the database {where} (this site-gen needs version {latest})")
    return store
