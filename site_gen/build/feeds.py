"""The Atom feed of the newest posts, `/feed.xml`.

Its `updated` is the newest date among the posts, never the time of the build, so that
the same content gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.build.views import display_date, iso_date, public_summary
from site_gen.config import SiteConfig
from site_gen.content.model import Post

__all__ = ["FEED_LENGTH", "render_atom_feed"]

FEED_LENGTH = 20
_EPOCH = "2024-01-01T00:00:00Z"  # an empty site's feed: fixed, to stay deterministic


def _entry(post: Post, config: SiteConfig) -> str:
    urls = config.urls
    url = urls.post_page(post.slug)
    title = post.title or f"Note of {display_date(post.published)}"
    updated = iso_date(post.updated or post.published)
    categories = "".join(
        f"<category term={quoteattr(tag)} scheme={quoteattr(urls.tag_page(tag))}/>"
        for tag in post.tags
    )
    body = post.html
    if post.content_warning:
        body = f"<p><strong>Content warning: {escape(post.content_warning)}</strong></p>{body}"
    images = "".join(
        f'<p><img src={quoteattr(i.url)} alt={quoteattr(i.alt)} width="{i.width}"'
        f' height="{i.height}"></p>'
        for i in post.images
    )
    return (
        "<entry>"
        f"<id>{escape(url)}</id>"
        f"<title>{escape(title)}</title>"
        f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>'
        f"<published>{iso_date(post.published)}</published>"
        f"<updated>{updated}</updated>"
        f"<summary>{escape(public_summary(post))}</summary>"
        f'<content type="html">{escape(body + images)}</content>'
        f"{categories}"
        "</entry>\n"
    )


def render_atom_feed(posts: Sequence[Post], config: SiteConfig) -> Artifact:
    """`posts` newest first; the feed holds the first `FEED_LENGTH` of them."""
    urls = config.urls
    recent = list(posts[:FEED_LENGTH])
    updated = max((iso_date(p.updated or p.published) for p in recent), default=_EPOCH)
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>\n'
        f"<id>{escape(urls.home)}</id>\n"
        f"<title>{escape(config.title)}</title>\n"
        f"<subtitle>{escape(' '.join(config.bio.split()))}</subtitle>\n"
        f"<updated>{updated}</updated>\n"
        f"<author><name>{escape(config.display_name)}</name><uri>{escape(urls.profile)}</uri>"
        "</author>\n"
        f'<link rel="self" type="application/atom+xml" href={quoteattr(urls.atom_feed)}/>\n'
        f'<link rel="alternate" type="text/html" href={quoteattr(urls.home)}/>\n'
        f"<generator>{escape(config.software_name)}</generator>\n"
    )
    text = head + "".join(_entry(post, config) for post in recent) + "</feed>\n"
    return Artifact(
        output_path_for_url(urls.path_of(urls.atom_feed)),
        text.encode("utf-8"),
        "application/atom+xml",
    )
