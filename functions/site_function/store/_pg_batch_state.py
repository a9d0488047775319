"""What one pipelined inbox batch knows ahead, and the base its PostgreSQL hooks share.

Each hook of the batch (`_pg_read_ahead`, `_pg_last_batch`, `_pg_placements`,
`_pg_follow_writes`) finds the open batch of its cursor here (`_batch_of`), and every write
they defer is sent by one call (`_flush_batch`) before the batch's next statement or its
commit, in a fixed order: the placements, then the follower rows and queue rows.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any

from site_function.store._pg_pipeline import PipelinedCursor
from site_function.store._sql_core import Cursor
from site_function.store._sql_inbox import InboxStatements
from site_function.store._sql_owner import OwnerStatements
from site_function.store.base import Follower, Interaction, NewDelivery

__all__ = ["BatchState", "BatchStatements"]


@dataclass
class BatchState:
    """What one batch transaction knows ahead: its senders and activity ids, the ids among
    them already held as interactions, each (kind, post)'s rows by sender, and the
    placements answered ahead and not yet written (with whether each adds a row); the
    follower rows and queue rows not yet written (with the time of each queue row, and the
    spans of them whose count was answered "all new"); the (kind, post)s it placed, the ids
    remembered ahead with their INSERT's answer, and whether an answer it gave is known to
    be wrong (`doomed`: roll back)."""

    cursor: PipelinedCursor
    senders: frozenset[str]
    asked: frozenset[str]
    held: set[str] = field(default_factory=set)
    places: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    pending: list[tuple[Interaction, bool]] = field(default_factory=list)
    touched: set[tuple[str, str, str]] = field(default_factory=set)
    followers: dict[str, Follower] = field(default_factory=dict)
    queued: list[tuple[NewDelivery, Any]] = field(default_factory=list)
    counted: list[tuple[int, int]] = field(default_factory=list)
    posts: dict[tuple[str, str], None] = field(default_factory=dict)
    remembered: tuple[list[str], PipelinedCursor] | None = None
    doomed: bool = False


class BatchStatements(InboxStatements, OwnerStatements):
    """The open batch of a cursor, and the one call that writes what its hooks deferred."""

    _psycopg_error: type[Exception]

    def _batch_of(self, cur: Cursor) -> BatchState | None:
        batch: BatchState | None = getattr(self._local, "batch", None)
        return batch if batch is not None and batch.cursor is cur else None

    def _flush_batch(self, batch: BatchState) -> None:
        """Everything deferred, before the batch's next statement (`PipelinedCursor.before`)."""
        self._flush_places(batch)
        self._flush_follows(batch)

    @abstractmethod
    def _flush_places(self, batch: BatchState) -> None:
        """Write the placements answered ahead (`_pg_placements`)."""

    @abstractmethod
    def _flush_follows(self, batch: BatchState) -> None:
        """Write the deferred follower rows and queue rows (`_pg_follow_writes`)."""
