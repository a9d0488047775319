"""The inbox's batch on PostgreSQL in a few round trips instead of one per statement.

A batch runs on one connection in pipeline mode (``PostgresStore._batch_transaction``): a
statement whose answer nobody reads is sent without waiting, so what costs is each answer
waited for, and more so under load, when the store's thread must win the GIL back from the
event loop after every wait. The batch therefore:

- asks its per-batch questions in ONE round trip (``_read_ahead``): the blocks' generation,
  the owner's settings and allow-only mode (one ``meta`` query), the domain policies, the
  senders' cached documents and their follower rows, all held for the handlers; and on the
  last batch's word, two more: the INSERT that remembers the ids (``_remember_ahead``) of
  the items the last batch's blocks admit (if the blocks changed so that other items are
  admitted now, the batch runs again item by item), and the ledger rows and interaction
  rows of the posts the last batch placed interactions of (``_ask_places_ahead``);
- answers a Like or Announce's placement ahead (``_place_ahead``) from the rows of that
  post held for the batch's senders (one read per post and kind, unless read ahead), sends
  the placing statement without waiting, and checks every such answer against what the
  statement really returned before the commit (``_confirm_batch``). An answer that differs
  (another writer came in between), or any statement that failed, rolls the batch back and
  it runs again item by item, each with its own transaction: nothing is kept that a handler
  decided on a wrong answer, and a bad item fails alone;
- writes a Follow's follower row and its Accept the same way: the batch's follower upserts
  go as one statement and its queue rows as another (`_flush_follows`), sent before the next
  statement of the batch or the commit, whichever comes first. Nobody reads what an upsert
  did; a count of queue rows asked for (`enqueue`, a notice to the owner) is answered "all
  new" and checked before the commit like a placement.
"""

# S608: the only text interpolated into SQL here is module constants (column lists).
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from site_function.store._block_snapshot import BLOCKS_GENERATION, BlockSnapshot
from site_function.store._sql_core import (
    ACTOR_COLUMNS,
    FOLLOWER_COLUMNS,
    PUBLISHED_COLUMNS,
    Cursor,
)
from site_function.store._sql_domain_policies import ALLOW_ONLY_KEY, POLICIES_QUERY
from site_function.store._sql_follows import domain_of
from site_function.store._sql_inbox import InboxStatements
from site_function.store._sql_owner import OWNER_SETTINGS, OwnerStatements
from site_function.store.base import (
    Follower,
    InboxItem,
    Interaction,
    NewDelivery,
    StoreError,
    host_of,
)
from site_function.store.migrations import seen_activity_key

__all__ = ["PipelinedCursor", "PipelinedInbox"]

_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# `PostgresStore._place_interaction` for several interactions at once, none of which touches
# the rows of another (ids and (actor, kind, post) all distinct): each is held, renames the
# sender's oldest row of the post, or is added, as it would be alone. One row per given one,
# in order: (held, renamed, added). Binary parameters (%b): the arrays need no escaping.
_PLACE_ALL = (
    "WITH given AS (SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[],"
    " %b::jsonb[], %b::text[], %b::timestamptz[], %b::timestamptz[], %b::jsonb[], %b::boolean[])"
    " WITH ORDINALITY AS g(activity_id, kind, actor_id, object_id, activity, state,"
    " created_at, updated_at, author, replaces, n)),"
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
    " ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id)"
    " SELECT g.n IN (SELECT n FROM held), g.n IN (SELECT n FROM renamed),"
    " g.activity_id IN (SELECT activity_id FROM added) FROM given g ORDER BY g.n"
)
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
_PLACES = (
    "SELECT actor_id, activity_id, kind = ? AND object_id = ? FROM interactions"
    " WHERE activity_id = ANY(?) OR (kind = ? AND object_id = ? AND actor_id = ANY(?))"
)
# `_PLACES` for the (kind, post)s the last batch placed, asked with the batch's first questions.
_PLACES_AHEAD = (
    "SELECT actor_id, activity_id, kind, object_id FROM interactions WHERE activity_id = ANY(?)"
    " OR (actor_id = ANY(?) AND (kind, object_id) IN (SELECT * FROM unnest(?::text[], ?::text[])))"
)
# `RecordStatements._remember_all` with the keys and times as two arrays (one statement text).
_REMEMBER_ALL = (
    "INSERT INTO seen_activity_keys (activity_key, seen_at) SELECT * FROM"
    " unnest(%b::bytea[], %b::timestamptz[]) ON CONFLICT (activity_key) DO NOTHING"
    " RETURNING activity_key"
)
# How many of the last batch's (kind, post)s the next one reads ahead.
_RECENT_PLACES = 8


class PipelinedCursor(Cursor, Protocol):
    """A cursor of a pipelined connection (``postgres._PgCursor``)."""

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


@dataclass
class _Batch:
    """What one batch transaction knows ahead: its senders and activity ids, the ids among
    them already held as interactions, each (kind, post)'s rows by sender, and the
    placements answered ahead and not yet written (with whether each adds a row); the
    follower rows and queue rows not yet written (with the time of each queue row, and the
    spans of them whose count was answered "all new"), and the answers to check at the end
    (placements, queue counts); the (kind, post)s it placed, the ids remembered ahead with
    their INSERT's answer, and whether that INSERT was wrong (`doomed`: roll back)."""

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
    placed: list[tuple[PipelinedCursor, list[bool]]] = field(default_factory=list)
    posts: dict[tuple[str, str], None] = field(default_factory=dict)
    remembered: tuple[list[str], PipelinedCursor] | None = None
    doomed: bool = False
    checks: list[tuple[PipelinedCursor, list[tuple[str, str]], list[tuple[int, int]]]] = field(
        default_factory=list
    )


class PipelinedInbox(InboxStatements, OwnerStatements):
    """The PostgreSQL side of ``InboxStatements``' batch hooks (see the module docstring)."""

    _psycopg_error: type[Exception]
    # The (kind, post)s the last batch placed interactions of: a guess the next batch reads
    # ahead (`_ask_places_ahead`); a wrong guess costs a few index lookups, never an answer.
    _recent_places: Sequence[tuple[str, str]] = ()

    def _read_ahead(self, cur: Cursor, items: Sequence[InboxItem]) -> BlockSnapshot:
        piped = _pipelined(cur)
        if piped is None:
            return super()._read_ahead(cur, items)
        senders = sorted({item.actor_id for item in items})
        meta, policies, actors, followers = (piped.side() for _ in range(4))
        meta.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
            (BLOCKS_GENERATION, OWNER_SETTINGS, ALLOW_ONLY_KEY),
        )
        policies.execute(POLICIES_QUERY)
        actors.execute(f"SELECT {ACTOR_COLUMNS} FROM actors WHERE id = ANY(?)", (senders,))
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
        batch = self._local.batch = _Batch(piped, frozenset(senders), asked)
        batch.remembered = remembered  # checked against the blocks read now (`_new_ids`)
        if ahead is not None:
            self._places_ahead(batch, recent, *ahead)
        piped.before = lambda: self._flush_batch(batch)
        return blocks

    def _ask_places_ahead(
        self,
        piped: PipelinedCursor,
        recent: list[tuple[str, str]],
        senders: list[str],
        asked: frozenset[str],
    ) -> tuple[PipelinedCursor, PipelinedCursor]:
        """Send the reads of the posts the last batch placed interactions of (a burst of Likes
        is mostly of one post): their ledger rows and the senders' rows of each (kind, post),
        answered in the batch's first round trip instead of two more of their own."""
        published, places = piped.side(), piped.side()
        posts = sorted({post for _, post in recent})
        published.execute(
            f"SELECT {PUBLISHED_COLUMNS} FROM published WHERE object_id = ANY(?)", (posts,)
        )
        places.execute(_PLACES_AHEAD, (
            sorted(asked), senders, [kind for kind, _ in recent], [post for _, post in recent]
        ))  # fmt: skip
        return published, places

    def _places_ahead(
        self,
        batch: _Batch,
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

    def _hold_owner(self, cur: Cursor, text: str | None) -> None:
        """The owner's settings for the transaction (`get_owner_settings`' memo); unreadable
        ones are left for the handler that asks, which fails alone, as it would have."""
        try:
            owner = None if text is None else self._owner_from_text(text)
        except StoreError:
            return
        self._local.owner_memo = (cur, owner)

    def _batch_of(self, cur: Cursor) -> _Batch | None:
        batch: _Batch | None = getattr(self._local, "batch", None)
        return batch if batch is not None and batch.cursor is cur else None

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
        self, cur: Cursor, batch: _Batch, kind: str, object_id: str
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

    def _flush_places(self, batch: _Batch) -> None:
        """Write the placements answered ahead, in one statement, before any other statement
        of the batch (`PipelinedCursor.before`); whether each did what its handler was told
        is read before the commit (`_all_placed`)."""
        pending, batch.pending = batch.pending, []
        batch.touched.clear()
        if not pending:
            return
        items = [i for i, _ in pending]
        answer = batch.cursor.side()  # read at the end (`_confirm_batch`): nothing waits now
        answer.execute_native(_PLACE_ALL, (
            [i.activity_id for i in items], [i.kind for i in items],
            [i.actor_id for i in items], [i.object_id for i in items],
            [_compact_json(i.activity) for i in items], [i.state for i in items],
            [self._encode_time(i.created_at) for i in items],
            [self._encode_time(i.updated_at) for i in items],
            [None if i.author is None else _compact_json(i.author) for i in items],
            [i.kind != "reply" for i in items],
        ))  # fmt: skip
        batch.placed.append((answer, [adds for _, adds in pending]))

    def _flush_batch(self, batch: _Batch) -> None:
        """Everything deferred, before the batch's next statement (`PipelinedCursor.before`)."""
        self._flush_places(batch)
        self._flush_follows(batch)

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
        return len(unique)  # every row new: checked before the commit (`_confirm_batch`)

    def _flush_follows(self, batch: _Batch) -> None:
        """Write the deferred follower rows in one statement and the deferred queue rows in
        another; the rows a count was answered for come back to be checked at the end."""
        followers, batch.followers = list(batch.followers.values()), {}
        if followers:
            batch.cursor.execute_native(_UPSERT_FOLLOWERS, (
                [f.actor_id for f in followers], [f.follow_id for f in followers],
                [f.inbox for f in followers], [f.shared_inbox for f in followers],
                [f.state for f in followers],
                [_compact_json(f.follow_activity) for f in followers],
                [self._encode_time(f.created_at) for f in followers],
                [self._encode_time(f.updated_at) for f in followers],
                [domain_of(f.actor_id) for f in followers],
            ))  # fmt: skip
        queued, counted = batch.queued, batch.counted
        if not queued:
            return
        batch.queued, batch.counted = [], []
        rows = [d for d, _ in queued]
        params = (
            [d.activity_id for d in rows], [d.inbox for d in rows],
            [host_of(d.inbox) for d in rows], [d.body for d in rows], [d.kind for d in rows],
            [stamp for _, stamp in queued],
        )  # fmt: skip
        if not counted:
            batch.cursor.execute_native(_QUEUE_ALL, params)
            return
        answer = batch.cursor.side()  # read at the end: nothing waits for it now
        answer.execute_native(_QUEUE_ALL + " RETURNING activity_id, inbox", params)
        batch.checks.append((answer, [(d.activity_id, d.inbox) for d in rows], counted))

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

    def _confirm_batch(self, cur: Cursor) -> bool:
        batch, piped = self._batch_of(cur), _pipelined(cur)
        self._local.batch = None
        if piped is None:
            return True
        if batch is not None:
            self._recent_places = list(batch.posts)[-_RECENT_PLACES:]
            if batch.doomed:
                return False
        try:
            if batch is not None:
                self._flush_batch(batch)
            piped.sync()  # a failed statement of any item raises here
            return batch is None or (
                all(_all_placed(*placed) for placed in batch.placed)
                and all(_all_added(*check) for check in batch.checks)
            )
        except (StoreError, self._psycopg_error):
            return False


def _all_placed(answer: PipelinedCursor, adds: list[bool]) -> bool:
    """Whether each placement of one `_PLACE_ALL` did what its handler was told: neither held
    under its id, and it added a row if told so, else renamed the sender's older one."""
    rows = answer.fetchall()
    return len(rows) == len(adds) and all(
        not held and renamed != add and added == add
        for add, (held, renamed, added) in zip(adds, rows, strict=True)
    )


def _all_added(
    answer: PipelinedCursor, keys: list[tuple[str, str]], spans: list[tuple[int, int]]
) -> bool:
    """Whether every queue row of the counted spans was added, as their callers were told:
    the statement's first row of its (activity_id, inbox), and returned by it."""
    added = {(str(a), str(i)) for a, i in answer.fetchall()}
    first = {key: n for n, key in reversed(list(enumerate(keys)))}
    return all(
        first[keys[n]] == n and keys[n] in added for start, end in spans for n in range(start, end)
    )


def _pipelined(cur: Cursor) -> PipelinedCursor | None:
    """The cursor as a `PipelinedCursor` if its connection is in pipeline mode, else None."""
    return cast(PipelinedCursor, cur) if getattr(cur, "pipeline", None) is not None else None
