"""A pipelined batch's follower rows and queue rows, each kind written as one array statement.

A Follow writes its follower row and queues its Accept; nobody reads what an upsert did, so
the batch's upserts go as one statement and its queue rows as another, sent before the next
statement of the batch or the commit, whichever comes first. A count of queue rows asked for
(``enqueue``, a notice to the owner) is answered "all new", and the statement that writes
them checks it in the server (`_QUEUE_COUNTED`), like a placement answered ahead: a wrong
answer refuses the batch's commit and its items run again one by one.
"""

# S608: the only text interpolated into SQL here is a module constant (a column list).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from site_function.store._pg_batch_state import BatchState, BatchStatements
from site_function.store._pg_pipeline import compact_json
from site_function.store._sql_core import FOLLOWER_COLUMNS, Cursor
from site_function.store._sql_follows import domain_of
from site_function.store.base import Follower, NewDelivery, host_of

__all__ = ["DeferredFollows", "delivery_arrays"]

# `FollowStatements._upsert_follower` for several followers at once (actors all distinct).
_UPSERT_FOLLOWERS = (
    f"INSERT INTO followers ({FOLLOWER_COLUMNS}, domain) SELECT * FROM unnest(%b::text[],"
    " %b::text[], %b::text[], %b::text[], %b::text[], %b::jsonb[], %b::timestamptz[],"
    " %b::timestamptz[], %b::text[]) ON CONFLICT (actor_id) DO UPDATE SET"
    " follow_id = excluded.follow_id, inbox = excluded.inbox,"
    " shared_inbox = excluded.shared_inbox, state = excluded.state,"
    " follow_activity = excluded.follow_activity, updated_at = excluded.updated_at,"
    " domain = excluded.domain"
)
# `SqlCore._enqueue_in` for the queue rows of several calls, each with its own time, in order
# (a row that repeats an earlier one's (activity_id, inbox) is skipped, as it would be later).
_QUEUE_ALL = (
    "INSERT INTO deliveries (activity_id, inbox, host, body, kind, state, next_attempt_at,"
    " created_at, updated_at) SELECT t.a, t.i, t.h, t.b, t.k, 'queued', t.s, t.s, t.s"
    " FROM unnest(%b::text[], %b::text[], %b::text[], %b::bytea[], %b::text[],"
    " %b::timestamptz[]) WITH ORDINALITY AS t(a, i, h, b, k, s, n) ORDER BY t.n"
    " ON CONFLICT (activity_id, inbox) DO NOTHING"
)
# `_QUEUE_ALL` that fails unless each row counted as new (its activity ids and inboxes: two
# more arrays) was added (a division by zero, evaluated from the rows: a constant would fail
# at planning).
_QUEUE_COUNTED = (
    f"WITH added AS ({_QUEUE_ALL} RETURNING activity_id, inbox) SELECT 1 / (CASE WHEN NOT"
    " EXISTS (SELECT 1 FROM unnest(%b::text[], %b::text[]) AS c(a, i) WHERE (c.a, c.i) NOT IN"
    " (SELECT activity_id, inbox FROM added)) THEN 1 ELSE 0 END)"
)


class DeferredFollows(BatchStatements):
    """Follower upserts and queue rows held back in a batch and written as two statements."""

    def _upsert_follower(self, cur: Cursor, follower: Follower) -> None:
        batch = self._batch_of(cur)
        if batch is None:
            super()._upsert_follower(cur, follower)
            return
        self._drop_held(("follower", follower.actor_id))  # a later read sends it first
        if follower.actor_id in batch.followers:
            self._flush_batch(batch)  # one statement upserts each actor once
        batch.followers[follower.actor_id] = follower

    def _enqueue_in(
        self, cur: Cursor, deliveries: Sequence[NewDelivery], now: datetime, *, counted: bool = True
    ) -> int:
        batch = self._batch_of(cur)
        if batch is None or not deliveries:
            return super()._enqueue_in(cur, deliveries, now, counted=counted)
        unique = list({(d.activity_id, d.inbox): d for d in deliveries}.values())
        start, stamp = len(batch.queued), self._encode_time(now)
        batch.queued.extend((d, stamp) for d in unique)
        if not counted:
            return 0
        batch.counted.append((start, len(batch.queued)))
        return len(unique)  # every row new: checked by the statement (`_QUEUE_COUNTED`)

    def _flush_follows(self, batch: BatchState) -> None:
        """Write the deferred follower rows in one statement and the deferred queue rows in
        another; the rows a count was answered for come back to be checked at the end."""
        followers, batch.followers = list(batch.followers.values()), {}
        if followers:
            batch.cursor.execute_native(_UPSERT_FOLLOWERS, (
                [f.actor_id for f in followers], [f.follow_id for f in followers],
                [f.inbox for f in followers], [f.shared_inbox for f in followers],
                [f.state for f in followers],
                [compact_json(f.follow_activity) for f in followers],
                [self._encode_time(f.created_at) for f in followers],
                [self._encode_time(f.updated_at) for f in followers],
                [domain_of(f.actor_id) for f in followers],
            ))  # fmt: skip
        queued, counted = batch.queued, batch.counted
        if not queued:
            return
        batch.queued, batch.counted = [], []
        rows = [d for d, _ in queued]
        params = (*delivery_arrays(rows), [stamp for _, stamp in queued])
        if not counted:
            batch.cursor.execute_native(_QUEUE_ALL, params)
            return
        numbers = [n for start, end in counted for n in range(start, end)]
        keys = [(rows[n].activity_id, rows[n].inbox) for n in numbers]
        first: dict[tuple[str, str], int] = {}
        for n, d in enumerate(rows):
            first.setdefault((d.activity_id, d.inbox), n)
        if any(first[key] != n for key, n in zip(keys, numbers, strict=True)):
            batch.doomed = True  # a row counted as new repeats an earlier one: it is not
        batch.cursor.side().execute_native(
            _QUEUE_COUNTED, (*params, [a for a, _ in keys], [i for _, i in keys])
        )


def delivery_arrays(
    rows: Sequence[NewDelivery],
) -> tuple[list[str], list[str], list[str], list[bytes], list[str]]:
    """The queue rows as the arrays an ``unnest`` INSERT of ``deliveries`` takes: activity
    ids, inboxes, hosts, bodies and kinds (here and ``PostgresStore._send_deliveries``)."""
    return (
        [d.activity_id for d in rows], [d.inbox for d in rows],
        [host_of(d.inbox) for d in rows], [d.body for d in rows], [d.kind for d in rows],
    )  # fmt: skip
