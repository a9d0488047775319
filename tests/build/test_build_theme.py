"""The default theme's promises, checked on a built site rather than on the golden bytes.

Every image sized, only the first one of a page loaded at once, captions under pictures,
links that name where they go, an author card with the follow form, no script and no inline
style, and markup whose elements nest and close as HTML requires.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_gen.build.pipeline import build_site
from site_gen.config import load_config

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_BLOCK = {"article", "div", "figure", "footer", "form", "h1", "h2", "header", "ol", "p", "section"}
_BLOCK |= {"ul", "nav", "details", "table", "pre", "blockquote", "dl", "main", "aside"}
_TWO_PICTURES = """\
---
title: Two pictures
date: 2030-01-02
summary: A tulip bed and a wheel.
images:
  - src: images/tulips.png
    alt: Three tulips in a bed.
  - src: images/wheel.png
    alt: A bicycle wheel.
    caption: The front wheel, trued at last.
---
Two pictures of the spring.
"""


class _Page(HTMLParser):
    """The page's images and links, and every way its elements fail to nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if "style" in found or tag in {"script", "style"}:
            self.problems.append(f"inline {tag} {found}")
        if tag == "img":
            self.images.append(found)
        if tag in _BLOCK and self.open and self.open[-1] == "p":
            self.problems.append(f"<{tag}> inside <p>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else ''}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text("utf-8"))
    page.close()
    assert page.problems == [], (path, page.problems)
    assert page.open == [], (path, page.open)
    assert len(page.ids) == len(set(page.ids)), (path, page.ids)
    return page


@pytest.fixture
def output(sample_site: Path) -> Path:
    (sample_site / "posts" / "2030-01-02-two-pictures.md").write_text(_TWO_PICTURES, "utf-8")
    return build_site(load_config(sample_site), jobs=1, offline=True).output


def test_every_page_is_well_formed_sized_and_free_of_script(output: Path) -> None:
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        page = _parse(path)
        for image in page.images:
            assert image.get("width"), (path, image)
            assert image.get("height"), (path, image)
            assert image.get("alt") is not None, (path, image)
        # Only the first picture of a page is fetched at once (a listing's or a post's).
        eager = [image for image in page.images if image.get("loading") != "lazy"]
        assert len(eager) <= 2, (path, eager)  # the author card's avatar, one picture


def test_a_post_shows_its_pictures_as_figures_the_first_not_lazy(output: Path) -> None:
    html = (output / "posts" / "two-pictures" / "index.html").read_text("utf-8")
    figures = re.findall(r'<figure class="post-image">.*?</figure>', html, re.DOTALL)
    assert len(figures) == 2
    assert 'alt="Three tulips in a bed."' in figures[0]
    assert "loading=" not in figures[0]
    assert "<figcaption>" not in figures[0]
    assert 'loading="lazy"' in figures[1]
    assert "<figcaption>The front wheel, trued at last.</figcaption>" in figures[1]
    assert 'class="author-card p-author h-card"' in html
    assert 'id="author-follow-handle"' in html


def test_the_home_page_leads_with_the_author_and_names_its_links(output: Path) -> None:
    html = (output / "index.html").read_text("utf-8")
    card = html.index('class="author-card h-card"')
    first = html.index('<article class="h-entry card"')
    assert card < first  # who writes here, then what they wrote
    assert "Writes about gardens, bicycles and small software." in html
    assert 'Read more<span class="visually-hidden">: Two pictures</span></a>' in html
    cover = re.search(r'<figure class="card-image">\s*<img [^>]*>', html)
    assert cover is not None
    assert "loading=" not in cover.group(0)
    assert 'class="h-entry note"' in html  # notes are short entries, not cards


def test_the_archive_groups_by_year_and_the_profile_lists_recent_posts(output: Path) -> None:
    archive = (output / "archive" / "index.html").read_text("utf-8")
    assert '<h2 id="year-2030">2030</h2>' in archive
    assert '<time datetime="2030-01-02T00:00:00Z">2 January</time>' in archive
    profile = (output / "profile" / "index.html").read_text("utf-8")
    recent = profile[profile.index('<h2 id="recent">') :]
    assert recent.index(">Two pictures</a>") < recent.index(">How this site talks")
    assert 'width="1500" height="500"' in profile  # the header image


def test_the_profile_follows_its_newest_posts_on_a_rebuild(sample_site: Path) -> None:
    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    post = sample_site / "posts" / "2024-04-01-static-sites.md"
    text = post.read_text("utf-8")
    post.write_text(text.replace("title: How this site talks", "title: How this site speaks"))
    output = build_site(config, jobs=1, offline=True).output  # as many posts as before
    profile = (output / "profile" / "index.html").read_text("utf-8")
    assert ">How this site speaks to the fediverse</a>" in profile
