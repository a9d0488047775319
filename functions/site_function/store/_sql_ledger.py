"""The ledger half of the SQL store: what has been published, with the owner's settings a
publish states and the deliveries it queues, written in one transaction (issue 4)."""

# S608: the only text interpolated into SQL here is module constants (column lists); every
# value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from site_function.store._sql_core import PUBLISHED_COLUMNS, Cursor
from site_function.store._sql_owner import OwnerStatements
from site_function.store.base import NewDelivery, OwnerSettings, PublishedObject

__all__ = ["LedgerStatements"]


class LedgerStatements(OwnerStatements):
    """The publish ledger (and, through its base, the owner's settings) in portable SQL."""

    def get_published(self, object_id: str) -> PublishedObject | None:
        # Held for the transaction: the Likes of one batch mostly name the same new post.
        return self._held(("published", object_id), lambda: self._read_published(object_id))

    def _read_published(self, object_id: str) -> PublishedObject | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {PUBLISHED_COLUMNS} FROM published WHERE object_id = ?", (object_id,)
            )
            row = cur.fetchone()
        return None if row is None else self._published(row)

    def list_published(self) -> list[PublishedObject]:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {PUBLISHED_COLUMNS} FROM published ORDER BY first_sent_at, object_id"
            )
            rows = cur.fetchall()
        return [self._published(row) for row in rows]

    def save_published(
        self,
        items: Sequence[PublishedObject],
        deliveries: Sequence[NewDelivery],
        now: datetime,
        *,
        owner: OwnerSettings | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        with self._transaction(write=True) as cur:
            for key, value in (meta or {}).items():
                self._set_meta_in(cur, key, value)
            if owner is not None:
                self._save_owner_in(cur, owner)
            self._upsert_published(cur, items)
            self._enqueue_in(cur, deliveries, now)

    def _upsert_published(self, cur: Cursor, items: Sequence[PublishedObject]) -> None:
        if not items:
            return
        self._drop_held()
        # first_sent_at is history: an existing row keeps its own.
        cur.executemany(
            f"INSERT INTO published ({PUBLISHED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (object_id) DO UPDATE SET slug = excluded.slug,"
            " content_hash = excluded.content_hash, updated = excluded.updated,"
            " state = excluded.state, last_sent_at = excluded.last_sent_at",
            [
                (p.object_id, p.slug, p.content_hash, self._encode_time(p.updated), p.state,
                 self._encode_time(p.first_sent_at), self._encode_time(p.last_sent_at))
                for p in items
            ],
        )  # fmt: skip
