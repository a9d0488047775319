"""Which delivery carries a `Collection-Synchronization` header, and its value (FEP-8fcf).

A row gets the header when its activity is addressed to our followers collection; the digest
is that of our accepted followers whose id shares the inbox's scheme and authority, as the FEP
and Mastodon (`remote_followers_hash` of the inbox URL) define the receiving instance
(FEDERATION.md#follower-sync). One `FollowerSyncHeaders` lives for one drain: it reads the
followers once, on the first followers-addressed row, and keeps one digest per authority, so
10,000 followers on 2,000 servers cost one paged read and 10,000 SHA-256 per drain, not per row.
A follower who arrives or leaves during the drain shows in the next drain's digest; a stale
digest only makes the receiver fetch the partial collection, which is always read live.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass

from site_core.follower_sync import HEADER, addresses, authority_of, format_header
from site_core.follower_sync import partial_digest as digest_of
from site_core.urls import UrlScheme
from site_function.store.base import Delivery, Store

__all__ = ["FollowerSync", "FollowerSyncHeaders", "follower_ids_by_authority"]

_PAGE = 1000


@dataclass(frozen=True)
class FollowerSync:
    """What the header names: our followers collection and the partial collections' route."""

    urls: UrlScheme

    def header_for(self, inbox: str, digest: str) -> str | None:
        """The header value for a delivery to `inbox`, or None if the inbox is not a URL."""
        authority = authority_of(inbox)
        if authority is None:
            return None
        host = authority.split("://", 1)[1]
        url = self.urls.followers_synchronization_for(host)
        return format_header(self.urls.followers, url, digest)


def follower_ids_by_authority(store: Store) -> dict[str, list[str]]:
    """Every accepted follower's id, grouped by `authority_of` (synchronous: a store read)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    offset = 0
    while True:
        rows = store.list_followers("accepted", limit=_PAGE, offset=offset)
        for row in rows:
            authority = authority_of(row.actor_id)
            if authority is not None:
                grouped[authority].append(row.actor_id)
        if len(rows) < _PAGE:
            return dict(grouped)
        offset += _PAGE


class FollowerSyncHeaders:
    """The extra headers of each row of one drain (see the module docstring)."""

    def __init__(self, store: Store, sync: FollowerSync) -> None:
        self._store, self._sync = store, sync
        self._addressed: dict[str, bool] = {}  # activity id -> addressed to our followers
        self._digests: dict[str, str] | None = None
        self._loading: asyncio.Lock = asyncio.Lock()

    def _is_addressed(self, row: Delivery) -> bool:
        known = self._addressed.get(row.activity_id)
        if known is None:
            try:
                activity = json.loads(row.body)
            except ValueError:
                activity = None
            followers = self._sync.urls.followers
            known = isinstance(activity, dict) and addresses(activity, followers)
            if len(self._addressed) < 10_000:  # a drain sees few activities; bound it anyway
                self._addressed[row.activity_id] = known
        return known

    async def _digests_by_authority(self) -> dict[str, str]:
        if self._digests is not None:
            return self._digests
        async with self._loading:  # many workers ask at once on the first rows: one read
            if self._digests is None:
                grouped = await asyncio.to_thread(follower_ids_by_authority, self._store)
                self._digests = {key: digest_of(ids) for key, ids in grouped.items()}
        return self._digests

    async def headers_for(self, row: Delivery) -> dict[str, str]:
        """`{"Collection-Synchronization": ...}` for a followers-addressed activity, else {}."""
        if row.kind != "activity" or not self._is_addressed(row):
            return {}
        authority = authority_of(row.inbox)
        if authority is None:
            return {}
        digests = await self._digests_by_authority()
        value = self._sync.header_for(row.inbox, digests.get(authority, digest_of(())))
        return {} if value is None else {HEADER: value}
