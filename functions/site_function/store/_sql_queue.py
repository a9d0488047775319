"""The delivery half of the SQL store: the queue and the per-host breakers.

The queue is one row per (activity_id, inbox) ("Durable queues as tables" in STYLE.md). A
claimer leases rows for a while instead of deleting or marking them, so a process killed in
the middle loses nothing: once the lease runs out the rows are claimable again. Outcomes only
change rows that are still queued, so a late answer cannot undo a later success.
"""

# S608: the only text interpolated into SQL here is module constants (column lists) and
# "?" placeholder lists; every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from site_function.store._sql_core import (
    DELIVERY_COLUMNS,
    HOST_COLUMNS,
    Cursor,
    SqlCore,
    placeholders,
)
from site_function.store.base import (
    Delivery,
    DeliveryOutcome,
    DeliveryState,
    DeliverySummary,
    HostState,
    HostSummary,
    NewDelivery,
)

__all__ = ["QueueStatements"]

_DELIVERED = (
    "UPDATE deliveries SET state = 'done', attempts = attempts + 1, last_status = ?,"
    " last_error = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'queued'"
)
_RETRY = (
    "UPDATE deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?,"
    " next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'queued'"
)
_FAILED = (
    "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_status = ?,"
    " last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND state = 'queued'"
)


def _like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern whose escape character is ``!``."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _prefix_match(id_prefixes: Sequence[str]) -> tuple[tuple[str, ...], str, list[str]]:
    """The distinct non-empty prefixes, and a WHERE clause with its LIKE patterns that
    narrows rows to them (SQLite's LIKE ignores ASCII case: callers decide by startswith)."""
    prefixes = tuple(prefix for prefix in dict.fromkeys(id_prefixes) if prefix)
    patterns = [_like_escape(prefix) + "%" for prefix in prefixes]
    matches = " OR ".join("activity_id LIKE ? ESCAPE '!'" for _ in patterns)
    return prefixes, f"({matches})" if patterns else "", patterns


class QueueStatements(SqlCore):
    """The delivery queue and host breakers in portable SQL."""

    #: Appended to the claim's inner SELECT: PostgreSQL's row locks; SQLite needs none because
    #: its write transactions are already exclusive (BEGIN IMMEDIATE).
    _claim_lock: str = ""

    # --- the queue ---------------------------------------------------------------------------

    def enqueue(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        with self._transaction(write=True) as cur:
            return self._enqueue_in(cur, deliveries, now)

    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        if limit <= 0:
            return []
        stamp = self._encode_time(now)
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE deliveries SET lease_until = ? WHERE id IN ("
                " SELECT d.id FROM deliveries d WHERE d.state = 'queued'"
                " AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)"
                " AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = d.host"
                " AND h.paused_until IS NOT NULL AND h.paused_until > ?)"
                f" ORDER BY d.next_attempt_at, d.id LIMIT ?{self._claim_lock})"
                f" RETURNING {DELIVERY_COLUMNS}",
                (self._encode_time(now + lease), stamp, stamp, stamp, limit),
            )
            rows = cur.fetchall()
        claimed = [self._delivery(row) for row in rows]
        return sorted(claimed, key=lambda d: (d.next_attempt_at, d.id))

    def mark_delivered(self, delivery_id: int, status: int, now: datetime) -> None:
        self.record_many([DeliveryOutcome(delivery_id, "delivered", status)], now)

    def mark_retry(
        self,
        delivery_id: int,
        status: int | None,
        error: str,
        next_attempt_at: datetime,
        now: datetime,
    ) -> None:
        outcome = DeliveryOutcome(delivery_id, "retry", status, error, next_attempt_at)
        self.record_many([outcome], now)

    def mark_failed(self, delivery_id: int, status: int | None, error: str, now: datetime) -> None:
        self.record_many([DeliveryOutcome(delivery_id, "failed", status, error)], now)

    def record_many(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> list[str]:
        stamp = self._encode_time(now)
        delivered: list[tuple[Any, ...]] = []
        retry: list[tuple[Any, ...]] = []
        failed: list[tuple[Any, ...]] = []
        gone: list[int] = []
        for o in outcomes:
            if o.kind == "delivered":
                delivered.append((o.status, stamp, o.delivery_id))
            elif o.kind == "retry":
                if o.next_attempt_at is None:
                    raise ValueError(f"retry outcome for {o.delivery_id} has no next_attempt_at")
                when = self._encode_time(o.next_attempt_at)
                retry.append((o.status, o.error, when, stamp, o.delivery_id))
            elif o.kind in ("failed", "gone"):
                failed.append((o.status, o.error, stamp, o.delivery_id))
                if o.kind == "gone":
                    gone.append(o.delivery_id)
            else:
                raise ValueError(f"unknown outcome kind {o.kind!r}")
        with self._transaction(write=True) as cur:
            for sql, params in ((_DELIVERED, delivered), (_RETRY, retry), (_FAILED, failed)):
                if params:
                    cur.executemany(sql, params)
            return self._inboxes_of(cur, gone)

    def _inboxes_of(self, cur: Cursor, delivery_ids: Sequence[int]) -> list[str]:
        """The distinct inboxes of these rows, sorted (a gone outcome's inbox)."""
        ids = list(dict.fromkeys(delivery_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cur.execute(
                f"SELECT DISTINCT inbox FROM deliveries WHERE id IN ({placeholders(len(chunk))})",
                chunk,
            )
            found.update(str(row[0]) for row in cur.fetchall())
        return sorted(found)

    def release_claims(self, delivery_ids: Sequence[int], now: datetime) -> int:
        if not delivery_ids:
            return 0
        stamp = self._encode_time(now)
        ids = list(dict.fromkeys(delivery_ids))
        count = 0
        with self._transaction(write=True) as cur:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cur.execute(
                    "UPDATE deliveries SET lease_until = NULL, updated_at = ?, next_attempt_at ="
                    " CASE WHEN next_attempt_at > ? THEN ? ELSE next_attempt_at END"
                    f" WHERE state = 'queued' AND id IN ({placeholders(len(chunk))})",
                    [stamp, stamp, stamp, *chunk],
                )
                count += max(cur.rowcount, 0)
        return count

    def activity_inboxes(self, id_prefixes: Sequence[str]) -> list[tuple[str, str]]:
        prefixes, matches, patterns = _prefix_match(id_prefixes)
        if not prefixes:
            return []
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT DISTINCT activity_id, inbox FROM deliveries"
                f" WHERE state <> 'failed' AND {matches}",
                patterns,
            )
            rows = cur.fetchall()
        found = {
            (str(activity_id), str(inbox))
            for activity_id, inbox in rows
            if str(activity_id).startswith(prefixes)
        }
        return sorted(found)

    def activity_bodies(self, id_prefixes: Sequence[str]) -> list[tuple[str, bytes]]:
        prefixes, matches, patterns = _prefix_match(id_prefixes)
        if not prefixes:
            return []
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT activity_id, body FROM deliveries WHERE id IN"
                f" (SELECT min(id) FROM deliveries WHERE {matches} GROUP BY activity_id)",
                patterns,
            )
            rows = cur.fetchall()
        found = [(str(a), bytes(body)) for a, body in rows if str(a).startswith(prefixes)]
        return sorted(found)

    def list_deliveries(
        self, state: DeliveryState | None = None, host: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        clauses: list[str] = []
        params: list[Any] = []
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        if host is not None:
            clauses.append("host = ?")
            params.append(host)
        where = "WHERE " + " AND ".join(clauses) if clauses else ""
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries {where} ORDER BY id LIMIT ?",
                [*params, limit],
            )
            rows = cur.fetchall()
        return [self._delivery(row) for row in rows]

    def delivery_summary(self) -> DeliverySummary:
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT host, state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, count(*)"
                " FROM deliveries GROUP BY host, state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END"
            )
            groups = cur.fetchall()
            cur.execute(
                "SELECT d.host, d.last_error FROM deliveries d JOIN (SELECT host, max(id) AS id"
                " FROM deliveries WHERE last_error IS NOT NULL GROUP BY host) m ON m.id = d.id"
            )
            last_errors = {host: error for host, error in cur.fetchall()}
            cur.execute(f"SELECT {HOST_COLUMNS} FROM hosts")
            breakers = {row[0]: self._host(row) for row in cur.fetchall()}
        counts = {"queued": 0, "done": 0, "failed": 0}
        per_host: dict[str, dict[str, int]] = {}
        for host, state, retried, count in groups:
            counts[state] += int(count)
            tally = per_host.setdefault(host, {"queued": 0, "done": 0, "failed": 0, "retrying": 0})
            tally[state] += int(count)
            if state == "queued" and int(retried):
                tally["retrying"] += int(count)
        hosts = []
        for host in sorted(per_host):
            tally = per_host[host]
            breaker = breakers.get(host)
            error = breaker.last_error if breaker and breaker.last_error else None
            hosts.append(
                HostSummary(
                    host=host,
                    queued=tally["queued"],
                    failed=tally["failed"],
                    done=tally["done"],
                    last_error=error or last_errors.get(host),
                    paused_until=breaker.paused_until if breaker else None,
                    retrying=tally["retrying"],
                )
            )
        retrying = sum(h.retrying for h in hosts)
        return DeliverySummary(counts=counts, hosts=hosts, retrying=retrying)

    def retry_failed(self, now: datetime, host: str | None = None) -> int:
        stamp = self._encode_time(now)
        where, params = ("AND host = ?", [host]) if host is not None else ("", [])
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE deliveries SET state = 'queued', attempts = 0, next_attempt_at = ?,"
                " lease_until = NULL, updated_at = ?"
                f" WHERE state = 'failed' {where} RETURNING host",
                [stamp, stamp, *params],
            )
            retried = [row[0] for row in cur.fetchall()]
            hosts = sorted(set(retried) | ({host} if host else set()))
            if hosts:
                cur.execute(
                    f"DELETE FROM hosts WHERE host IN ({placeholders(len(hosts))})",
                    hosts,
                )
        return len(retried)

    # --- host breakers -------------------------------------------------------------------------

    def get_host(self, host: str) -> HostState | None:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {HOST_COLUMNS} FROM hosts WHERE host = ?", (host,))
            row = cur.fetchone()
        return None if row is None else self._host(row)

    def save_host(self, state: HostState) -> None:
        with self._transaction(write=True) as cur:
            cur.execute(
                f"INSERT INTO hosts ({HOST_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (host) DO UPDATE SET"
                " consecutive_failures = excluded.consecutive_failures,"
                " first_failure_at = excluded.first_failure_at,"
                " paused_until = excluded.paused_until, last_error = excluded.last_error",
                (state.host, state.consecutive_failures,
                 self._encode_time(state.first_failure_at),
                 self._encode_time(state.paused_until), state.last_error),
            )  # fmt: skip

    def list_hosts(self) -> list[HostState]:
        with self._transaction(write=False) as cur:
            cur.execute(f"SELECT {HOST_COLUMNS} FROM hosts")
            rows = cur.fetchall()
        return sorted((self._host(row) for row in rows), key=lambda state: state.host)
