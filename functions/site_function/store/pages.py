"""What the owner's admin page reads a page at a time: keyset pages, never OFFSET.

A list of 100,000 followers is read 50 rows at a time from where the last page ended (its
``(created_at, id)`` key), so the thousandth page costs what the first does; an OFFSET
would read and drop every row before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from site_function.store.records import Follower, FollowState, Interaction, ModerationState

__all__ = ["PageKey", "PagedReads"]

# Where a page ended: the last row's (created_at, actor_id or activity_id).
PageKey = tuple[datetime, str]


@runtime_checkable
class PagedReads(Protocol):
    """Pages of followers and interactions in their stable order, and followers by server."""

    def follower_page(
        self,
        state: FollowState | None,
        *,
        after: PageKey | None = None,
        limit: int = 50,
        search: str = "",
    ) -> list[Follower]:
        """Followers in ``state`` (all when None) after ``after`` in (created_at, actor_id)
        order; ``search`` keeps those whose actor id contains it (case-insensitive)."""

    def follower_domains(self, state: FollowState | None, limit: int = 20) -> list[tuple[str, int]]:
        """(domain, followers) for the servers with the most followers in ``state``."""

    def followers_on_domain(self, domain: str) -> list[Follower]:
        """Every follower and request on this domain or a subdomain (``normalize_domain``
        value): what a domain block removes. Sorted like ``list_followers``."""

    def interaction_page(
        self,
        state: ModerationState | None,
        *,
        after: PageKey | None = None,
        limit: int = 50,
    ) -> tuple[list[Interaction], PageKey | None]:
        """Up to ``limit`` interactions in ``state`` after ``after`` in (created_at,
        activity_id) order, those of blocked accounts and domains left out, and the key the
        next page starts after (None at the end). A page may hold fewer than ``limit`` rows
        when some were left out."""

    def count_interactions_in(self, state: ModerationState) -> int:
        """How many interactions are in ``state`` (blocked ones included)."""

    def reply_authors(self, state: ModerationState) -> list[tuple[str, int]]:
        """(actor_id, replies) for every actor with replies in ``state``, sorted by actor:
        what a block preview counts (blocked ones included)."""
