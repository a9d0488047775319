"""Pages that list posts: the paginated index, one page per tag, and the archive.

Listings hold teasers (title and summary for articles, the full text for short notes), so
their size grows with the page size, not with the length of the posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from site_core.hashtags import hashtag_key
from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.theme import Theme
from site_gen.build.views import site_view
from site_gen.config import SiteConfig
from site_gen.content.model import Post

__all__ = [
    "index_order",
    "render_archive",
    "render_index_page",
    "render_index_pages",
    "render_tag_page",
    "render_tag_pages",
    "tag_counts",
]


def _path(config: SiteConfig, url: str) -> str:
    return output_path_for_url(config.urls.path_of(url))


def index_order(posts: Sequence[Post]) -> list[int]:
    """Indexes of `posts` in the order of the index pages: pinned first, then newest first."""
    pinned = [i for i, post in enumerate(posts) if post.pinned]
    return pinned + [i for i, post in enumerate(posts) if not post.pinned]


def render_index_page(
    number: int, count: int, views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> Artifact:
    """Page `number` of `count` of the index (the home page is 1), holding `views`."""
    urls = config.urls
    page = {
        "number": number,
        "count": count,
        "previous": urls.index_page(number - 1) if number > 1 else None,
        "next": urls.index_page(number + 1) if number < count else None,
    }
    html = theme.render(
        "index.html",
        site=site_view(config),
        page=page,
        posts=list(views),
        canonical=urls.index_page(number),
    )
    return html_artifact(_path(config, urls.index_page(number)), html)


def render_index_pages(
    posts: Sequence[Post], views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> list[Artifact]:
    """The home page and /page/N/: pinned posts first on page 1, then newest first."""
    ordered = [views[i] for i in index_order(posts)]
    size = config.posts_per_page
    count = max(1, -(-len(ordered) // size))
    return [
        render_index_page(n, count, ordered[(n - 1) * size : n * size], config, theme)
        for n in range(1, count + 1)
    ]


def tag_counts(posts: Sequence[Post]) -> dict[str, tuple[str, list[int]]]:
    """Tag key (`hashtag_key`) -> (name as first written, indexes of its posts in `posts`)."""
    tags: dict[str, tuple[str, list[int]]] = {}
    keys: dict[str, str] = {}  # a few dozen tags over thousands of posts: normalised once
    for index, post in enumerate(posts):
        for tag in post.tags:
            key = keys.get(tag)
            if key is None:
                key = keys[tag] = hashtag_key(tag)
            tags.setdefault(key, (tag, []))[1].append(index)
    return dict(sorted(tags.items()))


def render_tag_page(
    name: str, views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> Artifact:
    """The page of one tag (`name` as first written) listing `views`, newest first."""
    url = config.urls.tag_page(name)
    html = theme.render(
        "tag.html",
        site=site_view(config),
        tag={"name": name, "count": len(views)},
        posts=list(views),
        canonical=url,
    )
    return html_artifact(_path(config, url), html)


def render_tag_pages(
    posts: Sequence[Post], views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> list[Artifact]:
    return [
        render_tag_page(name, [views[i] for i in indexes], config, theme)
        for name, indexes in tag_counts(posts).values()
    ]


def render_archive(
    posts: Sequence[Post], views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> Artifact:
    """Every post by year, newest first, and every tag with its count."""
    years = [
        {"year": year, "posts": [view for _, view in group]}
        for year, group in groupby(
            zip(posts, views, strict=True), key=lambda pair: pair[0].published.year
        )
    ]
    tags = [
        {"name": name, "url": config.urls.tag_page(name), "count": len(indexes)}
        for name, indexes in tag_counts(posts).values()
    ]
    html = theme.render(
        "archive.html",
        site=site_view(config),
        years=years,
        tags=tags,
        canonical=config.urls.archive,
    )
    return html_artifact(_path(config, config.urls.archive), html)
