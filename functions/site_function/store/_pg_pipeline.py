"""What the inbox batch's modules share about a pipelined PostgreSQL connection.

A batch runs on one connection in pipeline mode (``_pg_cursor.PgCursor``): a statement whose
answer nobody reads is sent without waiting, and another cursor of the connection (``side``)
keeps a statement's answer apart until it is read. Array parameters go in psycopg's binary
format (``%b``), so JSON goes as the compact text the server parses as ``jsonb``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

from site_function.store._sql_core import Cursor

__all__ = ["PipelinedCursor", "compact_json", "pipelined"]

compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class PipelinedCursor(Cursor, Protocol):
    """A cursor of a pipelined connection (``_pg_cursor.PgCursor``)."""

    def side(self) -> PipelinedCursor:
        """Another cursor of the connection: its statement's answer is kept apart."""

    def sync(self) -> None:
        """Wait for every statement sent so far (raising the first one's error)."""

    def execute_native(self, sql: str, params: Sequence[Any]) -> None:
        """A statement in psycopg's own placeholders (``%s``, ``%b``), nothing called before."""

    @property
    def before(self) -> Callable[[], None] | None:
        """Called before each statement of the connection (writes what is deferred)."""

    @before.setter
    def before(self, call: Callable[[], None] | None) -> None: ...


def pipelined(cur: Cursor) -> PipelinedCursor | None:
    """The cursor as a `PipelinedCursor` if its connection is in pipeline mode, else None."""
    return cast(PipelinedCursor, cur) if getattr(cur, "pipeline", None) is not None else None
