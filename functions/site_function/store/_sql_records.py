"""The records half of the SQL store: remote actors and keys, interactions, seen activities.

Saving an actor also refreshes the author profile its interactions carry
(`actor_profiles.author_profile`, a pure reader of the document being saved).

Each public method is one transaction (or, for reads, one statement). The lists read a page
at a time, in an order both backends agree on (a state export compares them).
"""

# S608: the only text interpolated into SQL here is module constants (column lists) and
# "?" placeholder lists; every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from site_function.actor_profiles import author_profile
from site_function.store._sql_conversation import ConversationStatements
from site_function.store._sql_core import (
    ACTOR_COLUMNS,
    INTERACTION_COLUMNS,
    KEY_COLUMNS,
    Cursor,
    Row,
    placeholders,
)
from site_function.store.base import (
    Interaction,
    InteractionKind,
    ModerationState,
    RemoteActor,
    RemoteKey,
    SeenActivity,
)
from site_function.store.migrations import seen_activity_key

__all__ = ["RecordStatements"]

_INSERT_INTERACTION = (
    f"INSERT INTO interactions ({INTERACTION_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (activity_id) DO NOTHING"
)
# A Like or Announce is added only when the actor has none of that kind on the object yet.
_INSERT_FIRST_REACTION = (
    f"INSERT INTO interactions ({INTERACTION_COLUMNS})"
    " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, 1 WHERE NOT EXISTS (SELECT 1 FROM interactions"
    " WHERE actor_id = ? AND kind = ? AND object_id = ?)"
    " ON CONFLICT (activity_id) DO NOTHING"
)
# The actor's older one takes the new id, unless that id is held already (then it is read).
_REPLACE_REACTION = (
    "UPDATE interactions SET activity_id = ?, activity = ?, updated_at = ?,"
    " author = ?, revision = revision + 1"
    " WHERE activity_id = (SELECT activity_id FROM interactions"
    " WHERE actor_id = ? AND kind = ? AND object_id = ?"
    " ORDER BY created_at, activity_id LIMIT 1)"
    " AND NOT EXISTS (SELECT 1 FROM interactions WHERE activity_id = ?)"
)


class RecordStatements(ConversationStatements):
    """Remote actors, keys, interactions and remembered activity ids in portable SQL."""

    # --- remote actors and keys ----------------------------------------------------------

    def get_actor(self, actor_id: str) -> RemoteActor | None:
        # Held for the transaction; an inbox batch reads its senders ahead (`_hold_actors`).
        return self._held(("actor", actor_id), lambda: self._read_actor(actor_id))

    def _read_actor(self, actor_id: str) -> RemoteActor | None:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {ACTOR_COLUMNS} FROM actors WHERE id = ?", (actor_id,))
            row = cur.fetchone()
        return None if row is None else self._actor(row)

    def save_actor(self, actor: RemoteActor) -> None:
        with self._transaction(write=True) as cur:
            self._drop_held(("actor", actor.id))
            cur.execute(
                f"INSERT INTO actors ({ACTOR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET inbox = excluded.inbox,"
                " shared_inbox = excluded.shared_inbox, key_id = excluded.key_id,"
                " public_key_pem = excluded.public_key_pem,"
                " also_known_as = excluded.also_known_as, document = excluded.document,"
                " fetched_at = excluded.fetched_at",
                (actor.id, actor.inbox, actor.shared_inbox, actor.key_id, actor.public_key_pem,
                 self._encode_json(list(actor.also_known_as)),
                 self._encode_json(actor.document), self._encode_time(actor.fetched_at)),
            )  # fmt: skip
            # The profile shown with the actor's interactions follows the refreshed document;
            # a row whose profile changes gets a new revision (the conversation sync sees it).
            author = self._encode_json(author_profile(actor.id, actor.document))
            cur.execute(
                "UPDATE interactions SET author = ?, revision = revision + 1"
                " WHERE actor_id = ? AND (author IS NULL OR author <> ?)",
                (author, actor.id, author),
            )

    def _hold_actors(self, cur: Cursor, actor_ids: Collection[str]) -> None:
        """Read the cached documents of several actors in one query and hold the answers
        (None for one not cached) for the rest of the write transaction."""
        wanted = set(actor_ids)
        cur.execute(
            f"SELECT {ACTOR_COLUMNS} FROM actors WHERE id IN ({placeholders(len(wanted))})",
            list(wanted),
        )
        found = {actor.id: actor for actor in map(self._actor, cur.fetchall())}
        for actor_id in wanted:
            self._hold(("actor", actor_id), found.get(actor_id))

    def list_actors(self, *, limit: int = 100, offset: int = 0) -> list[RemoteActor]:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {ACTOR_COLUMNS} FROM actors"
                f" ORDER BY id{self._binary_order} LIMIT ? OFFSET ?",
                (limit, offset),
            )
            rows = cur.fetchall()
        return [self._actor(row) for row in rows]

    def get_key(self, key_id: str) -> RemoteKey | None:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {KEY_COLUMNS} FROM remote_keys WHERE key_id = ?", (key_id,))
            row = cur.fetchone()
        return None if row is None else self._key(row)

    def save_key(self, key: RemoteKey) -> None:
        with self._transaction(write=True) as cur:
            cur.execute(
                f"INSERT INTO remote_keys ({KEY_COLUMNS}) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key_id) DO UPDATE SET owner = excluded.owner,"
                " public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at",
                (key.key_id, key.owner, key.public_key_pem, self._encode_time(key.fetched_at)),
            )

    def list_keys(self, *, limit: int = 100, offset: int = 0) -> list[RemoteKey]:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {KEY_COLUMNS} FROM remote_keys"
                f" ORDER BY key_id{self._binary_order} LIMIT ? OFFSET ?",
                (limit, offset),
            )
            rows = cur.fetchall()
        return [self._key(row) for row in rows]

    def forget_actor(self, actor_id: str) -> bool:
        with self._transaction(write=True) as cur:
            self._drop_held(("actor", actor_id))
            self._drop_held(("follower", actor_id))
            # Personal inboxes only: a shared inbox serves other accounts of that server.
            cur.execute(
                "SELECT inbox FROM actors WHERE id = ? UNION SELECT inbox FROM followers"
                " WHERE actor_id = ?",
                (actor_id, actor_id),
            )
            inboxes = [row[0] for row in cur.fetchall()]
            removed = 0
            for table, column in (
                ("actors", "id"),
                ("remote_keys", "owner"),
                ("followers", "actor_id"),
                ("interactions", "actor_id"),
            ):
                cur.execute(f"DELETE FROM {table} WHERE {column} = ?", (actor_id,))
                removed += max(cur.rowcount, 0)
            if inboxes:
                cur.execute(
                    "DELETE FROM deliveries WHERE state = 'queued' AND inbox IN"
                    f" ({placeholders(len(inboxes))})",
                    inboxes,
                )
                removed += max(cur.rowcount, 0)
        return removed > 0

    # --- interactions ----------------------------------------------------------------------

    def save_interaction(self, interaction: Interaction) -> bool:
        i = interaction
        with self._transaction(write=True) as cur:
            held, added = self._place_interaction(cur, i)
            # A repeat is refreshed only when it comes from the same actor.
            if held is not None and held[0] == i.actor_id and self._differs(held, i):
                activity, author = self._encode_json(i.activity), self._encoded_author(i)
                cur.execute(
                    "UPDATE interactions SET activity = ?, updated_at = ?, author = ?,"
                    " revision = revision + 1 WHERE activity_id = ?",
                    (activity, self._encode_time(i.updated_at), author, i.activity_id),
                )
            return added

    def _encoded_author(self, interaction: Interaction) -> Any:
        return None if interaction.author is None else self._encode_json(interaction.author)

    def _place_interaction(self, cur: Cursor, i: Interaction) -> tuple[Row | None, bool]:
        """The row already held under the id (actor, activity, author), else None; and
        whether a row was added. One Like or Announce per actor and object: a new one takes
        the place of the actor's older one (its row gets the newest id). A backend may say
        this in one statement (``PostgresStore``).

        Ordered so the usual case costs one statement: a new interaction (an id not held, no
        older Like or Announce of the actor to replace) is inserted at once; then one that
        replaces an older one; only then is the held row read (a repeat of an id the inbox
        forgot, or a reply's Update). The statements' texts are constants (prepared once)."""
        activity, updated = self._encode_json(i.activity), self._encode_time(i.updated_at)
        author = self._encoded_author(i)
        row = (i.activity_id, i.kind, i.actor_id, i.object_id, activity, i.state,
               self._encode_time(i.created_at), updated, author)  # fmt: skip
        if i.kind == "reply":
            cur.execute(_INSERT_INTERACTION, row)
        else:
            cur.execute(_INSERT_FIRST_REACTION, (*row, i.actor_id, i.kind, i.object_id))
        if cur.rowcount > 0:
            return None, True
        if i.kind != "reply":
            cur.execute(
                _REPLACE_REACTION,
                (i.activity_id, activity, updated, author, i.actor_id, i.kind, i.object_id,
                 i.activity_id),
            )  # fmt: skip
            if cur.rowcount > 0:
                return None, False
        cur.execute(
            "SELECT actor_id, activity, author FROM interactions WHERE activity_id = ?",
            (i.activity_id,),
        )
        held = cur.fetchone()
        if held is not None:
            return tuple(held), False
        # Neither held nor replaced, yet the first INSERT added nothing: not reached in one
        # transaction; inserted as the plain case would be.
        cur.execute(_INSERT_INTERACTION, row)
        return None, cur.rowcount > 0

    def _differs(self, held: Row, new: Interaction) -> bool:
        """Whether a repeat changes the stored record or profile (else no new revision)."""
        author = None if held[2] is None else self._decode_json(held[2])
        return bool(self._decode_json(held[1]) != new.activity or author != new.author)

    def count_interactions(
        self,
        actor_id: str,
        kind: InteractionKind,
        *,
        object_id: str | None = None,
        since: datetime | None = None,
    ) -> int:
        clauses = ["actor_id = ?", "kind = ?"]
        params: list[str] = [actor_id, kind]
        if object_id is not None:
            clauses.append("object_id = ?")
            params.append(object_id)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(self._encode_time(since))
        with self._transaction(write=False) as cur:
            where = " AND ".join(clauses)
            cur.execute(f"SELECT COUNT(*) FROM interactions WHERE {where}", params)
            row = cur.fetchone()
        return int(row[0]) if row is not None else 0

    def get_interaction(self, activity_id: str) -> Interaction | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {INTERACTION_COLUMNS} FROM interactions WHERE activity_id = ?",
                (activity_id,),
            )
            row = cur.fetchone()
        return None if row is None else self._interaction(row)

    def remove_interaction(self, activity_id: str, actor_id: str) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                "DELETE FROM interactions WHERE activity_id = ? AND actor_id = ?",
                (activity_id, actor_id),
            )
            return cur.rowcount > 0

    def list_interactions(
        self, object_id: str | None = None, state: ModerationState | None = None
    ) -> list[Interaction]:
        clauses: list[str] = []
        params: list[str] = []
        if object_id is not None:
            clauses.append("object_id = ?")
            params.append(object_id)
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        where = "WHERE " + " AND ".join(clauses) if clauses else ""
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {INTERACTION_COLUMNS} FROM interactions {where}"
                " ORDER BY created_at, activity_id",
                params,
            )
            rows = cur.fetchall()
        return [self._interaction(row) for row in rows]

    def set_moderation(self, activity_id: str, state: ModerationState) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE interactions SET state = ?, revision = revision + 1"
                " WHERE activity_id = ? AND state <> ?",
                (state, activity_id, state),
            )
            if cur.rowcount > 0:
                return True
            cur.execute("SELECT 1 FROM interactions WHERE activity_id = ?", (activity_id,))
            return cur.fetchone() is not None

    # --- idempotent inbox --------------------------------------------------------------------

    def remember_activity(self, activity_id: str, now: datetime) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO seen_activity_keys (activity_key, seen_at) VALUES (?, ?)"
                " ON CONFLICT (activity_key) DO NOTHING",
                (seen_activity_key(activity_id), self._encode_time(now)),
            )
            return cur.rowcount > 0

    def _remember_all(self, cur: Cursor, seen: Sequence[tuple[str, datetime]]) -> list[bool]:
        """``remember_activity`` for several ids in one statement: for each, whether it was
        new (the first of two equal ids in ``seen`` is the new one)."""
        keys = [seen_activity_key(activity_id) for activity_id, _ in seen]
        params: list[Any] = []
        for key, (_, now) in zip(keys, seen, strict=True):
            params += (key, self._encode_time(now))
        cur.execute(
            "INSERT INTO seen_activity_keys (activity_key, seen_at) VALUES"
            f" {', '.join(['(?, ?)'] * len(keys))}"
            " ON CONFLICT (activity_key) DO NOTHING RETURNING activity_key",
            params,
        )
        added = {bytes(row[0]) for row in cur.fetchall()}
        new: list[bool] = []
        for key in keys:
            new.append(key in added)
            added.discard(key)
        return new

    def list_seen_activities(self, *, limit: int = 1000, offset: int = 0) -> list[SeenActivity]:
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT activity_key, seen_at FROM seen_activity_keys"
                " ORDER BY activity_key LIMIT ? OFFSET ?",
                (limit, offset),
            )
            rows = cur.fetchall()
        return [SeenActivity(bytes(key), self._decode_time(seen)) for key, seen in rows]

    def forget_activities_before(self, cutoff: datetime) -> int:
        with self._transaction(write=True) as cur:
            cur.execute(
                "DELETE FROM seen_activity_keys WHERE seen_at < ?", (self._encode_time(cutoff),)
            )
            return max(cur.rowcount, 0)
