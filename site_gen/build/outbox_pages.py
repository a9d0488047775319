"""The outbox split into its pages, so each page can be rendered (and skipped) on its own.

Produces the same documents as `site_gen.federation.collections.build_outbox` (the tests
compare them), but one page at a time: a page embeds the full objects of its posts, which
the worker processes fetch from the post cache, while the main process plans the pages
from the posts' metadata alone.

A page is written from its entries as bytes (`outbox_page_bytes`): each post's entry is made
once, where its object is built (`outbox_item`), and kept in the post cache beside it. The
canonical JSON of a list is its items' JSON joined by commas, so the page's bytes are the
same as serializing the whole page at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from site_gen.config import SiteConfig
from site_gen.content.model import Post

if TYPE_CHECKING:
    from site_gen.content.post_cache import PostCache

__all__ = [
    "OUTBOX_PAGE_SIZE",
    "outbox_chunks",
    "outbox_item",
    "outbox_items",
    "outbox_page",
    "outbox_page_bytes",
    "outbox_root",
]

OUTBOX_PAGE_SIZE = 20  # build_outbox's default
# Stands for the entries while the rest of a page is serialized: no URL holds a NUL.
_ITEMS_MARK = "\0outbox items\0"
_ITEMS_JSON = b'["\\u0000outbox items\\u0000"]'
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


def outbox_item(post: Post, note: dict[str, Any], config: SiteConfig) -> bytes:
    """The canonical JSON of `post`'s entry in the outbox, its Create around `note` (the
    object `build_object` made for the post's own document, maybe from `encoded_note`)."""
    from site_core.serialize import serialize_spliced
    from site_gen.federation.activities import create_of, embedded

    return serialize_spliced(embedded(create_of(post, note, config)))[:-1]  # no newline


def outbox_page_bytes(
    number: int, last: int, total: int, items: Sequence[bytes], config: SiteConfig
) -> bytes:
    """The serialized `outbox_page` whose entries are `items` (from `outbox_item`)."""
    from site_core.serialize import serialize

    page = outbox_page(number, last, total, (), config)
    page["orderedItems"] = [_ITEMS_MARK]
    head, mark, tail = serialize(page).partition(_ITEMS_JSON)
    if not mark:  # the serializer changed how it writes a NUL
        raise AssertionError("the outbox page's placeholder was not found")
    return b"".join((head, b"[", b",".join(items), b"]", tail))


def outbox_items(
    cache: PostCache,
    pairs: Sequence[tuple[str, str]],
    posts: Callable[[Sequence[tuple[str, str]]], list[Post]],
    config: SiteConfig,
) -> list[bytes]:
    """The entries of the posts `pairs` (cache key, source file) from the cache; those it
    lacks (a post with a conversation, a cache of an older version) are made from `posts`
    of the missing pairs, and stored."""
    from site_gen.federation.objects import build_object

    found = cache.outbox_items([key for key, _ in pairs])
    missing = [pair for pair in pairs if pair[0] not in found]
    if missing:
        made = [
            (key, outbox_item(post, build_object(post, config), config))
            for (key, _), post in zip(missing, posts(missing), strict=True)
        ]
        cache.put_outbox_items(made)
        found.update(made)
    return [found[key] for key, _ in pairs]
