"""What the owner reads a page at a time: followers (with search and counts by server) and
the moderation queue, paged by keyset (`store.pages`), never by OFFSET.

A page's `next` is an opaque cursor (the last row's time and id, base64url) that the next
request hands back; a cursor that does not decode is a 400, never a 500. Results are
JSON-ready dicts, the same shapes as `followers.follower_to_dict` and
`interactions.interaction_to_dict`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from site_function.owner.errors import OwnerRequestError
from site_function.owner.followers import follower_to_dict
from site_function.owner.interactions import interaction_to_dict
from site_function.store.base import FollowState, PageKey, Store

__all__ = [
    "MAX_PAGE",
    "MAX_SEARCH",
    "decode_cursor",
    "encode_cursor",
    "follower_overview",
    "follower_page",
    "review_page",
]

MAX_PAGE = 200
MAX_SEARCH = 200
_BAD_CURSOR = "that page link is not valid (open the list from its first page)"


def encode_cursor(key: PageKey | None) -> str | None:
    """The cursor of a page key (None: there is no next page)."""
    if key is None:
        return None
    text = f"{key[0].isoformat()}|{key[1]}".encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> PageKey | None:
    """The page key of a cursor ("" is the first page), or a 400."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        when, _, item = text.partition("|")
        at = datetime.fromisoformat(when)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OwnerRequestError(_BAD_CURSOR) from None
    if at.tzinfo is None or not item:
        raise OwnerRequestError(_BAD_CURSOR)
    return at, item


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise OwnerRequestError(f"a page holds 1 to {MAX_PAGE} rows")
    return limit


def follower_page(
    store: Store, state: FollowState | None, *, cursor: str = "", search: str = "", limit: int = 50
) -> dict[str, Any]:
    """One page of followers (or requests) in `state`, optionally only those whose actor id
    contains `search`; `next` is the cursor of the following page, or None."""
    if len(search) > MAX_SEARCH:
        raise OwnerRequestError(f"a search has at most {MAX_SEARCH} characters")
    rows = store.follower_page(
        state, after=decode_cursor(cursor), limit=_limit(limit) + 1, search=search.strip()
    )
    shown = rows[:limit]
    following = (shown[-1].created_at, shown[-1].actor_id) if len(rows) > limit else None
    return {"items": [follower_to_dict(f) for f in shown], "next": encode_cursor(following)}


def follower_overview(store: Store, servers: int = 20) -> dict[str, Any]:
    """The counts the followers page heads with: accepted, pending, and the servers with the
    most accepted followers."""
    return {
        "accepted": store.count_followers("accepted"),
        "pending": store.count_followers("pending"),
        "servers": [
            {"domain": domain, "followers": count}
            for domain, count in store.follower_domains("accepted", servers)
        ],
    }


def review_page(store: Store, *, cursor: str = "", limit: int = 50) -> dict[str, Any]:
    """One page of the moderation queue (pending interactions, oldest first; blocked
    accounts and domains left out, as everywhere the owner reads), with the pending count."""
    items, following = store.interaction_page(
        "pending", after=decode_cursor(cursor), limit=_limit(limit)
    )
    return {
        "items": [interaction_to_dict(i) for i in items],
        "next": encode_cursor(following),
        "pending": store.count_interactions_in("pending"),
    }
