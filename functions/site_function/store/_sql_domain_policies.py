"""Domain policies, allow-only mode and the severed followers' record in portable SQL.

The policies are a small table the owner keeps by hand: the inbox reads it whole when a
Follow or an interaction needs it (one query, beside one ``meta`` lookup for the mode).
"""

# S608: the only text interpolated into SQL here is "?" placeholder lists.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from site_function.store._sql_core import (
    FOLLOWER_COLUMNS,
    Cursor,
    Row,
    SqlCore,
    placeholders,
)
from site_function.store.domain_policies import DomainPolicies, DomainPolicy, SeveredFollower
from site_function.store.records import Follower, NewDelivery

__all__ = ["ALLOW_ONLY_KEY", "POLICIES_QUERY", "DomainPolicyStatements"]

ALLOW_ONLY_KEY = "domains.allow_only"  # the meta key of the mode ("on" or "off")
POLICIES_QUERY = (
    "SELECT domain, require_approval, allowed, updated_at FROM domain_policies ORDER BY domain"
)


class DomainPolicyStatements(SqlCore):
    """``DomainPolicyStore`` on the shared SQL core."""

    def domain_policies(self) -> DomainPolicies:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT value FROM meta WHERE key = ?", (ALLOW_ONLY_KEY,))
            mode = cur.fetchone()
            cur.execute(POLICIES_QUERY)
            rows = cur.fetchall()
        return self._policies_of(mode, rows)

    def _policies_of(self, mode: Row | None, rows: list[Row]) -> DomainPolicies:
        """The policies from the mode's ``meta`` row (None if unset) and the table's rows."""
        policies = tuple(
            DomainPolicy(str(domain), bool(approval), bool(allowed), self._decode_time(at))
            for domain, approval, allowed, at in rows
        )
        return DomainPolicies(mode is not None and mode[0] == "on", policies)

    def set_domain_policy(
        self, domain: str, require_approval: bool, allowed: bool, now: datetime
    ) -> None:
        with self._transaction(write=True) as cur:
            if not (require_approval or allowed):
                cur.execute("DELETE FROM domain_policies WHERE domain = ?", (domain,))
                return
            cur.execute(
                "INSERT INTO domain_policies (domain, require_approval, allowed, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (domain) DO UPDATE SET"
                " require_approval = excluded.require_approval, allowed = excluded.allowed,"
                " updated_at = excluded.updated_at",
                (domain, require_approval, allowed, self._encode_time(now)),
            )

    def set_allow_only(self, on: bool) -> None:
        with self._transaction(write=True) as cur:
            self._set_meta_in(cur, ALLOW_ONLY_KEY, "on" if on else "off")

    def sever_followers(
        self,
        cause: str,
        actor_ids: Sequence[str],
        deliveries: Sequence[NewDelivery] = (),
        now: datetime | None = None,
    ) -> list[Follower]:
        stamp = now or datetime.now(UTC)
        removed: list[Follower] = []
        with self._transaction(write=True) as cur:
            self._drop_held()  # the followers it removes
            for start in range(0, len(actor_ids), 250):
                chunk = list(actor_ids[start : start + 250])
                cur.execute(
                    f"DELETE FROM followers WHERE actor_id IN ({placeholders(len(chunk))})"
                    f" RETURNING {FOLLOWER_COLUMNS}",
                    chunk,
                )
                removed += [self._follower(row) for row in cur.fetchall()]
            self._record_severed_in(cur, cause, removed, stamp)
            self._enqueue_in(cur, deliveries, stamp)
        return removed

    def _record_severed_in(
        self, cur: Cursor, cause: str, removed: Sequence[Follower], now: datetime
    ) -> None:
        """Record the accepted followers among ``removed`` (requests were never followers)."""
        rows = [
            (cause, f.actor_id, self._encode_time(now)) for f in removed if f.state == "accepted"
        ]
        if rows:
            cur.executemany(
                "INSERT INTO severed_followers (cause, actor_id, severed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (cause, actor_id) DO UPDATE SET severed_at = excluded.severed_at",
                rows,
            )

    def severed_followers(self, cause: str | None = None) -> list[SeveredFollower]:
        where, params = ("WHERE cause = ?", [cause]) if cause is not None else ("", [])
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT cause, actor_id, severed_at FROM severed_followers {where}"
                " ORDER BY severed_at, actor_id",
                params,
            )
            rows = cur.fetchall()
        return [SeveredFollower(str(c), str(a), self._decode_time(t)) for c, a, t in rows]

    def forget_severed(self, cause: str) -> list[SeveredFollower]:
        with self._transaction(write=True) as cur:
            cur.execute(
                "SELECT cause, actor_id, severed_at FROM severed_followers WHERE cause = ?"
                " ORDER BY severed_at, actor_id",
                (cause,),
            )
            rows = cur.fetchall()
            cur.execute("DELETE FROM severed_followers WHERE cause = ?", (cause,))
        return [SeveredFollower(str(c), str(a), self._decode_time(t)) for c, a, t in rows]
