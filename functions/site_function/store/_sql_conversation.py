"""The conversation sync's half of the SQL store: the index, a batch read, batch decisions.

The owner never sees what blocked accounts or domains said, so all three leave them out (a
decision on one of their ids is reported missing). The blocks are read once per call and
checked in memory (`BlockSnapshot`), each actor once: an index of 20,000 rows is one
query on the interactions, without their records, and one on the blocks.
"""

# S608: the only text interpolated into SQL here is module constants (column lists) and
# "?" placeholder lists; every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from site_function.store._block_snapshot import BlockSnapshot
from site_function.store._sql_core import INTERACTION_COLUMNS, Cursor, SqlCore, placeholders
from site_function.store.base import (
    Interaction,
    InteractionSummary,
    ModerationResult,
    ModerationState,
)

__all__ = ["BATCH", "ConversationStatements"]

BATCH = 500  # ids per IN (...) list: well under either backend's limit of bound values


def _batches(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


class _Visible:
    """Whether an actor's interactions may be shown: not blocked, remembered per actor."""

    def __init__(self, blocks: BlockSnapshot) -> None:
        self._blocks = blocks
        self._seen: dict[str, bool] = {}

    def __call__(self, actor_id: str) -> bool:
        found = self._seen.get(actor_id)
        if found is None:
            found = self._seen[actor_id] = not self._blocks.covers(actor_id)
        return found


class ConversationStatements(SqlCore):
    """``interaction_index``, ``get_interactions`` and ``moderate_many`` in portable SQL."""

    def _visible(self, cur: Cursor) -> _Visible:
        cur.execute("SELECT kind, value FROM blocks")
        return _Visible(BlockSnapshot.of("", cur.fetchall()))

    def interaction_index(self) -> list[InteractionSummary]:
        with self._transaction(write=False) as cur:
            visible = self._visible(cur)
            cur.execute(
                "SELECT activity_id, kind, object_id, state, revision, created_at, actor_id"
                " FROM interactions ORDER BY created_at, activity_id"
            )
            rows = cur.fetchall()
        decode = self._decode_time
        return [
            InteractionSummary(row[0], row[1], row[2], row[3], int(row[4]), decode(row[5]))
            for row in rows
            if visible(row[6])
        ]

    def get_interactions(self, activity_ids: Sequence[str]) -> list[Interaction]:
        wanted = list(dict.fromkeys(activity_ids))
        found: list[Interaction] = []
        with self._transaction(write=False) as cur:
            visible = self._visible(cur)
            for batch in _batches(wanted):
                cur.execute(
                    f"SELECT {INTERACTION_COLUMNS} FROM interactions"
                    f" WHERE activity_id IN ({placeholders(len(batch))})",
                    list(batch),
                )
                found.extend(self._interaction(row) for row in cur.fetchall())
        shown = [item for item in found if visible(item.actor_id)]
        return sorted(shown, key=lambda item: (item.created_at, item.activity_id))

    def moderate_many(self, decisions: Mapping[str, ModerationState]) -> ModerationResult:
        result = ModerationResult()
        ids = list(decisions)
        with self._transaction(write=True) as cur:
            visible = self._visible(cur)
            held: dict[str, str] = {}
            for batch in _batches(ids):
                cur.execute(
                    "SELECT activity_id, state, actor_id FROM interactions"
                    f" WHERE activity_id IN ({placeholders(len(batch))})",
                    list(batch),
                )
                held.update((row[0], row[1]) for row in cur.fetchall() if visible(row[2]))
            for activity_id in ids:
                state = held.get(activity_id)
                bucket = (
                    result.missing if state is None
                    else result.unchanged if state == decisions[activity_id]
                    else result.changed
                )  # fmt: skip
                bucket.append(activity_id)
            if result.changed:
                cur.executemany(
                    "UPDATE interactions SET state = ?, revision = revision + 1"
                    " WHERE activity_id = ?",
                    [(decisions[activity_id], activity_id) for activity_id in result.changed],
                )
        return result
