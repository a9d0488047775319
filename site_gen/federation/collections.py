"""The static collections: the paged outbox, featured, featured tags, following, followers.

Newest first everywhere. The outbox is an OrderedCollection with `totalItems` and `first`/`last`
links to OrderedCollectionPage documents of Create activities that embed their objects
(FEDERATION.md#outbox); `featured` embeds the pinned objects, because pinned posts are the only
older posts a new Mastodon follower sees (FEDERATION.md#featured).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from site_core.context import POST_CONTEXT
from site_core.hashtags import hashtag_key
from site_gen.federation.activities import build_create, embedded
from site_gen.federation.objects import build_object, published_posts

if TYPE_CHECKING:
    from site_gen.config import SiteConfig
    from site_gen.content.model import Post

__all__ = [
    "FEATURED_TAGS_LIMIT",
    "build_featured",
    "build_featured_tags",
    "build_followers_placeholder",
    "build_following",
    "build_outbox",
]

FEATURED_TAGS_LIMIT = 10


def build_outbox(
    posts: Sequence[Post], config: SiteConfig, page_size: int = 20
) -> list[tuple[str, dict[str, Any]]]:
    """(URL, document) for the outbox and each of its pages; page 1 holds the newest posts.

    A site without posts still gets one empty page, so `first` always resolves.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    urls = config.urls
    visible = published_posts(posts)
    chunks = [visible[i : i + page_size] for i in range(0, len(visible), page_size)] or [[]]
    last = len(chunks)
    documents: list[tuple[str, dict[str, Any]]] = [
        (
            urls.outbox,
            {
                "@context": POST_CONTEXT,
                "id": urls.outbox,
                "type": "OrderedCollection",
                "totalItems": len(visible),
                "first": urls.outbox_page(1),
                "last": urls.outbox_page(last),
            },
        )
    ]
    for number, chunk in enumerate(chunks, start=1):
        page: dict[str, Any] = {
            "@context": POST_CONTEXT,
            "id": urls.outbox_page(number),
            "type": "OrderedCollectionPage",
            "partOf": urls.outbox,
            "totalItems": len(visible),
            "orderedItems": [embedded(build_create(post, config)) for post in chunk],
        }
        if number < last:
            page["next"] = urls.outbox_page(number + 1)
        if number > 1:
            page["prev"] = urls.outbox_page(number - 1)
        documents.append((urls.outbox_page(number), page))
    return documents


def build_featured(posts: Sequence[Post], config: SiteConfig) -> dict[str, Any]:
    """The pinned posts, embedded, newest first (FEDERATION.md#featured)."""
    pinned = [post for post in published_posts(posts) if post.pinned]
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.featured,
        "type": "OrderedCollection",
        "totalItems": len(pinned),
        "orderedItems": [embedded(build_object(post, config)) for post in pinned],
    }


def build_featured_tags(posts: Sequence[Post], config: SiteConfig) -> dict[str, Any]:
    """The most used tags as Hashtags (Mastodon's `featuredTags`), most used first."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for post in published_posts(posts):
        for tag in post.tags:
            key = hashtag_key(tag)
            counts[key] += 1
            spelling.setdefault(key, tag)
    ranked = sorted(counts, key=lambda key: (-counts[key], key))[:FEATURED_TAGS_LIMIT]
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.featured_tags,
        "type": "Collection",
        "totalItems": len(ranked),
        "items": [
            {
                "type": "Hashtag",
                "href": config.urls.tag_page(key),
                "name": f"#{spelling[key]}",
            }
            for key in ranked
        ],
    }


def _empty_collection(url: str) -> dict[str, Any]:
    return {
        "@context": POST_CONTEXT,
        "id": url,
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }


def build_following(config: SiteConfig) -> dict[str, Any]:
    """Whom this actor follows: nobody (a static site follows no one)."""
    return _empty_collection(config.urls.following)


def build_followers_placeholder(config: SiteConfig) -> dict[str, Any]:
    """A static stand-in at the followers path; the function serves the live collection."""
    return _empty_collection(config.urls.followers)
