"""What a build shows outside a post: never the text or image behind a warning, no drafts.

Link previews (Mastodon's cards read og:description and og:image), feed readers' summaries
and search engines' sitemaps show these openly, so a content warning (FEDERATION.md#cw-sensitive), a
sensitive
image and a draft must stay out of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from site_gen.build.pipeline import build_site
from site_gen.config import load_config

_CW_BODY = "Caught my finger"  # the text behind the warning of posts/chain-accident


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


def test_content_warning_hides_text_and_image_from_previews(sample_site: Path) -> None:
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    assert report.output is not None
    head = _head((report.output / "posts/chain-accident/index.html").read_text("utf-8"))
    assert _CW_BODY not in head
    assert 'content="Content warning: minor injury' in head
    assert "og:image" not in head
    feed = (report.output / "feed.xml").read_text("utf-8")
    summaries = re.findall(r"<summary>(.*?)</summary>", feed)
    assert summaries
    assert not any(_CW_BODY in summary for summary in summaries)


def test_sensitive_images_are_behind_a_click_and_not_previewed(sample_site: Path) -> None:
    post = sample_site / "posts" / "2024-03-10-spring-garden.md"
    post.write_text(post.read_text("utf-8").replace("date:", "sensitive: true\ndate:", 1))
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    assert report.output is not None
    html = (report.output / "posts/spring-garden/index.html").read_text("utf-8")
    assert "og:image" not in _head(html)
    hidden = html.split('<details class="sensitive-media">', 1)
    assert len(hidden) == 2
    assert "tulips.png" in hidden[1].split("</details>", 1)[0]


def test_a_drafts_build_keeps_drafts_out_of_search_and_federation(sample_site: Path) -> None:
    report = build_site(load_config(sample_site), jobs=1, offline=True, drafts=True)
    assert report.output is not None
    page = (report.output / "posts/summer-plans/index.html").read_text("utf-8")
    head = _head(page)
    assert '<meta name="robots" content="noindex">' in head
    assert "application/activity+json" not in head  # no object exists for a draft
    assert not (report.output / "ap/posts/summer-plans").exists()
    for name in ("sitemap.xml", "feed.xml", "ap/outbox-pages/1", "ap/featured-tags"):
        assert "summer-plans" not in (report.output / name).read_text("utf-8"), name
