"""View models: the plain dicts the templates see, built from the config and the posts.

Keeping the templates on plain data means a theme can be rewritten without knowing the
model, and the model can change without breaking themes. The pages that list posts by
title (tag pages, archive) are made from the posts' metadata only: there, `html` is empty.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from site_core.urls import ACTIVITY_JSON, STYLESHEET_PATH, UrlScheme
from site_gen.config import SiteConfig
from site_gen.content.model import Post

__all__ = [
    "STYLESHEET_PATH",
    "bio_line",
    "display_date",
    "iso_date",
    "post_view",
    "public_summary",
    "site_view",
]

HIGHLIGHT_STYLESHEET_PATH = "theme/highlight.css"
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def display_date(moment: datetime) -> str:
    """`1 May 2024`: the same text on every machine, whatever its locale."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def iso_date(moment: datetime) -> str:
    """`2024-05-01T12:00:00Z` (the time as it is: no conversion)."""
    if moment.year < 1000:  # strftime's %Y does not pad them to four digits on every libc
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # A format string costs a quarter of strftime, and every view has one or two of these.
    return (
        f"{moment.year}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def bio_line(config: SiteConfig) -> str:
    """The bio's first sentence: the one line an author card and a meta description show."""
    first = next(iter(config.bio_paragraphs), "")
    sentence, end, _ = first.partition(". ")
    return f"{sentence}{end.strip()}" if end else first


def site_view(config: SiteConfig) -> dict[str, Any]:
    """What every page needs: names, navigation, the footer's policy links."""
    urls = config.urls
    return {
        "lang": config.language,
        "title": config.title,
        "display_name": config.display_name,
        "bio": config.bio,
        "bio_line": bio_line(config),
        "handle": urls.handle,
        "base_url": urls.base_url,
        "home": urls.home,
        "archive": urls.archive,
        "profile": urls.profile,
        "privacy": urls.privacy,
        "age_policy": urls.age_policy,
        "feed": urls.atom_feed,
        "actor": urls.actor,
        "interact": urls.interact,
        "activity_json": ACTIVITY_JSON,
        "stylesheet": urls.stylesheet,
        "highlight_stylesheet": urls.asset(HIGHLIGHT_STYLESHEET_PATH),
        "avatar": urls.asset(config.avatar) if config.avatar else None,
        "indexable": config.indexable,
    }


def public_summary(post: Post) -> str:
    """The teaser that may be shown outside the post: never the text behind a content warning.

    Link previews (Mastodon's cards read `og:description`), feed readers and listings show it
    openly, so a post with a warning is described by its warning only (FEDERATION.md#cw-sensitive).
    """
    if post.content_warning:
        return f"Content warning: {post.content_warning}"
    return post.summary


@functools.lru_cache(maxsize=4096)
def _tag_url(urls: UrlScheme, tag: str) -> str:
    """A tag page's URL, made once per tag: every view of every post links its tags, and
    normalising and quoting a tag costs more than the rest of a listing's view."""
    return urls.tag_page(tag)


def post_view(post: Post, config: SiteConfig, reply_count: int = 0) -> dict[str, Any]:
    """One post as the templates see it (its HTML is trusted: the owner's own Markdown);
    `reply_count` is how many approved replies listings show next to it."""
    from markupsafe import Markup

    urls = config.urls
    images = [
        {"url": i.url, "alt": i.alt, "width": i.width, "height": i.height, "caption": i.caption}
        for i in post.images
    ]
    return {
        "slug": post.slug,
        "url": urls.post_page(post.slug),
        "object_id": urls.post_object(post.slug),
        "kind": post.kind,
        "title": post.title,
        "heading": post.title or f"Note of {display_date(post.published)}",
        "published_iso": iso_date(post.published),
        "published_display": display_date(post.published),
        "published_day": f"{post.published.day} {_MONTHS[post.published.month - 1]}",
        "updated_iso": iso_date(post.updated) if post.updated else None,
        "updated_display": display_date(post.updated) if post.updated else None,
        "tags": [{"name": tag, "url": _tag_url(urls, tag)} for tag in post.tags],
        "content_warning": post.content_warning,
        "sensitive": post.sensitive,
        "images": images,
        # The picture of a listing's card: never one behind a warning or marked sensitive.
        "cover": images[0] if images and not post.content_warning and not post.sensitive else None,
        "html": Markup(post.html),  # noqa: S704 (trusted: rendered from the owner's Markdown)
        "summary": public_summary(post),
        "in_reply_to": post.in_reply_to,
        # The author's handle when the build resolved it (FEDERATION.md#reply-addressing).
        "in_reply_to_author": post.replied.author.handle if post.replied else None,
        "lang": post.lang,
        "pinned": post.pinned,
        "draft": post.draft,
        "reply_count": reply_count,
    }
