"""The PostgreSQL store: for serverless hosts, where the function has no disk of its own.

psycopg 3 (sync) with a small ``psycopg_pool.ConnectionPool``, both imported only when this
backend is chosen. Every method borrows one connection for one transaction. Claims use
``FOR UPDATE SKIP LOCKED`` so concurrent drains (several function instances, the CLI) take
disjoint rows without waiting; migrations take a transaction-scoped advisory lock keyed by the
current schema, so two cold starts migrating at once queue instead of colliding.

Nothing waits unbounded: connecting gives up after ``_CONNECT_TIMEOUT`` seconds (a server that
cannot be reached at start ends the start at once, with the reason), and ``timeout`` bounds
both the wait for a pooled connection and the wait for a lock inside a statement (the
function passes a short one, so a database that refuses writes yields 503, not a hung
request); a statement may run ``_STATEMENT_FACTOR`` times that, never less than 10 s.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from site_function.store._pg_batch import PipelinedInbox
from site_function.store._pg_cursor import PgCursor, pipelined_transaction, plain_transaction
from site_function.store._pg_follow_writes import delivery_arrays
from site_function.store._pg_loop_waits import LoopConnection, batch_locals, run_on_loop
from site_function.store._pg_pipeline import compact_json
from site_function.store._sql_core import Cursor, Row, require_aware
from site_function.store._sql_ledger import LedgerStatements
from site_function.store._sql_notifications import NotificationStatements
from site_function.store._sql_pages import PageStatements
from site_function.store._sql_queue import QueueStatements
from site_function.store._sql_transfer import RowStream, TransferStatements
from site_function.store.base import (
    InboxItem,
    Interaction,
    NewDelivery,
    RemoteActor,
    StoreError,
)

__all__ = ["PostgresStore"]

T = TypeVar("T")

_CONNECT_TIMEOUT = 3  # seconds, libpq's connect_timeout (it counts whole seconds, 2 at least)
_STATEMENT_FACTOR = 20


# `PostgresStore._place_interaction`.
_PLACE_INTERACTION = (
    "WITH given AS (SELECT ?::text AS activity_id, ?::text AS kind, ?::text AS actor_id,"
    " ?::text AS object_id, ?::jsonb AS activity, ?::text AS state,"
    " ?::timestamptz AS created_at, ?::timestamptz AS updated_at, ?::jsonb AS author,"
    " ?::boolean AS replaces),"
    " held AS (SELECT i.actor_id, i.activity, i.author FROM interactions i, given"
    " WHERE i.activity_id = given.activity_id),"
    " renamed AS (UPDATE interactions SET activity_id = given.activity_id,"
    " activity = given.activity, updated_at = given.updated_at, author = given.author,"
    " revision = interactions.revision + 1 FROM given"
    " WHERE given.replaces AND NOT EXISTS (SELECT 1 FROM held)"
    " AND interactions.activity_id = (SELECT o.activity_id FROM interactions o"
    " WHERE o.actor_id = given.actor_id AND o.kind = given.kind"
    " AND o.object_id = given.object_id"
    " ORDER BY o.created_at, o.activity_id LIMIT 1) RETURNING 1),"
    " added AS (INSERT INTO interactions (activity_id, kind, actor_id, object_id, activity,"
    " state, created_at, updated_at, author, revision)"
    " SELECT activity_id, kind, actor_id, object_id, activity, state, created_at,"
    " updated_at, author, 1 FROM given"
    " WHERE NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM renamed)"
    " ON CONFLICT (activity_id) DO NOTHING RETURNING 1)"
    " SELECT h.actor_id, h.activity, h.author, (SELECT count(*) FROM added)"
    " FROM (SELECT 1) AS one LEFT JOIN held h ON true"
)


def _connect_failure(conninfo: str) -> str | None:
    """Why a connection cannot be made, in one line (libpq's message names the host and port,
    never the password), or None if it can."""
    import psycopg

    try:
        psycopg.connect(conninfo, connect_timeout=_CONNECT_TIMEOUT).close()
    except psycopg.Error as exc:
        return " ".join(str(exc).split())
    return None


class _PgRows:
    """One query's rows at a time, through a server-side cursor of the snapshot."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def stream(self, sql: str, size: int) -> Iterator[list[Any]]:
        with self._conn.cursor(name="site_gen_state") as cur:
            cur.execute(sql)
            while rows := cur.fetchmany(size):
                yield rows


class PostgresStore(
    PipelinedInbox,
    QueueStatements,
    NotificationStatements,
    LedgerStatements,
    PageStatements,
    TransferStatements,
):
    """The ``Store`` on a PostgreSQL database named by a libpq URL or conninfo string."""

    dialect = "postgres"
    _claim_lock = " FOR UPDATE OF d SKIP LOCKED"
    _binary_order = ' COLLATE "C"'

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 8,
        timeout: float = 10.0,
        check_connections: bool = False,
        shown: str = "PostgreSQL",
    ) -> None:
        """`shown` names the database in errors (never the password: `database_shown`)."""
        import psycopg
        from psycopg.types.json import Jsonb
        from psycopg_pool import ConnectionPool

        self._psycopg_error: type[Exception] = psycopg.Error
        self._thread_local = threading.local()
        self._max_size = max_size
        self._jsonb = Jsonb
        lock_ms = max(1, int(timeout * 1000))
        statement_ms = max(10_000, lock_ms * _STATEMENT_FACTOR)

        def configure(conn: Any) -> None:
            conn.execute(
                "SELECT set_config('lock_timeout', %s, false),"
                " set_config('statement_timeout', %s, false)",
                (f"{lock_ms}ms", f"{statement_ms}ms"),
            )

        self._pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            name="site-gen-store",
            connection_class=LoopConnection,
            kwargs={"autocommit": True, "connect_timeout": _CONNECT_TIMEOUT},
            configure=configure,
            # After a serverless freeze pooled connections may be dead: optionally test
            # each one when it is borrowed (one extra round trip).
            check=ConnectionPool.check_connection if check_connections else None,
        )
        try:
            self._pool.open(wait=True, timeout=_CONNECT_TIMEOUT + 1)
        except Exception as exc:  # PoolTimeout: the pool retries in silence, so ask once
            self._pool.close(timeout=0)
            reason = _connect_failure(conninfo) or f"{type(exc).__name__}: {exc}"
            raise StoreError(f"cannot connect to the database {shown}: {reason}") from None

    def __repr__(self) -> str:
        return "PostgresStore(<conninfo hidden>)"  # the URL may carry a password

    @property
    def _local(self) -> Any:
        """The state of this thread's open transaction, or of the running inbox batch's
        (`_pg_loop_waits.batch_locals`: a batch on the loop's thread keeps its own)."""
        return batch_locals(self) or self._thread_local

    @property
    def worker_threads(self) -> int:
        """One thread less than pooled connections: the inbox batch, on the event loop's
        thread (`batch_runner`), always finds one free, and never blocks the loop waiting
        for the pool. More threads would only wait for a connection."""
        return max(1, self._max_size - 1)

    @property
    def batch_runner(self) -> Callable[[Callable[[], T]], Awaitable[T]]:
        """How the inbox runs a batch (``InboxBatcher``): in a greenlet on the event loop,
        whose waits for the server the loop awaits (`_pg_loop_waits`), not in a thread."""
        return run_on_loop

    @property
    def inbox_writers(self) -> int:
        """One inbox batch at a time (everything that waits meanwhile forms the next).
        A process's inbox batches write the same rows (a post's interactions, the follower
        tally of a server), so two at once wait on each other's row locks, and a deadlock
        or a lock timeout sends a whole batch back to run item by item (503s under load)."""
        return 1

    @contextmanager
    def _transaction(self, *, write: bool, pipelined: bool = False) -> Iterator[Cursor]:
        joined: Cursor | None = getattr(self._local, "active", None)
        if joined is not None:
            # A store call made inside an open write transaction of this thread (the handler
            # of `receive_activity`) joins it: one transaction for the whole request.
            yield joined
            return
        # Pooled connections are in autocommit mode: a read is one round trip (each statement
        # its own snapshot); a write is one explicit transaction, rolled back if it raises.
        try:
            with self._pool.connection() as conn:
                if write:
                    # An inbox batch sends what it need not wait for at once (`_pg_batch`).
                    opened = pipelined_transaction(conn) if pipelined else plain_transaction(conn)
                    with opened as cur:
                        self._local.active = cur
                        try:
                            yield cur
                        finally:
                            self._local.active = None
                else:
                    with conn.cursor() as cur:
                        yield PgCursor(cur)
        except self._psycopg_error as exc:
            raise StoreError(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg_pool"):  # PoolTimeout, PoolClosed
                raise StoreError(f"PostgreSQL pool: {exc}") from exc
            raise

    def _batch_transaction(self) -> AbstractContextManager[Cursor]:
        return self._transaction(write=True, pipelined=True)

    def receive_activities_now(self, items: Sequence[InboxItem]) -> list[Any] | None:
        """Never inline: every statement is a network round trip (see ``Store``)."""
        return None

    def _lock_for_migration(self, cur: Cursor) -> None:
        # Another cold start may hold the lock for the whole of its migration: wait for it
        # longer than a request would wait for a lock (this transaction only).
        cur.execute(
            "SELECT set_config('lock_timeout', '60s', true),"
            " set_config('statement_timeout', '0', true)"
        )
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtext('site-gen migrate ' || current_schema()))"
        )

    # --- the state transfer (see `_sql_transfer`) ------------------------------------------

    @contextmanager
    def _read_snapshot(self) -> Iterator[RowStream]:
        """A repeatable-read, read-only transaction: every kind from one snapshot."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # A whole table is read here: no per-statement limit (this transaction only).
                conn.execute("SELECT set_config('statement_timeout', '0', true)")
                yield _PgRows(conn)
        except self._psycopg_error as exc:
            raise StoreError(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc

    def _bulk_insert(
        self, cur: Cursor, table: str, columns: str, rows: list[tuple[Any, ...]], *, merge: bool
    ) -> int:
        self._drop_held()  # imported rows may answer a held read
        if merge:
            marks = ", ".join("?" * len(rows[0]))
            cur.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # noqa: S608
                rows,
            )
            return max(cur.rowcount, 0)
        if not isinstance(cur, PgCursor):
            raise TypeError("a PostgreSQL cursor was expected")
        # An empty store: COPY, the fastest way in (a duplicate still fails the transaction).
        with cur.raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)

    def _transfer_json(self, value: Any) -> Any:
        # Text the server parses as jsonb (COPY and INSERT alike: psycopg sends str untyped):
        # the Jsonb wrapper's Python-level dumper cost more than the dump, once per record.
        return compact_json(value)

    def _resume_ids(self, cur: Cursor) -> None:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('deliveries', 'id'), max(id))"
            " FROM deliveries HAVING max(id) IS NOT NULL"
        )

    def check_writable(self) -> None:
        """Take the lock every inbox request's first INSERT takes (StoreError if the server is
        read-only, or another session keeps writers out longer than the lock timeout)."""
        with self._transaction(write=True) as cur:
            cur.execute("LOCK TABLE seen_activity_keys IN ROW EXCLUSIVE MODE")

    def close(self) -> None:
        self._pool.close()

    # --- codecs ------------------------------------------------------------------------

    def _encode_time(self, value: datetime | None) -> Any:
        return None if value is None else require_aware(value)

    def _decode_time(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError(f"expected a timestamp from PostgreSQL, got {type(value).__name__}")
        return value.astimezone(UTC)

    def _encode_json(self, value: Any) -> Any:
        return self._jsonb(value)

    def _decode_json(self, value: Any) -> Any:
        return value

    def _decode_actor(self, row: Row) -> RemoteActor:
        if isinstance(row[6], str):  # read as text (`_pg_read_ahead`): psycopg left it
            row = (*row[:5], json.loads(row[5]), json.loads(row[6]), row[7])
        return super()._decode_actor(row)

    def _place_interaction(self, cur: Cursor, i: Interaction) -> tuple[Any, bool]:
        # The portable three statements (`RecordStatements`) as one round trip: each part
        # sees the same snapshot, and a later part learns of an earlier one's rows only
        # through its RETURNING (`renamed` holds off the INSERT). In an inbox batch the
        # answer is mostly known ahead, and checked by the placing statement (`_pg_batch`).
        params = (
            i.activity_id, i.kind, i.actor_id, i.object_id, self._encode_json(i.activity),
            i.state, self._encode_time(i.created_at), self._encode_time(i.updated_at),
            self._encoded_author(i), i.kind != "reply",
        )  # fmt: skip
        added = self._place_ahead(cur, i)
        if added is not None:
            return None, added
        self._forget_places(cur)
        cur.execute(_PLACE_INTERACTION, params)
        actor_id, activity, author, added = cur.fetchone()
        held = None if actor_id is None else (actor_id, activity, author)
        return held, added > 0

    def _insert_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> int:
        self._send_deliveries(cur, rows, now)
        return max(cur.rowcount, 0)

    def _send_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> None:
        # One statement for the whole fan-out (thousands of inboxes) instead of a round trip
        # per row; pipelined, nothing waits for it when its count is not read.
        stamp = self._encode_time(now)
        cur.execute(
            "INSERT INTO deliveries (activity_id, inbox, host, body, kind, state,"
            " next_attempt_at, created_at, updated_at)"
            " SELECT t.a, t.i, t.h, t.b, t.k, 'queued', ?, ?, ? FROM unnest(?::text[], ?::text[],"
            " ?::text[], ?::bytea[], ?::text[]) WITH ORDINALITY AS t(a, i, h, b, k, n)"
            " ORDER BY t.n ON CONFLICT (activity_id, inbox) DO NOTHING",
            (stamp, stamp, stamp, *delivery_arrays(rows)),
        )
