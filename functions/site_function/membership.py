"""Who stays a follower when deliveries say otherwise.

The delivery queue only records what an inbox answered; a 410 Gone comes back from it as the
inbox (``DeliveryQueue.record_many``). The rule for what that means lives here: the inbox no
longer exists, so every follower behind it goes, personal or shared inbox alike (a shared
inbox that is gone serves none of that server's accounts). The caller runs this in the
transaction that records the outcome, so the row and the followers change together.
"""

from __future__ import annotations

from collections.abc import Iterable

from site_function.store.followers import FollowerStore
from site_function.store.records import Follower

__all__ = ["drop_followers_behind"]


def drop_followers_behind(followers: FollowerStore, gone_inboxes: Iterable[str]) -> list[Follower]:
    """Remove the followers whose personal or shared inbox answered 410 Gone; returns them.

    Safe to run twice for one inbox (the second run finds nobody)."""
    removed: list[Follower] = []
    for inbox in dict.fromkeys(gone_inboxes):
        removed.extend(followers.remove_followers_by_inbox(inbox))
    return removed
