"""Posts the function knows as published: interactions are stored only for those, so tests
that expect a Like or a reply to be kept record the post in the ledger first."""

from __future__ import annotations

from datetime import UTC, datetime

from site_function.store import Store
from site_function.store.base import PublishedObject


def publish_post(store: Store, object_id: str) -> None:
    """Record `object_id` as a live post in the publish ledger (as `site-gen publish` does)."""
    now = datetime.now(UTC)
    slug = object_id.rstrip("/").rsplit("/", 1)[-1]
    row = PublishedObject(object_id, slug, "test", None, "live", now, now)
    store.save_published([row], [], now)
