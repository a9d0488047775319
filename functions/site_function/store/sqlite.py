"""The SQLite store: the embedded default, one file under ``.site-gen/``.

WAL lets readers run beside the writer; writes take ``BEGIN IMMEDIATE`` so a transaction owns
the write lock from its first statement (no deadlock upgrading a read lock), and a process-wide
lock queues this process's writers in Python rather than in SQLite's sleeping busy handler.
Each thread gets its own connection (the app calls the store from a thread pool); the busy
timeout covers other processes (the CLI draining while the function serves).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from site_function.store._sql_core import Cursor, require_aware
from site_function.store._sql_follows import FollowStatements
from site_function.store._sql_queue import QueueStatements
from site_function.store._sql_records import RecordStatements
from site_function.store.base import NewDelivery, StoreError

__all__ = ["SqliteStore"]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


class SqliteStore(FollowStatements, RecordStatements, QueueStatements):
    """The ``Store`` on a SQLite file (or ``":memory:"``, one shared connection)."""

    dialect = "sqlite"

    def __init__(self, path: str, *, busy_timeout: float = 10.0) -> None:
        self._path = path
        self._memory = path == ":memory:"
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._registry = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self._shared = self._connect() if self._memory else None

    def __repr__(self) -> str:
        return f"SqliteStore({self._path!r})"

    # --- connections -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            if not self._memory:
                conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL mode never corrupts; a power cut may lose the last commits.
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite database {self._path}: {exc}") from exc
        with self._registry:
            self._connections.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the store is closed")
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        conn = self._connection()
        # ":memory:" shares one connection, so even readers must take turns on it.
        lock = self._write_lock if (write or self._memory) else nullcontext()
        with lock:
            if not write:
                # Reads run in autocommit: each statement sees one consistent snapshot, and
                # the hot lookups (is_blocked, get_key) skip two statements.
                try:
                    yield conn.cursor()
                except sqlite3.Error as exc:
                    raise StoreError(f"SQLite: {exc}") from exc
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc
            try:
                yield conn.cursor()
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite: {exc}") from exc
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite commit failed: {exc}") from exc

    def _lock_for_migration(self, cur: Cursor) -> None:
        """BEGIN IMMEDIATE already holds the database's write lock."""

    def close(self) -> None:
        self._closed = True
        with self._registry:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # --- codecs ------------------------------------------------------------------------

    def _encode_time(self, value: datetime | None) -> Any:
        return None if value is None else require_aware(value).strftime(_TIME_FORMAT)

    def _decode_time(self, value: Any) -> datetime:
        return datetime.fromisoformat(value).astimezone(UTC)

    def _encode_json(self, value: Any) -> Any:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def _decode_json(self, value: Any) -> Any:
        return json.loads(value)

    def _insert_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> int:
        stamp = self._encode_time(now)
        cur.executemany(
            "INSERT INTO deliveries (activity_id, inbox, host, body, state, next_attempt_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)"
            " ON CONFLICT (activity_id, inbox) DO NOTHING",
            [self._delivery_params(row, stamp) for row in rows],
        )
        return max(cur.rowcount, 0)
