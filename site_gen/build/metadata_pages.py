"""Pages made from the posts' metadata alone: tag pages, the archive and the sitemap.

The main process renders them (it holds the metadata) while the workers render the pages
that show post content. Each has the hash of exactly its inputs, the metadata digests of
the posts it lists, so a rebuild skips the ones an edit did not touch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.build.listing_pages import render_archive, render_tag_page, tag_counts
from site_gen.build.post_rendering import PostEntry, page_hash
from site_gen.build.sitemap import render_sitemap
from site_gen.build.theme import Theme
from site_gen.build.views import post_view
from site_gen.config import SiteConfig

__all__ = ["metadata_pages"]


def metadata_pages(
    model: Sequence[PostEntry],
    config: SiteConfig,
    theme: Theme,
    site_fingerprint: str,
    is_kept: Callable[[str, str], bool],
    page_hashes: dict[str, str],
    reply_count: Callable[[str], int] = lambda _slug: 0,
) -> list[Artifact | str]:
    """Tag pages, the archive and the sitemap: made from metadata only (a path string where
    the output's file is still valid); `reply_count(slug)` is what the listings show."""
    posts = [entry.post for entry in model]
    views: dict[int, dict[str, Any]] = {}
    # A listing row is the post's metadata and its reply count.
    rows = [f"{entry.row_digest}:{reply_count(entry.post.slug)}" for entry in model]

    def view(index: int) -> dict[str, Any]:
        if index not in views:
            views[index] = post_view(posts[index], config, reply_count(posts[index].slug))
        return views[index]

    items: list[Artifact | str] = []
    counts = tag_counts(posts)
    for name, indexes in counts.values():
        path = output_path_for_url(config.urls.path_of(config.urls.tag_page(name)))
        hash_ = page_hash(site_fingerprint, "tag", name, *(rows[i] for i in indexes))
        page_hashes[path] = hash_
        if is_kept(path, hash_):
            items.append(path)
        else:
            items.append(render_tag_page(name, [view(i) for i in indexes], config, theme))
    path = output_path_for_url(config.urls.path_of(config.urls.archive))
    tags = [f"{name}:{len(indexes)}" for name, indexes in counts.values()]
    hash_ = page_hash(site_fingerprint, "archive", *tags, *rows)
    page_hashes[path] = hash_
    if is_kept(path, hash_):
        items.append(path)
    else:
        items.append(render_archive(posts, [view(i) for i in range(len(posts))], config, theme))
    hash_ = page_hash(site_fingerprint, "sitemap", *(entry.row_digest for entry in model))
    page_hashes["sitemap.xml"] = hash_
    items.append("sitemap.xml" if is_kept("sitemap.xml", hash_) else render_sitemap(posts, config))
    return items
