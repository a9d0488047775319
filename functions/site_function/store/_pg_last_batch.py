"""Reads a pipelined batch sends ahead on the last batch's word, in its first round trip.

Two guesses ride with the batch's first questions (`_pg_read_ahead`) instead of costing
round trips of their own: the INSERT that remembers the ids of the items the last batch's
blocks admit (if the blocks changed so that other items are admitted now, the batch is
doomed and runs again item by item), and the ledger rows and interaction rows of the posts
the last batch placed interactions of (a burst of Likes is mostly of one post). A wrong
guess about the posts costs a few index lookups, never an answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from site_function.store._block_snapshot import BlockSnapshot
from site_function.store._pg_batch_state import BatchState, BatchStatements
from site_function.store._pg_pipeline import PipelinedCursor
from site_function.store._sql_core import PUBLISHED_COLUMNS, Cursor
from site_function.store.base import InboxItem
from site_function.store.migrations import seen_activity_key

__all__ = ["LastBatchReads"]

# `PlacementsAhead._read_places` for the (kind, post)s the last batch placed: the rows held
# under the batch's ids, and each sender's rows of each (kind, post), found by the whole
# (actor, kind, object) index, never by reading all of a sender's interactions.
_PLACES_AHEAD = (
    "SELECT actor_id, activity_id, kind, object_id FROM interactions WHERE activity_id = ANY(?)"
    " UNION SELECT i.actor_id, i.activity_id, i.kind, i.object_id FROM unnest(?::text[]) AS"
    " a(actor_id) CROSS JOIN unnest(?::text[], ?::text[]) AS p(kind, object_id) JOIN"
    " interactions i ON i.actor_id = a.actor_id AND i.kind = p.kind AND i.object_id = p.object_id"
)
# `RecordStatements._remember_all` with the keys and times as two arrays (one statement text).
_REMEMBER_ALL = (
    "INSERT INTO seen_activity_keys (activity_key, seen_at) SELECT * FROM"
    " unnest(%b::bytea[], %b::timestamptz[]) ON CONFLICT (activity_key) DO NOTHING"
    " RETURNING activity_key"
)
# How many of the last batch's (kind, post)s the next one reads ahead.
_RECENT_PLACES = 8


class LastBatchReads(BatchStatements):
    """The remembered ids and the recent posts' rows, asked ahead and taken up later."""

    # The (kind, post)s the last batch placed interactions of: the next batch's guess.
    _recent_places: Sequence[tuple[str, str]] = ()

    def _keep_recent_places(self, batch: BatchState) -> None:
        """Note the (kind, post)s this batch placed, for the next one to read ahead."""
        self._recent_places = list(batch.posts)[-_RECENT_PLACES:]

    def _ask_places_ahead(
        self,
        piped: PipelinedCursor,
        recent: list[tuple[str, str]],
        senders: list[str],
        asked: frozenset[str],
    ) -> tuple[PipelinedCursor, PipelinedCursor]:
        """Send the reads of the posts the last batch placed interactions of: their ledger
        rows and the senders' rows of each (kind, post), answered in the batch's first round
        trip instead of two more of their own."""
        published, places = piped.side(), piped.side()
        posts = sorted({post for _, post in recent})
        published.execute(
            f"SELECT {PUBLISHED_COLUMNS} FROM published WHERE object_id = ANY(?)",  # noqa: S608
            (posts,),
        )
        places.execute(_PLACES_AHEAD, (
            sorted(asked), senders, [kind for kind, _ in recent], [post for _, post in recent]
        ))  # fmt: skip
        return published, places

    def _places_ahead(
        self,
        batch: BatchState,
        recent: list[tuple[str, str]],
        published: PipelinedCursor,
        places: PipelinedCursor,
    ) -> None:
        """Hold the answers `_ask_places_ahead` asked for, as `_read_places` and
        `get_published` would have read them at the batch's start."""
        found = {row[0]: self._published(row) for row in published.fetchall()}
        for post in {post for _, post in recent}:
            self._hold(("published", post), found.get(post))
        for key in recent:
            batch.places[key] = {sender: [] for sender in batch.senders}
        for actor_id, activity_id, kind, object_id in places.fetchall():
            if activity_id in batch.asked:
                batch.held.add(activity_id)
            mine = batch.places.get((kind, object_id), {}).get(actor_id)
            if mine is not None:
                mine.append(activity_id)

    def _remember_ahead(
        self, piped: PipelinedCursor, items: Sequence[InboxItem], blocks: BlockSnapshot
    ) -> tuple[list[str], PipelinedCursor] | None:
        """Send the INSERT of `_new_ids` with the batch's first questions, for the items the
        blocks of the last batch admit: the ids it remembers, and the cursor of its answer."""
        seen = [
            (item.activity_id, item.now)
            for item in items
            if item.activity_id is not None and not blocks.covers(item.actor_id)
        ]
        if not seen:
            return None
        answer = piped.side()
        answer.execute_native(_REMEMBER_ALL, (
            [seen_activity_key(activity_id) for activity_id, _ in seen],
            [self._encode_time(now) for _, now in seen],
        ))  # fmt: skip
        return [activity_id for activity_id, _ in seen], answer

    def _new_ids(self, cur: Cursor, items: Sequence[InboxItem]) -> list[bool]:
        batch = self._batch_of(cur)
        if batch is None or batch.remembered is None:
            return super()._new_ids(cur, items)
        ids, answer = batch.remembered
        if [i.activity_id for i in items if i.activity_id is not None] != ids:
            # The blocks changed since the last batch and the INSERT remembered other ids
            # than these: every item a duplicate, no handler runs, and the batch rolls back
            # to run again item by item (`_confirm_batch`).
            batch.doomed = True
            return [False] * len(items)
        added = {bytes(row[0]) for row in answer.fetchall()}
        new = []
        for key in map(seen_activity_key, ids):  # the first of two equal ids is the new one
            new.append(key in added)
            added.discard(key)
        found = iter(new)
        return [item.activity_id is None or next(found) for item in items]
