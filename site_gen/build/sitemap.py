"""`sitemap.xml` and `robots.txt`: what search engines may see, following `indexable`."""

from __future__ import annotations

from collections.abc import Sequence

from site_gen.build.artifacts import Artifact
from site_gen.build.listing_pages import tag_counts
from site_gen.build.views import iso_date
from site_gen.config import SiteConfig
from site_gen.content.model import Post
from site_gen.xml_escape import xml_text

__all__ = ["render_robots", "render_sitemap"]


def render_sitemap(posts: Sequence[Post], config: SiteConfig) -> Artifact:
    """Every HTML page a reader can land on; posts carry their last modification date."""
    urls = config.urls
    # A build with --drafts shows drafts for preview; search engines never learn of them.
    posts = [post for post in posts if not post.draft]
    entries: list[tuple[str, str | None]] = [
        (urls.home, None),
        (urls.archive, None),
        (urls.profile, None),
        (urls.privacy, None),
        (urls.age_policy, None),
    ]
    entries += [(urls.post_page(p.slug), iso_date(p.updated or p.published)) for p in posts]
    entries += [(urls.tag_page(name), None) for name, _ in tag_counts(posts).values()]
    lines = ['<?xml version="1.0" encoding="utf-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for url, modified in entries:
        lastmod = f"<lastmod>{modified}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{xml_text(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return Artifact("sitemap.xml", "\n".join(lines).encode("utf-8"), "application/xml")


def render_robots(config: SiteConfig) -> Artifact:
    """Allow everything when `indexable`, else ask crawlers to stay away (item on indexable)."""
    rules = "Allow: /" if config.indexable else "Disallow: /"
    text = f"User-agent: *\n{rules}\n\nSitemap: {config.urls.sitemap}\n"
    return Artifact("robots.txt", text.encode("utf-8"), "text/plain; charset=utf-8")
