"""The SQLite store: the embedded default, one file under ``.site-gen/``.

WAL lets readers run beside the writer; writes take ``BEGIN IMMEDIATE`` so a transaction owns
the write lock from its first statement (no deadlock upgrading a read lock), and a process-wide
lock queues this process's writers in Python rather than in SQLite's sleeping busy handler.
Each thread gets its own connection (the app calls the store from a thread pool); the busy
timeout covers other processes (the CLI draining while the function serves). The function
opens its store with a short one (`Settings.store_wait`): a write lock held longer than that
elsewhere makes the call fail (503 with Retry-After) rather than keep the sender waiting.

``receive_activities_now`` lets the event loop run the inbox's small write transaction
inline when the write lock is free this instant (no thread hop, no GIL hand-over per
statement, which under load cost more than the SQL), and returns None when it would have to
wait (or when an item failed and the batch must be run one at a time), so the caller falls
back to its thread. Its connection never waits on a lock (busy
timeout 0) and never checkpoints (an fsync on the loop): a checkpointer thread of the store
does that, woken every ``_CHECKPOINT_EVERY`` inline commits.
"""

from __future__ import annotations

import contextlib
import json
import json.encoder
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from site_function.store._sql_core import Cursor, require_aware
from site_function.store._sql_inbox import InboxStatements
from site_function.store._sql_ledger import LedgerStatements
from site_function.store._sql_notifications import NotificationStatements
from site_function.store._sql_pages import PageStatements
from site_function.store._sql_queue import QueueStatements
from site_function.store._sql_transfer import RowStream, TransferStatements
from site_function.store.base import InboxItem, NewDelivery, StoreError
from site_function.store.migrations import seen_activity_key

__all__ = ["SqliteStore"]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
_BULK_CACHE_KIB = 32 << 10  # a bulk load's page cache
_CHECKPOINT_EVERY = 64  # inline commits between two checkpoints (about 5-25 MB of WAL)
_CHECKPOINT_TRIES = 4  # PASSIVE checkpoints before one with this process's writers held off


def _compact_json() -> Callable[[Any], str]:
    """`json.dumps(value, separators=(",", ":"), ensure_ascii=False)` at half its cost.

    An inbox item stores two documents. `JSONEncoder.encode` builds the C encoder anew on
    every call (most of a small document's cost): this one is built once, as `encode` builds
    it, without the circular-reference check (a document parsed from JSON has no cycle). The
    text is the same; without the C accelerator the plain encoder is used.
    """
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    chunks = make(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    join = "".join
    return lambda value: join(chunks(value, 0))


_encode_json = _compact_json()


class _SqliteRows:
    """One query's rows at a time, on the snapshot's connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def stream(self, sql: str, size: int) -> Iterator[list[Any]]:
        try:
            cursor = self._conn.execute(sql)
            while rows := cursor.fetchmany(size):
                yield rows
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite: {exc}") from exc


class SqliteStore(
    InboxStatements,
    QueueStatements,
    NotificationStatements,
    LedgerStatements,
    PageStatements,
    TransferStatements,
):
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
        self._inline: sqlite3.Connection | None = None
        self._inline_commits = 0
        self._commits = 0  # this process's write transactions, to tell a checkpoint whole
        self._last_time: tuple[datetime | None, str] = (None, "")
        self._checkpoint_due = threading.Event()
        self._checkpointer: threading.Thread | None = None

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
            # Migration 2 computes this in SQL; PostgreSQL has sha256() built in.
            conn.create_function("site_seen_key", 1, seen_activity_key, deterministic=True)
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

    @property
    def worker_threads(self) -> int:
        """One: SQLite has one writer, so more threads only queue on its lock."""
        return 1

    def _transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        joined: Cursor | None = getattr(self._local, "active", None)
        if joined is not None:
            # A store call made inside an open write transaction of this thread (the handler
            # of `receive_activity`) joins it: one BEGIN/COMMIT for the whole request. The
            # handlers of an inbox batch make several such calls per item: a plain context
            # manager costs less than a generator's.
            return nullcontext(joined)
        return self._own_transaction(write=write)

    @contextmanager
    def _own_transaction(self, *, write: bool) -> Iterator[Cursor]:
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
            cursor = conn.cursor()
            self._local.active = cursor
            try:
                yield cursor
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite: {exc}") from exc
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                self._local.active = None
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite commit failed: {exc}") from exc
            self._commits += 1

    # --- the state transfer (see `_sql_transfer`) ------------------------------------------

    @contextmanager
    def _read_snapshot(self) -> Iterator[RowStream]:
        """A connection of its own in one read transaction: WAL keeps its snapshot while the
        function writes on. (":memory:" has one connection: it is held for the block.)"""
        if self._shared is not None:
            with self._write_lock:
                yield _SqliteRows(self._shared)
            return
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            yield _SqliteRows(conn)
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite: {exc}") from exc
        finally:
            conn.close()
            with self._registry:
                self._connections.remove(conn)

    def _bulk_insert(
        self, cur: Cursor, table: str, columns: str, rows: list[tuple[Any, ...]], *, merge: bool
    ) -> int:
        self._drop_held()  # imported rows may answer a held read
        conflict = " ON CONFLICT DO NOTHING" if merge else ""
        marks = ", ".join("?" * len(rows[0]))
        # Index pages for a whole table's rows: far more than the default cache (2 MiB) holds
        # (this connection keeps the larger cache; bounded, and only after a bulk load).
        cur.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}", rows)  # noqa: S608
        return max(cur.rowcount, 0)

    def _resume_ids(self, cur: Cursor) -> None:
        """AUTOINCREMENT follows inserted ids by itself."""

    def _lock_for_migration(self, cur: Cursor) -> None:
        """BEGIN IMMEDIATE already holds the database's write lock."""

    def check_writable(self) -> None:
        """Take the write lock and let it go at once (StoreError if it cannot be had)."""
        with self._transaction(write=True):
            pass

    # --- the inbox inline (see the module docstring) ----------------------------------------

    def _inline_connection(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        if self._inline is None:
            conn = self._connect()
            conn.execute("PRAGMA busy_timeout = 0")  # never wait: the caller falls back
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # never fsync here
            self._inline = conn
        return self._inline

    def receive_activities_now(self, items: Sequence[InboxItem]) -> list[Any] | None:
        if self._closed or not self._write_lock.acquire(blocking=False):
            return None
        try:
            conn = self._inline_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return None  # another process holds the write lock: wait in a thread instead
            cursor = conn.cursor()
            self._local.active = cursor
            try:
                results = self._receive_batch_in(cursor, items)
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"SQLite: {exc}") from exc
                raise
            finally:
                self._local.active = None
            if results is None:  # an item failed or was discarded: one at a time, in a thread
                conn.execute("ROLLBACK")
                return None
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(f"SQLite commit failed: {exc}") from exc
        finally:
            self._write_lock.release()
        self._commits += 1
        self._inline_commits += 1
        if self._inline_commits >= _CHECKPOINT_EVERY and not self._memory:
            self._inline_commits = 0
            self._wake_checkpointer()
        return results

    def _wake_checkpointer(self) -> None:
        if self._checkpointer is None or not self._checkpointer.is_alive():
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="site-store-checkpoint", daemon=True
            )
            self._checkpointer.start()
        self._checkpoint_due.set()

    def _checkpoint_loop(self) -> None:
        while True:
            self._checkpoint_due.wait()
            self._checkpoint_due.clear()
            if self._closed:
                return
            with contextlib.suppress(sqlite3.Error, StoreError):
                self._checkpoint_wholly(self._connection())

    def _checkpoint_wholly(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL into the database up to its last frame, so that the next write
        transaction restarts the WAL from its start.

        PASSIVE copies what it can without waiting for readers or writers, but a commit
        that lands meanwhile leaves it incomplete (and it reports itself whole as of its
        start). Under steady load that happened every time, the WAL never restarted and
        grew without end (hundreds of MB in a benchmark run), and appending to new file
        blocks made each commit about 3x dearer than rewriting old ones. So it is tried a
        few times (the inline writer leaves gaps between its batches) until no commit of
        this process landed meanwhile, and as a last resort the small rest is copied with
        this process's writers held off. A failure is caught up by a later checkpoint.
        """
        for _ in range(_CHECKPOINT_TRIES):
            before = self._commits
            _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames == copied and self._commits == before:
                return
        with self._write_lock:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def close(self) -> None:
        self._closed = True
        self._checkpoint_due.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)
        with self._registry:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # --- codecs ------------------------------------------------------------------------

    def _encode_time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        # An inbox item stores the same `now` several times: format it once (a tuple swap is
        # atomic, so threads sharing the store see a matching pair).
        # `_TIME_FORMAT`'s text; isoformat makes it at half strftime's cost, but pads years
        # before 1000, which strftime's %Y does not.
        last, stamp = self._last_time
        if value is not last:
            utc = require_aware(value)
            if utc.year >= 1000:
                stamp = utc.isoformat(timespec="microseconds")
            else:
                stamp = utc.strftime(_TIME_FORMAT)
            self._last_time = (value, stamp)
        return stamp

    def _transfer_time(self, value: datetime | None) -> Any:
        # `_TIME_FORMAT`'s text, made by isoformat (several times faster than strftime, paid
        # per imported time); strftime's %Y does not pad years before 1000, isoformat does.
        if value is None:
            return None
        utc = require_aware(value)
        return (
            utc.isoformat(timespec="microseconds") if utc.year >= 1000 else self._encode_time(utc)
        )

    def _decode_time(self, value: Any) -> datetime:
        return datetime.fromisoformat(value).astimezone(UTC)

    def _encode_json(self, value: Any) -> Any:
        return _encode_json(value)

    def _decode_json(self, value: Any) -> Any:
        return json.loads(value)

    def _insert_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> int:
        stamp = self._encode_time(now)
        cur.executemany(
            "INSERT INTO deliveries (activity_id, inbox, host, body, kind, state,"
            " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)"
            " ON CONFLICT (activity_id, inbox) DO NOTHING",
            [self._delivery_params(row, stamp) for row in rows],
        )
        return max(cur.rowcount, 0)
