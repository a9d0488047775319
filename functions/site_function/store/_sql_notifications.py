"""The notification rows of the SQL store (``NotificationStore``) in portable SQL.

A digest row is rewritten inside the caller's transaction (the inbox's). On PostgreSQL a
transaction-scoped advisory lock makes concurrent inbox transactions add their events one
after the other, so they never open two digests at once; SQLite's write transactions are
exclusive already.
"""

# S608: the only text interpolated into SQL here is module constants (column lists);
# every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import datetime

from site_function.store._sql_core import DELIVERY_COLUMNS, SqlCore
from site_function.store.base import Delivery, host_of
from site_function.store.notifications import DigestMerge, DigestSlot

__all__ = ["NotificationStatements"]

_DIGEST_LOCK = 0x5174_6E6F  # any constant: the advisory lock of digest rows


class NotificationStatements(SqlCore):
    """Digest rows and a row by id, on either backend."""

    def merge_digest(self, slot: DigestSlot, merge: DigestMerge, now: datetime) -> None:
        if "%" in slot.id_prefix or "_" in slot.id_prefix:
            raise ValueError(f"a digest id prefix takes no LIKE wildcards: {slot.id_prefix!r}")
        stamp = self._encode_time(now)
        with self._transaction(write=True) as cur:
            if self.dialect == "postgres":
                cur.execute("SELECT pg_advisory_xact_lock(?)", (_DIGEST_LOCK,))
            cur.execute(
                "SELECT id, body FROM deliveries WHERE kind = 'notification' AND inbox = ?"
                " AND activity_id LIKE ? AND state = 'queued' AND attempts = 0"
                " AND lease_until IS NULL ORDER BY id DESC LIMIT 1",
                (slot.receiver, slot.id_prefix + "%"),
            )
            row = cur.fetchone()
            if row is not None:
                cur.execute(
                    "UPDATE deliveries SET body = ?, updated_at = ? WHERE id = ?",
                    (merge(bytes(row[1])), stamp, int(row[0])),
                )
                return
            cur.execute(
                "INSERT INTO deliveries (activity_id, inbox, host, body, kind, state,"
                " next_attempt_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'notification', 'queued', ?, ?, ?)"
                " ON CONFLICT (activity_id, inbox) DO NOTHING",
                (slot.new_id, slot.receiver, host_of(slot.receiver), merge(None),
                 self._encode_time(slot.due), stamp, stamp),
            )  # fmt: skip

    def find_delivery(self, activity_id: str) -> Delivery | None:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE activity_id = ?"
                " ORDER BY id LIMIT 1",
                (activity_id,),
            )
            row = cur.fetchone()
        return None if row is None else self._delivery(row)
