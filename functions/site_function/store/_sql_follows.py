"""The follow half of the SQL store: followers and the owner's blocks.

Each public method is one transaction. Blocks are matched by account id or by the actor's
host and every parent domain (``domain_candidates``), so a block of example.com covers
a.example.com with a primary-key lookup; the inbox's transaction asks an in-memory
snapshot instead, reloaded when the blocks' generation changes (``_block_snapshot``).
"""

# S608: the only text interpolated into SQL here is module constants (column lists) and
# "?" placeholder lists; every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from site_core.ids import parse_http_url
from site_function.store._block_snapshot import BLOCKS_GENERATION, BlockSnapshot
from site_function.store._sql_core import (
    BLOCK_COLUMNS,
    FOLLOWER_COLUMNS,
    Cursor,
    placeholders,
)
from site_function.store._sql_domain_policies import DomainPolicyStatements
from site_function.store.base import (
    Block,
    BlockKind,
    Follower,
    FollowState,
    NewDelivery,
    domain_candidates,
    normalize_domain,
)
from site_function.store.domain_policies import block_cause

__all__ = ["FollowStatements"]


def domain_of(actor_id: str) -> str:
    parts = parse_http_url(actor_id)
    return normalize_domain(parts.host) if parts is not None else ""


def _covered(hostname: str, domain: str) -> bool:
    return hostname == domain or hostname.endswith("." + domain)


def _block_value(kind: BlockKind, value: str) -> str:
    return normalize_domain(value) if kind == "domain" else value.strip()


class FollowStatements(DomainPolicyStatements):
    """Followers and blocks (and the domain policies beside them) in portable SQL."""

    _block_snapshot: BlockSnapshot | None = None  # per store object, see `_blocks_in`

    # --- followers -------------------------------------------------------------------------

    def get_follower(self, actor_id: str) -> Follower | None:
        # Held for the transaction; a backend may read a batch's senders ahead (`_hold`).
        return self._held(("follower", actor_id), lambda: self._read_follower(actor_id))

    def _read_follower(self, actor_id: str) -> Follower | None:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE actor_id = ?", (actor_id,))
            row = cur.fetchone()
        return None if row is None else self._follower(row)

    def get_follower_by_follow_id(self, follow_id: str) -> Follower | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers WHERE follow_id = ?", (follow_id,)
            )
            row = cur.fetchone()
        return None if row is None else self._follower(row)

    def _upsert_follower(self, cur: Cursor, follower: Follower) -> None:
        self._drop_held(("follower", follower.actor_id))
        cur.execute(
            f"INSERT INTO followers ({FOLLOWER_COLUMNS}, domain)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (actor_id) DO UPDATE SET follow_id = excluded.follow_id,"
            " inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,"
            " state = excluded.state, follow_activity = excluded.follow_activity,"
            " updated_at = excluded.updated_at, domain = excluded.domain",
            (follower.actor_id, follower.follow_id, follower.inbox, follower.shared_inbox,
             follower.state, self._encode_json(follower.follow_activity),
             self._encode_time(follower.created_at), self._encode_time(follower.updated_at),
             domain_of(follower.actor_id)),
        )  # fmt: skip

    def save_follower(
        self,
        follower: Follower,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> None:
        with self._transaction(write=True) as cur:
            self._upsert_follower(cur, follower)
            self._enqueue_in(cur, deliveries, now or datetime.now(UTC), counted=False)

    def remove_follower(
        self,
        actor_id: str,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> Follower | None:
        with self._transaction(write=True) as cur:
            self._drop_held(("follower", actor_id))
            cur.execute(
                f"DELETE FROM followers WHERE actor_id = ? RETURNING {FOLLOWER_COLUMNS}",
                (actor_id,),
            )
            rows = cur.fetchall()
            if not rows:
                return None
            self._enqueue_in(cur, deliveries, now or datetime.now(UTC), counted=False)
        return self._follower(rows[0])

    def remove_followers_by_inbox(self, inbox: str) -> list[Follower]:
        with self._transaction(write=True) as cur:
            self._drop_held()  # whichever followers it removes
            cur.execute(
                "DELETE FROM followers WHERE inbox = ? OR shared_inbox = ?"
                f" RETURNING {FOLLOWER_COLUMNS}",
                (inbox, inbox),
            )
            rows = cur.fetchall()
        return self._followers(rows)

    def move_follower(self, old_actor_id: str, new: Follower, now: datetime) -> bool:
        with self._transaction(write=True) as cur:
            self._drop_held(("follower", old_actor_id))
            cur.execute("DELETE FROM followers WHERE actor_id = ?", (old_actor_id,))
            if cur.rowcount < 1:
                return False
            self._upsert_follower(cur, new)
        return True

    def list_followers(
        self, state: FollowState | None = "accepted", *, limit: int = 100, offset: int = 0
    ) -> list[Follower]:
        where, params = ("WHERE state = ?", [state]) if state else ("", [])
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers {where}"
                " ORDER BY created_at, actor_id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            rows = cur.fetchall()
        return [self._follower(row) for row in rows]

    def count_followers(self, state: FollowState | None = "accepted") -> int:
        # From the tally the triggers keep (migration 8): one row per server, not per follower.
        where, params = ("WHERE state = ?", [state]) if state else ("", [])
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT coalesce(sum(followers), 0) FROM follower_tally {where}", params)
            row = cur.fetchone()
        return int(row[0])

    def delivery_targets(self) -> list[str]:
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT actor_id, domain, coalesce(shared_inbox, inbox) FROM followers"
                " WHERE state = 'accepted'"
            )
            followers = cur.fetchall()
            cur.execute("SELECT kind, value FROM blocks")
            blocks = cur.fetchall()
        accounts = {value for kind, value in blocks if kind == "account"}
        domains = [value for kind, value in blocks if kind == "domain"]
        return sorted(
            {
                inbox
                for actor_id, domain, inbox in followers
                if actor_id not in accounts and not any(_covered(domain, d) for d in domains)
            }
        )

    def inbox_accounts(self, inboxes: Sequence[str]) -> list[tuple[str, str, bool]]:
        wanted = list(dict.fromkeys(inboxes))
        found: set[tuple[str, str, bool]] = set()
        with self._transaction(write=False) as cur:
            for start in range(0, len(wanted), 250):
                chunk = wanted[start : start + 250]
                marks = placeholders(len(chunk))
                cur.execute(
                    "SELECT inbox, shared_inbox, actor_id, 1 FROM followers WHERE state ="
                    f" 'accepted' AND (inbox IN ({marks}) OR shared_inbox IN ({marks}))"
                    " UNION ALL SELECT inbox, shared_inbox, id, 0 FROM actors"
                    f" WHERE inbox IN ({marks}) OR shared_inbox IN ({marks})",
                    chunk * 4,
                )
                for inbox, shared, actor_id, follows in cur.fetchall():
                    for used in {inbox, shared} & set(chunk):
                        found.add((str(used), str(actor_id), bool(follows)))
        # An account both cached and following is listed once, as a follower.
        following = {(inbox, actor) for inbox, actor, follows in found if follows}
        return sorted(row for row in found if row[2] or (row[0], row[1]) not in following)

    # --- blocks --------------------------------------------------------------------------

    def add_block(
        self,
        block: Block,
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> list[Follower]:
        value = _block_value(block.kind, block.value)
        with self._transaction(write=True) as cur:
            self._drop_held()  # the followers it removes
            cur.execute(
                f"INSERT INTO blocks ({BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, value) DO UPDATE SET severity = excluded.severity,"
                " comment = excluded.comment, reject_media = excluded.reject_media,"
                " reject_reports = excluded.reject_reports, obfuscate = excluded.obfuscate",
                (block.kind, value, self._encode_time(block.created_at), block.severity,
                 block.comment, block.reject_media, block.reject_reports, block.obfuscate),
            )  # fmt: skip
            if block.kind == "account":
                cur.execute(
                    f"DELETE FROM followers WHERE actor_id = ? RETURNING {FOLLOWER_COLUMNS}",
                    (value,),
                )
            else:
                escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                cur.execute(
                    "DELETE FROM followers WHERE domain = ? OR domain LIKE ? ESCAPE '\\'"
                    f" RETURNING {FOLLOWER_COLUMNS}",
                    (value, "%." + escaped),
                )
            removed = self._followers(cur.fetchall())
            stamp = now or datetime.now(UTC)
            self._record_severed_in(cur, block_cause(block.kind, value), removed, stamp)
            self._new_blocks_generation(cur)
            self._drop_queued_for(cur, block.kind, value, removed)
            self._enqueue_in(cur, deliveries, stamp)
        return removed

    def _drop_queued_for(
        self, cur: Cursor, kind: BlockKind, value: str, removed: list[Follower]
    ) -> None:
        """Nothing more reaches a blocked account or domain (the Rejects are queued after)."""
        if kind == "account":
            inboxes = [f.inbox for f in removed]
            if inboxes:
                cur.execute(
                    "DELETE FROM deliveries WHERE state = 'queued' AND inbox IN"
                    f" ({placeholders(len(inboxes))})",
                    inboxes,
                )
            return
        cur.execute("SELECT DISTINCT host FROM deliveries WHERE state = 'queued'")
        hosts = [
            host
            for (host,) in cur.fetchall()
            if _covered(urlsplit("//" + host).hostname or host, value)
        ]
        if hosts:
            cur.execute(
                "DELETE FROM deliveries WHERE state = 'queued' AND host IN"
                f" ({placeholders(len(hosts))})",
                hosts,
            )

    def remove_block(self, kind: BlockKind, value: str) -> bool:
        with self._transaction(write=True) as cur:
            cur.execute(
                "DELETE FROM blocks WHERE kind = ? AND value = ?", (kind, _block_value(kind, value))
            )
            removed = cur.rowcount > 0
            if removed:
                self._new_blocks_generation(cur)
            return removed

    def list_blocks(self) -> list[Block]:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {BLOCK_COLUMNS} FROM blocks ORDER BY kind, value")
            rows = cur.fetchall()
        return [self._block(row) for row in rows]

    def is_blocked(self, actor_id: str) -> bool:
        domains = domain_candidates(actor_id)
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT 1 FROM blocks WHERE (kind = 'account' AND value = ?)"
                f" OR (kind = 'domain' AND value IN ({placeholders(len(domains))})) LIMIT 1",
                [actor_id, *(domains or [""])],
            )
            return cur.fetchone() is not None

    def _new_blocks_generation(self, cur: Cursor) -> str:
        """Mark the blocks as changed (inside the transaction that changes them)."""
        generation = uuid.uuid4().hex
        cur.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (BLOCKS_GENERATION, generation),
        )
        return generation

    def _blocks_in(self, cur: Cursor) -> BlockSnapshot:
        """The blocks as seen by this (write) transaction: the snapshot while the generation
        row is unchanged, else reloaded (see ``_block_snapshot``). One query when current."""
        cur.execute("SELECT value FROM meta WHERE key = ?", (BLOCKS_GENERATION,))
        row = cur.fetchone()
        return self._blocks_at(cur, None if row is None else str(row[0]))

    def _blocks_at(self, cur: Cursor, generation: str | None) -> BlockSnapshot:
        """The snapshot of ``generation`` (the row as just read; None: none yet, start one)."""
        if generation is None:
            generation = self._new_blocks_generation(cur)
        snapshot = self._block_snapshot
        if snapshot is None or snapshot.generation != generation:
            cur.execute("SELECT kind, value FROM blocks")
            snapshot = BlockSnapshot.of(generation, cur.fetchall())
            self._block_snapshot = snapshot
        return snapshot
