"""A Like or Announce's placement answered ahead in a pipelined batch, and checked at the end.

``PostgresStore._place_interaction`` asks whether placing an interaction adds a row or
renames the sender's older one. In a batch that answer comes from the rows of the post held
for the batch's senders (one read per post and kind, unless `_pg_last_batch` read them
ahead); the placing statement goes later for several at once, without waiting, and checks
in the server what each placement did against what its handler was told: a wrong answer
fails the statement, the batch's commit is refused and its items run again one by one.
"""

from __future__ import annotations

from site_function.store._pg_batch_state import BatchState, BatchStatements
from site_function.store._pg_pipeline import compact_json
from site_function.store._sql_core import Cursor
from site_function.store.base import Interaction

__all__ = ["PlacementsAhead"]

# `PostgresStore._place_interaction` for several interactions at once, none of which touches
# the rows of another (ids and (actor, kind, post) all distinct): each is held, renames the
# sender's oldest row of the post, or is added, as it would be alone. It checks each against
# what its handler was told (`adds`: a row added, else the older one renamed, never held)
# and fails on the first that differs (a division by zero, evaluated per row: a constant
# would fail at planning), so that the batch sends its COMMIT without reading an answer: a
# refused commit is `UncommittedBatch`. Binary parameters (%b): the arrays need no escaping.
_PLACE_ALL = (
    "WITH given AS (SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[],"
    " %b::jsonb[], %b::text[], %b::timestamptz[], %b::timestamptz[], %b::jsonb[], %b::boolean[],"
    " %b::boolean[]) WITH ORDINALITY AS g(activity_id, kind, actor_id, object_id, activity,"
    " state, created_at, updated_at, author, replaces, adds, n)),"
    " held AS (SELECT g.n FROM given g JOIN interactions i ON i.activity_id = g.activity_id),"
    " oldest AS (SELECT g.n, (SELECT o.activity_id FROM interactions o"
    " WHERE o.actor_id = g.actor_id AND o.kind = g.kind AND o.object_id = g.object_id"
    " ORDER BY o.created_at, o.activity_id LIMIT 1) AS old_id FROM given g"
    " WHERE g.replaces AND g.n NOT IN (SELECT n FROM held)),"
    " renamed AS (UPDATE interactions SET activity_id = g.activity_id,"
    " activity = g.activity, updated_at = g.updated_at, author = g.author,"
    " revision = interactions.revision + 1 FROM oldest o JOIN given g ON g.n = o.n"
    " WHERE interactions.activity_id = o.old_id RETURNING o.n),"
    " added AS (INSERT INTO interactions (activity_id, kind, actor_id, object_id, activity,"
    " state, created_at, updated_at, author, revision)"
    " SELECT activity_id, kind, actor_id, object_id, activity, state, created_at,"
    " updated_at, author, 1 FROM given g WHERE g.n NOT IN (SELECT n FROM held)"
    " AND g.n NOT IN (SELECT n FROM oldest WHERE old_id IS NOT NULL) ORDER BY g.n"
    " ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id),"
    " answers AS (SELECT g.n, g.adds, g.n IN (SELECT n FROM held) AS held,"
    " g.n IN (SELECT n FROM renamed) AS renamed,"
    " g.activity_id IN (SELECT activity_id FROM added) AS added FROM given g)"
    " SELECT 1 / (CASE WHEN NOT held AND renamed <> adds AND added = adds THEN 1 ELSE 0 END)"
    " FROM answers"
)
_PLACES = (
    "SELECT actor_id, activity_id, kind = ? AND object_id = ? FROM interactions"
    " WHERE activity_id = ANY(?) OR (kind = ? AND object_id = ? AND actor_id = ANY(?))"
)


class PlacementsAhead(BatchStatements):
    """Placements answered from the rows held for the batch, written in one statement."""

    def _place_ahead(self, cur: Cursor, i: Interaction) -> bool | None:
        """Whether placing ``i`` adds a row (else it renames the sender's older one; never a
        row held under the id), answered ahead and its write deferred (`_flush_places`), or
        None: ask the database now. Answered only for an id of this batch, from one of its
        senders with at most one row of its own for the post (which of two the statement
        renames, the collation decides)."""
        batch = self._batch_of(cur)
        if batch is None or i.actor_id not in batch.senders or i.activity_id not in batch.asked:
            return None
        batch.posts[(i.kind, i.object_id)] = None
        rows = batch.places.get((i.kind, i.object_id))
        if rows is None:
            rows = self._read_places(cur, batch, i.kind, i.object_id)
        mine = rows[i.actor_id]
        if i.activity_id in batch.held or len(mine) > 1:
            return None
        if (i.actor_id, i.kind, i.object_id) in batch.touched:
            self._flush_places(batch)  # one statement places each sender's post once
        batch.held.add(i.activity_id)
        batch.touched.add((i.actor_id, i.kind, i.object_id))
        renames = i.kind != "reply" and bool(mine)  # it takes the place of the older row
        batch.pending.append((i, not renames))
        if renames:
            batch.held.discard(mine[0])
            mine[0] = i.activity_id
        else:
            mine.append(i.activity_id)
        return not renames

    def _read_places(
        self, cur: Cursor, batch: BatchState, kind: str, object_id: str
    ) -> dict[str, list[str]]:
        """The senders' rows of (kind, post), and which of the batch's ids are held (one
        read, made after every placement before it)."""
        senders = sorted(batch.senders)
        cur.execute(_PLACES, (kind, object_id, sorted(batch.asked), kind, object_id, senders))
        rows: dict[str, list[str]] = {sender: [] for sender in senders}
        batch.held = set()
        for actor_id, activity_id, placed in cur.fetchall():
            if activity_id in batch.asked:
                batch.held.add(activity_id)
            if placed and actor_id in rows:  # else held under an id of the batch
                rows[actor_id].append(activity_id)
        batch.places[(kind, object_id)] = rows
        return rows

    def _flush_places(self, batch: BatchState) -> None:
        """Write the placements answered ahead, in one statement that checks them, before any
        other statement of the batch (`PipelinedCursor.before`)."""
        pending, batch.pending = batch.pending, []
        batch.touched.clear()
        if not pending:
            return
        items = [i for i, _ in pending]
        batch.cursor.side().execute_native(_PLACE_ALL, (  # nobody waits for its answer
            [i.activity_id for i in items], [i.kind for i in items],
            [i.actor_id for i in items], [i.object_id for i in items],
            [compact_json(i.activity) for i in items], [i.state for i in items],
            [self._encode_time(i.created_at) for i in items],
            [self._encode_time(i.updated_at) for i in items],
            [None if i.author is None else compact_json(i.author) for i in items],
            [i.kind != "reply" for i in items], [adds for _, adds in pending],
        ))  # fmt: skip

    def _forget_places(self, cur: Cursor) -> None:
        """An interaction changes some other way: write what is pending, then read the rows
        again before answering ahead."""
        batch = self._batch_of(cur)
        if batch is not None:
            self._flush_places(batch)
            batch.places.clear()

    def remove_interaction(self, activity_id: str, actor_id: str) -> bool:
        with self._transaction(write=True) as cur:
            self._forget_places(cur)
            return super().remove_interaction(activity_id, actor_id)
