"""The inbox's batch on PostgreSQL in a few round trips instead of one per statement.

A batch runs on one connection in pipeline mode (``PostgresStore._batch_transaction``): a
statement whose answer nobody reads is sent without waiting, so what costs is each answer
waited for (a turn of the event loop, on whose thread the batch runs: `_pg_loop_waits`).
The batch therefore:

- asks its per-batch questions in ONE round trip (`_pg_read_ahead`): the blocks'
  generation, the owner's settings, the domain policies, the senders' cached documents and
  their follower rows; and on the last batch's word (`_pg_last_batch`), the INSERT that
  remembers the ids of the items the last batch's blocks admit, and the rows of the posts
  the last batch placed interactions of;
- answers a Like or Announce's placement ahead and sends the placing statement without
  waiting (`_pg_placements`);
- writes a Follow's follower row and its Accept the same way, the batch's follower upserts
  as one statement and its queue rows as another (`_pg_follow_writes`).

Every answer given ahead is checked by the statement that writes it, in the server, against
what its handler was told (a placement, a count of queue rows), so the COMMIT follows the
batch's last statement without a wait: two round trips for a batch of Likes, three when one
of its posts was not read ahead. An answer that differs (another writer came in between), or
any statement that failed, refuses the commit (`UncommittedBatch`; a wrong answer the batch
finds itself rolls it back), and the batch runs again item by item, each with its own
transaction (``InboxStatements.receive_activities``): nothing is kept that a handler decided
on a wrong answer, and a bad item fails alone.
"""

from __future__ import annotations

from site_function.store._pg_follow_writes import DeferredFollows
from site_function.store._pg_placements import PlacementsAhead
from site_function.store._pg_read_ahead import PipelinedReadAhead
from site_function.store._sql_core import Cursor
from site_function.store.base import StoreError

__all__ = ["PipelinedInbox"]


class PipelinedInbox(PipelinedReadAhead, PlacementsAhead, DeferredFollows):
    """The PostgreSQL side of ``InboxStatements``' batch hooks (see the module docstring)."""

    def _confirm_batch(self, cur: Cursor) -> bool:
        """Send what the batch deferred; the COMMIT follows without a wait, and each of these
        statements checks in the server the answers given ahead (a refused commit is
        `UncommittedBatch`). False (roll back, run item by item) when the batch already knows
        an answer was wrong, or a write could not be sent."""
        batch = self._batch_of(cur)
        self._local.batch = None
        if batch is None:
            return True
        self._keep_recent_places(batch)
        if batch.doomed:
            return False
        try:
            self._flush_batch(batch)
        except (StoreError, self._psycopg_error):
            return False
        return not batch.doomed
