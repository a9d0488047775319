"""One post as an ActivityPub object (Note or Article), and its Tombstone.

Pure: a `Post` and the configuration in, a dict out. The rules are FEDERATION.md#post-rules:
Note by default with the full HTML (FEDERATION.md#note-by-default), Article only on request with
name, url and a plain-text summary (FEDERATION.md#article-fields), `summary` is a content warning
and never an excerpt (FEDERATION.md#content-warning), addressed Public + followers + mentioned
actors (FEDERATION.md#addressing, FEDERATION.md#mentions), and a reply to the author it answers
(FEDERATION.md#reply-addressing), and who may quote, reply, like and boost it
(FEDERATION.md#interaction-policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from site_core.context import POST_CONTEXT, PUBLIC
from site_core.interaction_policy import interaction_policy
from site_gen.federation.conversation_collections import collection_links

if TYPE_CHECKING:
    from site_gen.config import SiteConfig
    from site_gen.content.model import Mention, Post

__all__ = [
    "addressing",
    "build_object",
    "build_tombstone",
    "format_datetime",
    "published_posts",
]


def format_datetime(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` and whole seconds, the form every server parses
    (FEDERATION.md#object-fields)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def published_posts(posts: Iterable[Post]) -> list[Post]:
    """Posts that federate, newest first (slug breaks ties so the order is stable)."""
    visible = [post for post in posts if not post.draft]
    visible.sort(key=lambda post: post.slug)
    visible.sort(key=lambda post: post.published, reverse=True)
    return visible


def _addressees(post: Post) -> list[Mention]:
    """Every resolved mention, then the replied-to author unless already mentioned
    (FEDERATION.md#reply-addressing): each actor once, in that order."""
    found = [*post.mentions, *([post.replied.author] if post.replied else [])]
    first: dict[str, Mention] = {}
    for mention in found:
        if mention.actor_id:
            first.setdefault(mention.actor_id, mention)
    return list(first.values())


def addressing(post: Post, config: SiteConfig) -> dict[str, list[str]]:
    """Public post: Public in `to`; followers, every resolved mention and the replied-to author
    in `cc` (FEDERATION.md#addressing)."""
    cc = [config.urls.followers]
    cc += [m.actor_id for m in _addressees(post) if m.actor_id and m.actor_id not in cc]
    return {"to": [PUBLIC], "cc": cc}


def _tags(post: Post, config: SiteConfig) -> list[dict[str, str]]:
    # One Hashtag per tag page: `Café` and `cafe` are one tag to Mastodon (FEDERATION.md#hashtags);
    # the name keeps the author's first spelling, the href is the normalised page.
    pages: dict[str, str] = {}
    for tag in post.tags:
        pages.setdefault(config.urls.tag_page(tag), tag)
    tags: list[dict[str, str]] = [
        {"type": "Hashtag", "href": href, "name": f"#{tag}"} for href, tag in pages.items()
    ]
    tags += [
        {"type": "Mention", "href": m.actor_id, "name": m.handle}
        for m in _addressees(post)
        if m.actor_id
    ]
    return tags


def _attachments(post: Post) -> list[dict[str, Any]]:
    """Images as attachments, alt text as `name` (FEDERATION.md#image-attachments); inline
    <img> is never sent."""
    attachments = []
    for image in post.images:
        item: dict[str, Any] = {
            "type": "Image",
            "mediaType": image.media_type,
            "url": image.url,
            "name": image.alt,
        }
        if image.width:
            item["width"] = image.width
        if image.height:
            item["height"] = image.height
        attachments.append(item)
    return attachments


def build_object(post: Post, config: SiteConfig) -> dict[str, Any]:
    """The Note or Article served at `urls.post_object(slug)`, whose `id` is that URL."""
    urls = config.urls
    document: dict[str, Any] = {
        "@context": POST_CONTEXT,
        "id": urls.post_object(post.slug),
        "type": "Article" if post.kind == "article" else "Note",
        "attributedTo": urls.actor,
        "url": urls.post_page(post.slug),
        "published": format_datetime(post.published),
        **addressing(post, config),
        "content": post.federated_html,
        # FEDERATION.md#content-map: one entry, the same HTML, so the language is known.
        "contentMap": {post.lang: post.federated_html},
        # FEDERATION.md#cw-sensitive: a content warning always hides the post, not only its media.
        "sensitive": post.sensitive or bool(post.content_warning),
        "attachment": _attachments(post),
        "tag": _tags(post, config),
    }
    if post.kind == "article":
        document["name"] = post.title or post.slug
    if post.content_warning:
        document["summary"] = post.content_warning
    elif post.kind == "article" and post.summary:
        # FEDERATION.md#article-fields: Mastodon shows name + summary + link for an Article
        # (never for a Note).
        document["summary"] = post.summary
    if post.updated is not None and post.updated > post.published:
        document["updated"] = format_datetime(post.updated)
    if post.in_reply_to:
        document["inReplyTo"] = post.in_reply_to
    # FEDERATION.md#conversation-collections: every post names its collections.
    document.update(collection_links(post.slug, urls))
    # FEDERATION.md#quote-consent, FEDERATION.md#interaction-policy
    review, quotes = config.conversation.show_without_review, post.quotes or config.quotes
    document["interactionPolicy"] = interaction_policy(review, quotes, urls)
    if post.replied is not None and post.replied.context:
        # FEP-7888: the thread the replied-to post belongs to, as that post names it.
        document["context"] = post.replied.context
    else:
        document["context"] = urls.context_collection(post.slug)
    return document


def build_tombstone(object_id: str, config: SiteConfig) -> dict[str, Any]:
    """What a deleted object's URL may answer with (410 Gone and this body,
    FEDERATION.md#tombstones)."""
    return {"@context": POST_CONTEXT, "id": object_id, "type": "Tombstone"}
