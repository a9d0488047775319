"""The Atom feed of the newest posts, `/feed.xml`.

Its `updated` is the newest date among the posts, never the time of the build, so that
the same content gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from site_core.urls import output_path_for_url
from site_gen.build.artifacts import Artifact
from site_gen.build.views import display_date, iso_date, public_summary
from site_gen.config import SiteConfig
from site_gen.content.model import Post
from site_gen.xml_escape import xml_attribute, xml_text

__all__ = ["FEED_LENGTH", "render_atom_feed"]

FEED_LENGTH = 20
_EPOCH = "2024-01-01T00:00:00Z"  # an empty site's feed: fixed, to stay deterministic


def _entry(post: Post, config: SiteConfig) -> str:
    urls = config.urls
    url = urls.post_page(post.slug)
    title = post.title or f"Note of {display_date(post.published)}"
    updated = iso_date(post.updated or post.published)
    categories = "".join(
        f"<category term={xml_attribute(tag)} scheme={xml_attribute(urls.tag_page(tag))}/>"
        for tag in post.tags
    )
    body = post.html
    if post.content_warning:
        body = f"<p><strong>Content warning: {xml_text(post.content_warning)}</strong></p>{body}"
    images = "".join(
        f'<p><img src={xml_attribute(i.url)} alt={xml_attribute(i.alt)} width="{i.width}"'
        f' height="{i.height}"></p>'
        for i in post.images
    )
    return (
        "<entry>"
        f"<id>{xml_text(url)}</id>"
        f"<title>{xml_text(title)}</title>"
        f'<link rel="alternate" type="text/html" href={xml_attribute(url)}/>'
        f"<published>{iso_date(post.published)}</published>"
        f"<updated>{updated}</updated>"
        f"<summary>{xml_text(public_summary(post))}</summary>"
        f'<content type="html">{xml_text(body + images)}</content>'
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
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={xml_attribute(config.language)}>\n'
        f"<id>{xml_text(urls.home)}</id>\n"
        f"<title>{xml_text(config.title)}</title>\n"
        f"<subtitle>{xml_text(' '.join(config.bio.split()))}</subtitle>\n"
        f"<updated>{updated}</updated>\n"
        f"<author><name>{xml_text(config.display_name)}</name><uri>{xml_text(urls.profile)}</uri>"
        "</author>\n"
        f'<link rel="self" type="application/atom+xml" href={xml_attribute(urls.atom_feed)}/>\n'
        f'<link rel="alternate" type="text/html" href={xml_attribute(urls.home)}/>\n'
        f"<generator>{xml_text(config.software_name)}</generator>\n"
    )
    text = head + "".join(_entry(post, config) for post in recent) + "</feed>\n"
    return Artifact(
        output_path_for_url(urls.path_of(urls.atom_feed)),
        text.encode("utf-8"),
        "application/atom+xml",
    )
