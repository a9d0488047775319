"""The admin page's keyset reads (``PagedReads``) in portable SQL.

Row-value comparisons (``(created_at, actor_id) > (?, ?)``) walk the same indexes the order
uses (``followers_state``, ``interactions_state`` of migration 5), so page 2,000 costs what
page 1 does. Followers by server come from ``follower_tally`` (migration 8), never from a
GROUP BY over every follower. Searches use ``LIKE`` with its wildcards escaped: what the
owner types is text.
"""

# S608: the only text interpolated into SQL here is module constants (column lists) and
# fixed clauses; every value travels as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

from site_function.store._block_snapshot import BlockSnapshot
from site_function.store._sql_core import FOLLOWER_COLUMNS, INTERACTION_COLUMNS, SqlCore
from site_function.store.base import Follower, FollowState, Interaction, ModerationState
from site_function.store.pages import PageKey

__all__ = ["PageStatements", "like_pattern"]


def like_pattern(text: str, *, prefix: str = "%", suffix: str = "%") -> str:
    """``text`` as a LIKE pattern matching it literally (with ``ESCAPE '\\'``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{prefix}{escaped}{suffix}"


class PageStatements(SqlCore):
    """Follower and interaction pages by keyset, followers by server."""

    def _where(self, clauses: list[str]) -> str:
        return "WHERE " + " AND ".join(clauses) if clauses else ""

    def follower_page(
        self,
        state: FollowState | None,
        *,
        after: PageKey | None = None,
        limit: int = 50,
        search: str = "",
    ) -> list[Follower]:
        clauses: list[str] = []
        params: list[Any] = []
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        if after is not None:
            clauses.append("(created_at, actor_id) > (?, ?)")
            params += [self._encode_time(after[0]), after[1]]
        if search:
            clauses.append("lower(actor_id) LIKE ? ESCAPE '\\'")
            params.append(like_pattern(search.lower()))
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers {self._where(clauses)}"
                " ORDER BY created_at, actor_id LIMIT ?",
                [*params, limit],
            )
            rows = cur.fetchall()
        return [self._follower(row) for row in rows]

    def follower_domains(self, state: FollowState | None, limit: int = 20) -> list[tuple[str, int]]:
        if limit <= 0:
            return []
        if state is None:
            query = (
                "SELECT domain, sum(followers) AS n FROM follower_tally GROUP BY domain"
                " HAVING sum(followers) > 0 ORDER BY n DESC, domain LIMIT ?"
            )
        else:  # the first rows of follower_tally_top: no sort, no scan of the servers
            query = (
                "SELECT domain, followers FROM follower_tally WHERE state = ? AND followers > 0"
                " ORDER BY followers DESC, domain LIMIT ?"
            )
        with self._transaction(write=False) as cur:
            cur.execute(query, [limit] if state is None else [state, limit])
            rows = cur.fetchall()
        return [(str(domain), int(count)) for domain, count in rows]

    def followers_on_domain(self, domain: str) -> list[Follower]:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {FOLLOWER_COLUMNS} FROM followers"
                " WHERE domain = ? OR domain LIKE ? ESCAPE '\\'",
                [domain, like_pattern(domain, suffix="", prefix="%.")],
            )
            return self._followers(cur.fetchall())

    def interaction_page(
        self,
        state: ModerationState | None,
        *,
        after: PageKey | None = None,
        limit: int = 50,
    ) -> tuple[list[Interaction], PageKey | None]:
        clauses: list[str] = []
        params: list[Any] = []
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        if after is not None:
            clauses.append("(created_at, activity_id) > (?, ?)")
            params += [self._encode_time(after[0]), after[1]]
        with self._transaction(write=False) as cur:
            cur.execute("SELECT kind, value FROM blocks")
            blocks = BlockSnapshot.of("", cur.fetchall())
            cur.execute(
                f"SELECT {INTERACTION_COLUMNS} FROM interactions {self._where(clauses)}"
                " ORDER BY created_at, activity_id LIMIT ?",
                [*params, limit],
            )
            rows = [self._interaction(row) for row in cur.fetchall()]
        end = (rows[-1].created_at, rows[-1].activity_id) if len(rows) == limit else None
        return [row for row in rows if not blocks.covers(row.actor_id)], end

    def count_interactions_in(self, state: ModerationState) -> int:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT count(*) FROM interactions WHERE state = ?", [state])
            row = cur.fetchone()
        return int(row[0])

    def reply_authors(self, state: ModerationState) -> list[tuple[str, int]]:
        with self._transaction(write=False) as cur:
            cur.execute(
                "SELECT actor_id, count(*) FROM interactions WHERE state = ? AND kind = 'reply'"
                " GROUP BY actor_id",
                [state],
            )
            rows = cur.fetchall()
        return sorted((str(actor), int(count)) for actor, count in rows)
