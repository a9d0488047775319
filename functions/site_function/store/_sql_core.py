"""What both SQL backends share: transactions as a seam, value codecs, row mapping, migrate.

The store methods are written once, in portable SQL with ``?`` placeholders (SQLite 3.35+ and
PostgreSQL both speak ``ON CONFLICT`` and ``RETURNING``); a backend supplies the connection
handling, the value codecs and the few statements that differ (claiming rows, bulk inserts,
the migration lock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from site_function.store.base import (
    Block,
    Delivery,
    Follower,
    HostState,
    Interaction,
    NewDelivery,
    PublishedObject,
    RemoteActor,
    RemoteKey,
    StoreError,
    host_of,
)
from site_function.store.migrations import MIGRATIONS, Dialect, statements_for

__all__ = ["Cursor", "Row", "SqlCore", "placeholders"]

Row = tuple[Any, ...]
T = TypeVar("T")

ACTOR_COLUMNS = (
    "id, inbox, shared_inbox, key_id, public_key_pem, also_known_as, document, fetched_at"
)
KEY_COLUMNS = "key_id, owner, public_key_pem, fetched_at"
FOLLOWER_COLUMNS = (
    "actor_id, follow_id, inbox, shared_inbox, state, follow_activity, created_at, updated_at"
)
BLOCK_COLUMNS = (
    "kind, value, created_at, severity, comment, reject_media, reject_reports, obfuscate"
)
INTERACTION_COLUMNS = (
    "activity_id, kind, actor_id, object_id, activity, state, created_at, updated_at,"
    " author, revision"
)
DELIVERY_COLUMNS = (
    "id, activity_id, inbox, host, body, state, attempts, next_attempt_at, lease_until,"
    " last_status, last_error, created_at, updated_at, kind"
)
HOST_COLUMNS = "host, consecutive_failures, first_failure_at, paused_until, last_error"
# Decoded actor rows a store remembers (`SqlCore._actor`): the senders of a busy minute.
_ACTOR_MEMO_SIZE = 256
PUBLISHED_COLUMNS = "object_id, slug, content_hash, updated, state, first_sent_at, last_sent_at"


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses, with ``?`` placeholders on both backends."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values (at least one)."""
    return ", ".join("?" * max(count, 1))


class SqlCore(ABC):
    """Transactions, codecs and row mapping shared by the SQLite and PostgreSQL stores."""

    dialect: Dialect
    _local: Any  # each backend's threading.local(): ``active``, its open write transaction
    #: Appended to an ORDER BY on text so both backends sort by code point (PostgreSQL's
    #: default collation may not; SQLite's BINARY does).
    _binary_order: str = ""

    # --- the seams a backend fills in -----------------------------------------------------

    @abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        """One transaction: committed when the block ends, rolled back if it raises.

        With ``write=False`` a backend may run each statement on its own (autocommit): reads
        are then consistent per statement, which every read here is content with.
        """

    @abstractmethod
    def _lock_for_migration(self, cur: Cursor) -> None:
        """Serialise concurrent ``migrate`` calls (from several processes)."""

    @abstractmethod
    def _encode_time(self, value: datetime | None) -> Any: ...

    @abstractmethod
    def _decode_time(self, value: Any) -> datetime: ...

    @abstractmethod
    def _encode_json(self, value: Any) -> Any: ...

    @abstractmethod
    def _decode_json(self, value: Any) -> Any: ...

    @abstractmethod
    def _insert_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> int:
        """Insert queue rows, ignoring duplicates of (activity_id, inbox); rows added."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction that the store calls made inside the block join (each
        backend's ``_transaction`` reuses the cursor its thread has open)."""
        with self._transaction(write=True):
            yield

    # --- reads held for one write transaction --------------------------------------------

    def _held(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()``, asked once per write transaction of this thread: a batch of inbox
        requests asks the same questions (the post a Like names, the domain policies) and
        each answer is one round trip on PostgreSQL. Outside a write transaction every call
        reads. A write that changes a held answer drops it (``_drop_held``); the memo is tied
        to the transaction's cursor, so the next transaction starts empty."""
        active = getattr(self._local, "active", None)
        if active is None:
            return read()
        cache = self._held_answers(active)
        if key in cache:
            found: T = cache[key]
            return found
        value = cache[key] = read()
        return value

    def _hold(self, key: Hashable, value: Any) -> None:
        """Put an answer read ahead (for a whole batch in one query) inside the transaction."""
        active = getattr(self._local, "active", None)
        if active is not None:
            self._held_answers(active)[key] = value

    def _held_answers(self, active: Cursor) -> dict[Hashable, Any]:
        held = getattr(self._local, "held", None)
        if held is None or held[0] is not active:
            # Holding the cursor keeps its identity from being reused by a later transaction.
            held = (active, {})
            self._local.held = held
        answers: dict[Hashable, Any] = held[1]
        return answers

    def _drop_held(self, key: Hashable | None = None) -> None:
        """Forget one held answer (``key``), or all of them: this transaction changed it."""
        held = getattr(self._local, "held", None)
        if held is None:
            return
        if key is None:
            held[1].clear()
        else:
            held[1].pop(key, None)

    # --- migrations ------------------------------------------------------------------------

    def migrate(self) -> None:
        """Apply the missing numbered migrations in one transaction, under a lock.

        Called at every cold start, so an up-to-date schema costs one read and no lock.
        """
        try:
            if self.schema_version() >= MIGRATIONS[-1].version:
                return
        except StoreError:
            pass  # no schema_migrations table yet: a new database
        time_type = "TIMESTAMPTZ" if self.dialect == "postgres" else "TEXT"
        with self._transaction(write=True) as cur:
            self._lock_for_migration(cur)
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                f" name TEXT NOT NULL, applied_at {time_type} NOT NULL)"
            )
            cur.execute("SELECT version FROM schema_migrations")
            applied = {int(row[0]) for row in cur.fetchall()}
            now = self._encode_time(datetime.now(UTC))
            for migration in MIGRATIONS:
                if migration.version in applied:
                    continue
                for statement in statements_for(migration, self.dialect):
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, now),
                )

    def schema_version(self) -> int:
        """The highest applied migration (0 before the first ``migrate``)."""
        with self._transaction(write=False) as cur:
            cur.execute("SELECT max(version) FROM schema_migrations")
            row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # --- small settings ----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT value FROM meta WHERE key = ?", (key,))
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction(write=True) as cur:
            self._set_meta_in(cur, key, value)

    def _set_meta_in(self, cur: Cursor, key: str, value: str) -> None:
        """Insert or replace a setting inside an open write transaction."""
        self._drop_held()  # a setting may steer a held answer (allow-only mode)
        cur.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- codecs ----------------------------------------------------------------------------

    def _time_or_none(self, value: Any) -> datetime | None:
        return None if value is None else self._decode_time(value)

    def _enqueue_in(
        self, cur: Cursor, deliveries: Sequence[NewDelivery], now: datetime, *, counted: bool = True
    ) -> int:
        """Enqueue inside an open transaction (deduplicated within the batch too); the rows
        added, or 0 when not ``counted`` (a pipelined backend need not wait for the count)."""
        unique = list({(d.activity_id, d.inbox): d for d in deliveries}.values())
        if not unique:
            return 0
        if not counted:
            self._send_deliveries(cur, unique, now)
            return 0
        return self._insert_deliveries(cur, unique, now)

    def _send_deliveries(self, cur: Cursor, rows: Sequence[NewDelivery], now: datetime) -> None:
        """``_insert_deliveries`` whose count nobody reads."""
        self._insert_deliveries(cur, rows, now)

    def _delivery_params(self, delivery: NewDelivery, stamp: Any) -> tuple[Any, ...]:
        return (delivery.activity_id, delivery.inbox, host_of(delivery.inbox), delivery.body,
                delivery.kind, stamp, stamp, stamp)  # fmt: skip

    # --- rows -> records -------------------------------------------------------------------

    def _actor(self, row: Row) -> RemoteActor:
        """The cached actor of a row; the same row text gives the same (immutable) record.

        An inbox batch reads each sender's cached document again (`_hold_actors`), and a busy
        sender's is the same text every time: decoding it (the largest JSON the inbox reads,
        a PEM inside) is paid once per text, not once per batch. Rows of text only (SQLite)
        are remembered, a bounded few; a backend that hands decoded JSON reads each time.
        The document is shared between the readers of that row: callers only read it."""
        document = row[6]
        if not isinstance(document, str):
            return self._decode_actor(row)
        memo = self._actor_memo
        if memo is None:
            memo = self._actor_memo = {}
        key = tuple(row)
        found = memo.get(key)
        if found is None:
            found = self._decode_actor(row)
            if len(memo) >= _ACTOR_MEMO_SIZE:
                memo.clear()
            memo[key] = found
        return found

    _actor_memo: dict[Row, RemoteActor] | None = None

    def _decode_actor(self, row: Row) -> RemoteActor:
        return RemoteActor(
            id=row[0],
            inbox=row[1],
            shared_inbox=row[2],
            key_id=row[3],
            public_key_pem=row[4],
            also_known_as=tuple(self._decode_json(row[5])),
            document=self._decode_json(row[6]),
            fetched_at=self._decode_time(row[7]),
        )

    def _key(self, row: Row) -> RemoteKey:
        return RemoteKey(row[0], row[1], row[2], self._decode_time(row[3]))

    def _follower(self, row: Row) -> Follower:
        return Follower(
            actor_id=row[0],
            follow_id=row[1],
            inbox=row[2],
            shared_inbox=row[3],
            state=row[4],
            follow_activity=self._decode_json(row[5]),
            created_at=self._decode_time(row[6]),
            updated_at=self._decode_time(row[7]),
        )

    def _followers(self, rows: Iterator[Row] | list[Row]) -> list[Follower]:
        found = [self._follower(row) for row in rows]
        return sorted(found, key=lambda f: (f.created_at, f.actor_id))

    def _block(self, row: Row) -> Block:
        return Block(
            kind=row[0],
            value=row[1],
            created_at=self._decode_time(row[2]),
            severity=row[3],
            comment=row[4],
            reject_media=bool(row[5]),
            reject_reports=bool(row[6]),
            obfuscate=bool(row[7]),
        )

    def _interaction(self, row: Row) -> Interaction:
        return Interaction(
            activity_id=row[0],
            kind=row[1],
            actor_id=row[2],
            object_id=row[3],
            activity=self._decode_json(row[4]),
            state=row[5],
            created_at=self._decode_time(row[6]),
            updated_at=self._decode_time(row[7]),
            author=None if row[8] is None else self._decode_json(row[8]),
            revision=int(row[9]),
        )

    def _delivery(self, row: Row) -> Delivery:
        return Delivery(
            id=int(row[0]),
            activity_id=row[1],
            inbox=row[2],
            host=row[3],
            body=bytes(row[4]),
            state=row[5],
            attempts=int(row[6]),
            next_attempt_at=self._decode_time(row[7]),
            lease_until=self._time_or_none(row[8]),
            last_status=row[9],
            last_error=row[10],
            created_at=self._decode_time(row[11]),
            updated_at=self._decode_time(row[12]),
            kind=row[13],
        )

    def _host(self, row: Row) -> HostState:
        return HostState(
            host=row[0],
            consecutive_failures=int(row[1]),
            first_failure_at=self._time_or_none(row[2]),
            paused_until=self._time_or_none(row[3]),
            last_error=row[4],
        )

    def _published(self, row: Row) -> PublishedObject:
        return PublishedObject(
            object_id=row[0],
            slug=row[1],
            content_hash=row[2],
            updated=self._time_or_none(row[3]),
            state=row[4],
            first_sent_at=self._decode_time(row[5]),
            last_sent_at=self._decode_time(row[6]),
        )


def require_aware(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a bug in the caller."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime given to the store: {value!r} (use timezone.utc)")
    return value.astimezone(UTC)
