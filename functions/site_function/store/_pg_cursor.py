"""The store's cursor over psycopg, and the two kinds of transaction that hand it out.

The store's SQL is written once for both backends with ``?`` placeholders; this cursor turns
them into psycopg's. An inbox batch runs in pipeline mode (``_pg_pipeline``), where BEGIN and
COMMIT must not wait for answers of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from site_function.store.base import UncommittedBatch

__all__ = ["PgCursor", "pipelined_transaction", "plain_transaction"]


@lru_cache(maxsize=512)
def _to_pyformat(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (the store's SQL has no ``?`` in literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgCursor:
    """A psycopg cursor that takes the store's ``?`` placeholders; ``pipeline`` is its
    connection's psycopg ``Pipeline`` while an inbox batch runs (else None)."""

    __slots__ = ("_cur", "before", "pipeline")

    def __init__(self, cur: Any, pipeline: Any = None, before: Any = None) -> None:
        self._cur = cur
        self.pipeline = pipeline
        self.before: Callable[[], None] | None = before

    @property
    def rowcount(self) -> int:
        if self.pipeline is not None and self._cur.pgresult is None:
            self.pipeline.sync()  # pipelined: the count comes with the statement's result
        return int(self._cur.rowcount)

    def side(self) -> PgCursor:
        """Another cursor of the same connection (pipelined: its answer is kept apart)."""
        return PgCursor(self._cur.connection.cursor(), self.pipeline, self.before)

    def execute_native(self, sql: str, params: Sequence[Any]) -> None:
        """A statement in psycopg's own placeholders (``%s``, ``%b``), nothing called before."""
        self._cur.execute(sql, params)

    def sync(self) -> None:
        """Wait for every statement sent so far (raising the first one's error)."""
        if self.before is not None:
            self.before()
        if self.pipeline is not None:
            self.pipeline.sync()

    @property
    def raw(self) -> Any:
        """The psycopg cursor itself (for COPY)."""
        return self._cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.before is not None:
            self.before()
        return self._cur.execute(_to_pyformat(sql), params or None)

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        if self.before is not None:
            self.before()
        return self._cur.executemany(_to_pyformat(sql), params)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall())


@contextmanager
def plain_transaction(conn: Any) -> Iterator[PgCursor]:
    """One explicit transaction (psycopg's), committed unless the block raises."""
    with conn.transaction(), conn.cursor() as cur:
        yield PgCursor(cur)


@contextmanager
def pipelined_transaction(conn: Any) -> Iterator[PgCursor]:
    """One explicit transaction in pipeline mode, whose BEGIN and COMMIT wait for nothing of
    their own: psycopg's ``conn.transaction()`` there syncs after the BEGIN and twice more at
    the end (its nested pipelines), each a round trip that the batch waits through. Here
    BEGIN goes out with the first statement and COMMIT with the pipeline's closing sync. A
    statement that fails there (one the batch sent without reading its answer, or one that
    checks an answer given ahead, `_pg_placements`), or a COMMIT that the server answers
    ROLLBACK, raises `UncommittedBatch`: the caller must never take it for a commit."""
    from psycopg import Error
    from psycopg.pq import TransactionStatus

    committing = False
    try:
        with conn.pipeline() as pipeline, conn.cursor() as cur:
            conn.execute("BEGIN")
            yield PgCursor(cur, pipeline)
            committing = True
            commit = conn.execute("COMMIT")
    except Error as exc:
        if committing:
            raise UncommittedBatch(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc
        raise
    finally:
        # The block raised, or a statement failed and COMMIT was skipped: the transaction is
        # still open (the pipeline is closed now, so this is one plain round trip).
        if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            conn.rollback()
    if commit.statusmessage != "COMMIT":
        raise UncommittedBatch(f"PostgreSQL: the transaction ended in {commit.statusmessage}")
