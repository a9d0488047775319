"""A pipelined batch's per-batch questions, all asked in its first round trip.

The blocks' generation, the owner's settings and allow-only mode (one ``meta`` query), the
domain policies, the senders' cached documents and their follower rows go out together with
the guesses of `_pg_last_batch`, and only the ``meta`` answer is waited for; the rest is held
for the handlers (`SqlCore._hold`), as each of their reads would have answered it.
"""

# S608: the only text interpolated into SQL here is module constants (column lists).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence

from site_function.store._block_snapshot import BLOCKS_GENERATION, BlockSnapshot
from site_function.store._pg_batch_state import BatchState
from site_function.store._pg_last_batch import LastBatchReads
from site_function.store._pg_pipeline import pipelined
from site_function.store._sql_core import FOLLOWER_COLUMNS, Cursor
from site_function.store._sql_domain_policies import ALLOW_ONLY_KEY, POLICIES_QUERY
from site_function.store._sql_owner import OWNER_SETTINGS
from site_function.store.base import InboxItem, StoreError

__all__ = ["PipelinedReadAhead"]

# `ACTOR_COLUMNS` with the JSON columns as the text the server sends anyway: a busy sender's
# row is then the same text every batch, and `SqlCore._actor` decodes it once, not per batch.
ACTOR_TEXT_COLUMNS = (
    "id, inbox, shared_inbox, key_id, public_key_pem, also_known_as::text, document::text,"
    " fetched_at"
)


class PipelinedReadAhead(LastBatchReads):
    """``InboxStatements._read_ahead`` in one round trip, opening the batch's state."""

    def _read_ahead(self, cur: Cursor, items: Sequence[InboxItem]) -> BlockSnapshot:
        piped = pipelined(cur)
        if piped is None:
            return super()._read_ahead(cur, items)
        senders = sorted({item.actor_id for item in items})
        meta, policies, actors, followers = (piped.side() for _ in range(4))
        meta.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
            (BLOCKS_GENERATION, OWNER_SETTINGS, ALLOW_ONLY_KEY),
        )
        policies.execute(POLICIES_QUERY)
        actors.execute(f"SELECT {ACTOR_TEXT_COLUMNS} FROM actors WHERE id = ANY(?)", (senders,))
        followers.execute(
            f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE actor_id = ANY(?)", (senders,)
        )
        asked = frozenset(item.activity_id for item in items if item.activity_id is not None)
        recent = list(self._recent_places)
        ahead = self._ask_places_ahead(piped, recent, senders, asked) if recent else None
        guess = self._block_snapshot
        remembered = None if guess is None else self._remember_ahead(piped, items, guess)
        settings = {str(key): str(value) for key, value in meta.fetchall()}  # the one wait
        blocks = self._blocks_at(cur, settings.get(BLOCKS_GENERATION))
        mode = settings.get(ALLOW_ONLY_KEY)
        mode_row = None if mode is None else (mode,)
        self._hold("domain_policies", self._policies_of(mode_row, policies.fetchall()))
        found = {actor.id: actor for actor in map(self._actor, actors.fetchall())}
        following = {f.actor_id: f for f in map(self._follower, followers.fetchall())}
        for sender in senders:
            self._hold(("actor", sender), found.get(sender))
            self._hold(("follower", sender), following.get(sender))
        self._hold_owner(cur, settings.get(OWNER_SETTINGS))
        batch = self._local.batch = BatchState(piped, frozenset(senders), asked)
        batch.remembered = remembered  # checked against the blocks read now (`_new_ids`)
        if ahead is not None:
            self._places_ahead(batch, recent, *ahead)
        piped.before = lambda: self._flush_batch(batch)
        return blocks

    def _hold_owner(self, cur: Cursor, text: str | None) -> None:
        """The owner's settings for the transaction (`get_owner_settings`' memo); unreadable
        ones are left for the handler that asks, which fails alone, as it would have."""
        try:
            owner = None if text is None else self._owner_from_text(text)
        except StoreError:
            return
        self._local.owner_memo = (cur, owner)
