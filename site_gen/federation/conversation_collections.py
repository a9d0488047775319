"""A post's conversation for the fediverse: `replies`, `likes`, `shares` and `context`.

Pure: the post's slug, the ids the owner approved and the configuration in, documents out
(FEDERATION.md#conversation-collections). Every published post has all four, empty ones
with `totalItems: 0`, so an object keeps its shape when its first reply is approved and a
remote server can walk any post the same way.

- `replies`: a Collection whose first page is embedded in the post's object (Mastodon 4.5
  walks it to fetch the reply tree); the pages list the direct replies and our own posts
  that answer the thread, `REPLIES_PAGE_SIZE` a page, each page also a static file;
- `likes`, `shares`: a Collection with `totalItems` only (who liked is the owner's to show
  on the page, not to list); without `totalItems` when the owner hides counts;
- `context` (FEP-7888): an OrderedCollection of the post and every approved reply of the
  thread, `attributedTo` our actor.

The objects in the outbox (and the Create sent to followers) carry the collections' ids
(and `replies` with its first page as a link) only, never their contents: a new reply
changes these documents and the post's static object, not what publishing compares, so
followers get no Update for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from site_core.context import POST_CONTEXT

if TYPE_CHECKING:
    from site_core.urls import UrlScheme

__all__ = [
    "REPLIES_PAGE_SIZE",
    "ConversationIds",
    "collection_links",
    "conversation_documents",
    "embedded_replies",
    "replies_page_count",
]

REPLIES_PAGE_SIZE = 20


class ConversationIds(NamedTuple):
    """What the collections list: approved items only, oldest first."""

    replies: tuple[str, ...] = ()  # direct replies, and our own posts in the thread
    thread: tuple[str, ...] = ()  # every approved reply of the thread, and our own posts
    likes: int | None = 0  # None: the owner hides the counts
    shares: int | None = 0


def replies_page_count(ids: ConversationIds) -> int:
    """Pages of `replies`: at least one (an empty first page says there are none)."""
    return max(1, -(-len(ids.replies) // REPLIES_PAGE_SIZE))


def collection_links(slug: str, urls: UrlScheme) -> dict[str, Any]:
    """What an object in the outbox and in sent activities says: `replies` in Mastodon's
    shape with its first page as a link, the other collections by id; nothing that changes
    with the conversation."""
    return {
        "replies": {
            "id": urls.replies_collection(slug),
            "type": "Collection",
            "first": urls.replies_page(slug, 1),
        },
        "likes": urls.likes_collection(slug),
        "shares": urls.shares_collection(slug),
    }


def _replies_page(slug: str, ids: ConversationIds, number: int, urls: UrlScheme) -> dict[str, Any]:
    start = (number - 1) * REPLIES_PAGE_SIZE
    page: dict[str, Any] = {
        "id": urls.replies_page(slug, number),
        "type": "CollectionPage",
        "partOf": urls.replies_collection(slug),
        "items": list(ids.replies[start : start + REPLIES_PAGE_SIZE]),
    }
    if number < replies_page_count(ids):
        page["next"] = urls.replies_page(slug, number + 1)
    return page


def embedded_replies(slug: str, ids: ConversationIds, urls: UrlScheme) -> dict[str, Any]:
    """The `replies` Collection with its first page embedded (no @context: it is embedded
    in the object, and the static document adds one)."""
    return {
        "id": urls.replies_collection(slug),
        "type": "Collection",
        "totalItems": len(ids.replies),
        "first": _replies_page(slug, ids, 1, urls),
    }


def _counted(url: str, total: int | None) -> dict[str, Any]:
    document: dict[str, Any] = {"@context": POST_CONTEXT, "id": url, "type": "Collection"}
    if total is not None:
        document["totalItems"] = total
    return document


def _context(slug: str, object_id: str, thread: Sequence[str], urls: UrlScheme) -> dict[str, Any]:
    items = [object_id, *thread]
    return {
        "@context": POST_CONTEXT,
        "id": urls.context_collection(slug),
        "type": "OrderedCollection",
        "attributedTo": urls.actor,
        "totalItems": len(items),
        "orderedItems": items,
    }


def conversation_documents(
    slug: str, ids: ConversationIds, urls: UrlScheme
) -> list[tuple[str, dict[str, Any]]]:
    """(id, document) of every collection of the post, each served at its id."""
    documents = [
        (
            urls.replies_collection(slug),
            {"@context": POST_CONTEXT, **embedded_replies(slug, ids, urls)},
        )
    ]
    documents += [
        (
            urls.replies_page(slug, n),
            {"@context": POST_CONTEXT, **_replies_page(slug, ids, n, urls)},
        )
        for n in range(1, replies_page_count(ids) + 1)
    ]
    documents += [
        (urls.likes_collection(slug), _counted(urls.likes_collection(slug), ids.likes)),
        (urls.shares_collection(slug), _counted(urls.shares_collection(slug), ids.shares)),
        (urls.context_collection(slug), _context(slug, urls.post_object(slug), ids.thread, urls)),
    ]
    return documents
