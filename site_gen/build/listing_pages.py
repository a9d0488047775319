"""Pages that list posts: the paginated index, one page per tag, and the archive.

Listings hold teasers (title and summary for articles, the full text for short notes), so
their size grows with the page size, not with the length of the posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from site_gen.build.artifacts import Artifact, html_artifact
from site_gen.build.theme import Theme
from site_gen.build.views import site_view
from site_gen.config import SiteConfig
from site_gen.content.model import Post
from site_gen.federation.urls import output_path_for_url

__all__ = ["render_archive", "render_index_pages", "render_tag_pages", "tag_counts"]


def _path(config: SiteConfig, url: str) -> str:
    return output_path_for_url(config.urls.path_of(url))


def render_index_pages(
    posts: Sequence[Post], views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> list[Artifact]:
    """The home page and /page/N/: pinned posts first on page 1, then newest first."""
    urls = config.urls
    pinned = [view for post, view in zip(posts, views, strict=True) if post.pinned]
    rest = [view for post, view in zip(posts, views, strict=True) if not post.pinned]
    ordered = pinned + rest
    size = config.posts_per_page
    count = max(1, -(-len(ordered) // size))
    site = site_view(config)
    artifacts = []
    for number in range(1, count + 1):
        page = {
            "number": number,
            "count": count,
            "previous": urls.index_page(number - 1) if number > 1 else None,
            "next": urls.index_page(number + 1) if number < count else None,
        }
        html = theme.render(
            "index.html",
            site=site,
            page=page,
            posts=ordered[(number - 1) * size : number * size],
            canonical=urls.index_page(number),
        )
        artifacts.append(html_artifact(_path(config, urls.index_page(number)), html))
    return artifacts


def tag_counts(posts: Sequence[Post]) -> dict[str, tuple[str, list[int]]]:
    """Lowercased tag -> (name as first written, indexes of its posts in `posts`)."""
    tags: dict[str, tuple[str, list[int]]] = {}
    for index, post in enumerate(posts):
        for tag in post.tags:
            tags.setdefault(tag.lower(), (tag, []))[1].append(index)
    return dict(sorted(tags.items()))


def render_tag_pages(
    posts: Sequence[Post], views: Sequence[dict[str, Any]], config: SiteConfig, theme: Theme
) -> list[Artifact]:
    site = site_view(config)
    artifacts = []
    for name, indexes in tag_counts(posts).values():
        url = config.urls.tag_page(name)
        html = theme.render(
            "tag.html",
            site=site,
            tag={"name": name, "count": len(indexes)},
            posts=[views[i] for i in indexes],
            canonical=url,
        )
        artifacts.append(html_artifact(_path(config, url), html))
    return artifacts


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
