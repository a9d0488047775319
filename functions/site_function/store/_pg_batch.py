"""The inbox's batch on PostgreSQL in a few round trips instead of one per statement.

A batch runs on one connection in pipeline mode (``PostgresStore._batch_transaction``): a
statement whose answer nobody reads is sent without waiting, so what costs is each answer
waited for, and more so under load, when the store's thread must win the GIL back from the
event loop after every wait. The batch therefore:

- asks its per-batch questions in ONE round trip (`_pg_read_ahead`): the blocks'
  generation, the owner's settings, the domain policies, the senders' cached documents and
  their follower rows; and on the last batch's word (`_pg_last_batch`), the INSERT that
  remembers the ids of the items the last batch's blocks admit, and the rows of the posts
  the last batch placed interactions of;
- answers a Like or Announce's placement ahead and sends the placing statement without
  waiting (`_pg_placements`);
- writes a Follow's follower row and its Accept the same way, the batch's follower upserts
  as one statement and its queue rows as another (`_pg_follow_writes`).

Every answer given ahead is checked against what its statement really returned before the
commit: a placement's by its own statement, in the server, so that a batch of Likes sends
its COMMIT without waiting for that answer; a queue count's here (`_confirm_batch`), which
then waits for it. An answer that differs (another writer came in between), or any
statement that failed, rolls the batch back (or has its COMMIT refused, `UncommittedBatch`)
and it runs again item by item, each with its own transaction
(``InboxStatements.receive_activities``): nothing is kept that a handler decided on a wrong
answer, and a bad item fails alone.
"""

from __future__ import annotations

from site_function.store._pg_follow_writes import DeferredFollows, all_added
from site_function.store._pg_pipeline import pipelined
from site_function.store._pg_placements import PlacementsAhead, all_placed
from site_function.store._pg_read_ahead import PipelinedReadAhead
from site_function.store._sql_core import Cursor
from site_function.store.base import StoreError

__all__ = ["PipelinedInbox"]


class PipelinedInbox(PipelinedReadAhead, PlacementsAhead, DeferredFollows):
    """The PostgreSQL side of ``InboxStatements``' batch hooks (see the module docstring)."""

    def _confirm_batch(self, cur: Cursor) -> bool:
        batch, piped = self._batch_of(cur), pipelined(cur)
        self._local.batch = None
        if piped is None:
            return True
        if batch is not None:
            self._keep_recent_places(batch)
            if batch.doomed:
                return False
        try:
            if batch is not None:
                self._flush_batch(batch)
                if not batch.checks:
                    # Nothing to read before the commit: the placements check their answers
                    # in the server, and COMMIT goes with them (refused: `UncommittedBatch`).
                    return True
            piped.sync()  # a failed statement of any item raises here
            return batch is None or (
                all(all_placed(*placed) for placed in batch.placed)
                and all(all_added(*check) for check in batch.checks)
            )
        except (StoreError, self._psycopg_error):
            return False
