"""The outbox split into its pages, so each page can be rendered (and skipped) on its own.

Produces the same documents as `site_gen.federation.collections.build_outbox` (the tests
compare them), but one page at a time: a page embeds the full objects of its posts, which
the worker processes fetch from the post cache, while the main process plans the pages
from the posts' metadata alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from site_gen.config import SiteConfig
from site_gen.content.model import Post

__all__ = ["OUTBOX_PAGE_SIZE", "outbox_chunks", "outbox_page", "outbox_root"]

OUTBOX_PAGE_SIZE = 20  # build_outbox's default
_T = TypeVar("_T")


def outbox_chunks(published: Sequence[_T]) -> list[Sequence[_T]]:
    """The posts of each page, newest first; an empty site still has one empty page."""
    size = OUTBOX_PAGE_SIZE
    return [published[i : i + size] for i in range(0, len(published), size)] or [[]]


def outbox_root(total: int, last: int, config: SiteConfig) -> dict[str, Any]:
    from site_core.context import POST_CONTEXT

    urls = config.urls
    return {
        "@context": POST_CONTEXT,
        "id": urls.outbox,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": urls.outbox_page(1),
        "last": urls.outbox_page(last),
    }


def outbox_page(
    number: int, last: int, total: int, posts: Sequence[Post], config: SiteConfig
) -> dict[str, Any]:
    """Page `number` of `last`: Create activities embedding the objects (FEDERATION.md#outbox)."""
    from site_core.context import POST_CONTEXT
    from site_gen.federation.activities import build_create, embedded

    urls = config.urls
    page: dict[str, Any] = {
        "@context": POST_CONTEXT,
        "id": urls.outbox_page(number),
        "type": "OrderedCollectionPage",
        "partOf": urls.outbox,
        "totalItems": total,
        "orderedItems": [embedded(build_create(post, config)) for post in posts],
    }
    if number < last:
        page["next"] = urls.outbox_page(number + 1)
    if number > 1:
        page["prev"] = urls.outbox_page(number - 1)
    return page
