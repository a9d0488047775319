"""One Markdown source file into one immutable `Post`.

This runs in the worker processes of the build, so it takes plain values (the file's bytes,
the configuration, already resolved mentions) and touches the disk only to see that the
images a post names (attached or inline) are under static/, and to read their sizes.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import os
import re
from collections.abc import Mapping
from pathlib import Path

from site_core.errors import ContentError
from site_core.hashtags import hashtag_key
from site_core.urls import SLUG_PATTERN
from site_gen.config import SiteConfig
from site_gen.content.front_matter import (
    FrontMatter,
    ImageSpec,
    image_line,
    parse_front_matter,
    slug_from_filename,
    split_source,
)
from site_gen.content.image_size import image_size
from site_gen.content.inline_images import size_inline_images
from site_gen.content.local_images import inline_image_problem, missing_image
from site_gen.content.markdown_render import render_markdown
from site_gen.content.model import Image, Mention, Post, RepliedPost

__all__ = [
    "SUMMARY_LENGTH",
    "merge_tags",
    "plain_summary",
    "read_post",
    "read_source",
    "source_hash",
]

SUMMARY_LENGTH = 200
_TAG_RE = re.compile(r"<[^>]+>")


def read_source(path: str | Path) -> bytes:
    """The bytes of a source file in four system calls (open, fstat, read, close): each
    changed source is read twice a build, and `Path.read_bytes` adds an `isatty` ioctl, two
    seeks and a second read to every file."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(descriptor).st_size
        data = os.read(descriptor, size + 1)  # one more byte: a file that grew is read to its end
        if len(data) <= size:
            return data
        chunks = [data]
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def source_hash(data: bytes) -> str:
    """The content hash of a source file: the key of the render caches."""
    return hashlib.sha256(data).hexdigest()


def plain_summary(body_html: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first paragraph as plain text, cut at a word boundary: the teaser of listings.

    The paragraph is the text between the first `<p>` and the first `</p>` after it (what
    a lazy `<p>(.*?)</p>` finds), its whitespace runs made single spaces by split and join
    (the same whitespace as `\\s`, a third of the cost of replacing each run).
    """
    start = body_html.find("<p>")
    end = body_html.find("</p>", start + 3) if start >= 0 else -1
    text = body_html[start + 3 : end] if end >= 0 else body_html
    text = " ".join(html.unescape(_TAG_RE.sub("", text)).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return f"{cut}…"


def merge_tags(front: tuple[str, ...], inline: tuple[str, ...]) -> tuple[str, ...]:
    """Front-matter tags first, then inline #hashtags, one per tag as Mastodon sees it
    (FEDERATION.md#hashtags)."""
    seen: set[str] = set()
    merged: list[str] = []
    for tag in (*front, *inline):
        key = hashtag_key(tag)
        if key not in seen:
            seen.add(key)
            merged.append(tag)
    return tuple(merged)


def _image(spec: ImageSpec, config: SiteConfig, path: Path, yaml_text: str) -> Image:
    file = config.static_dir / spec.src
    missing = missing_image(config.static_dir, spec.src, spec.src)
    if missing is not None:
        raise ContentError(missing, path, image_line(yaml_text, spec.index))
    width, height = spec.width, spec.height
    if width is None or height is None:
        size = image_size(file)
        if size is None:
            raise ContentError(
                f"cannot read the size of '{spec.src}': give width and height",
                path,
                image_line(yaml_text, spec.index),
            )
        width, height = width or size[0], height or size[1]
    media_type = mimetypes.guess_type(spec.src)[0] or "application/octet-stream"
    url = config.urls.asset(spec.src)
    return Image(url, spec.src, spec.alt, media_type, width, height, spec.caption)


def _slug(front: FrontMatter, path: Path) -> str:
    slug = front.slug or slug_from_filename(path)
    if not SLUG_PATTERN.match(slug):
        raise ContentError(
            f"the file name gives the slug '{slug}', which is not lowercase letters, digits and"
            " dashes: rename the file or set 'slug'",
            path,
            1,
        )
    return slug


def read_post(
    path: Path,
    data: bytes,
    config: SiteConfig,
    mentions: Mapping[str, Mention],
    replies: Mapping[str, RepliedPost] | None = None,
) -> Post:
    """Build the `Post` of one file; `mentions` maps each handle it may contain to its actor,
    `replies` each replied-to URL to its author (when the build could learn it)."""
    from site_gen.content.mentions import extract_mentions, normalize_handle
    from site_gen.content.social_html import link_tags_and_mentions, to_federated_html

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not UTF-8 text ({exc.reason})", path) from None
    yaml_text, body, body_line = split_source(text, path)
    front = parse_front_matter(yaml_text, path)
    rendered = render_markdown(body)
    slug = _slug(front, path)
    images = tuple(_image(spec, config, path, yaml_text) for spec in front.images)
    page_path = config.urls.path_of(config.urls.post_page(slug))
    missing = inline_image_problem(rendered.html, body, body_line, config.static_dir, page_path)
    if missing is not None:
        raise ContentError(missing[0], path, missing[1])
    handles = extract_mentions(body) if "@" in body else ()
    post_mentions = {
        normalize_handle(h): mentions.get(normalize_handle(h), Mention(h, None)) for h in handles
    }
    linked_html, inline_tags = link_tags_and_mentions(rendered.html, config.urls, post_mentions)
    return Post(
        source=path,
        slug=slug,
        kind="article" if front.kind == "article" else "note",
        title=front.title,
        published=front.date,
        updated=front.updated,
        tags=merge_tags(front.tags, inline_tags),
        lang=front.lang or config.language,
        content_warning=front.content_warning,
        sensitive=front.sensitive,
        images=images,
        pinned=front.pinned,
        in_reply_to=front.in_reply_to,
        summary=front.summary or plain_summary(rendered.html),
        html=size_inline_images(
            rendered.with_code(linked_html, highlighted=True), config.static_dir, page_path
        ),
        federated_html=to_federated_html(
            rendered.with_code(linked_html, highlighted=False),
            base_url=config.urls.post_page(slug),
        ),
        mentions=tuple(post_mentions.values()),
        content_hash=source_hash(data),
        draft=front.draft,
        quotes=front.quotes,
        replied=(replies or {}).get(front.in_reply_to) if front.in_reply_to else None,
    )
