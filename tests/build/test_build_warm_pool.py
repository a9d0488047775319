"""The worker pool starts from a parent that compiled the theme first; the theme's other files
stay as harmless as before: a template no page uses may be broken, a stray file binary."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from site_gen.build.pipeline import build_site
from site_gen.build.post_rendering import POOL_THRESHOLD
from site_gen.config import load_config


def _posts(site: Path, count: int) -> None:
    for i in range(count):
        (site / "posts" / f"warm-{i:03d}.md").write_text(
            f"---\ntitle: Warm {i}\ndate: 2023-02-{1 + i % 28:02d} 10:00:00\n---\n"
            f"Post {i}.\n\n```python\nprint({i})\n```\n",
            encoding="utf-8",
        )


def test_a_broken_template_no_page_uses_does_not_stop_a_pool_build(sample_site: Path) -> None:
    _posts(sample_site, POOL_THRESHOLD + 10)  # the pool renders them
    templates = sample_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "unused.html").write_text("{% if %}never closed", encoding="utf-8")
    (templates / "logo.html").write_bytes(b"\xff\xfe\x00binary")
    report = build_site(load_config(sample_site), jobs=2, offline=True)
    assert report.rendered == POOL_THRESHOLD + 18
    assert (report.output / "posts" / "warm-001" / "index.html").is_file()


def test_a_broken_template_a_page_uses_still_stops_the_build(sample_site: Path) -> None:
    _posts(sample_site, POOL_THRESHOLD + 10)
    templates = sample_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "post.html").write_text("{% if %}never closed", encoding="utf-8")
    with pytest.raises(jinja2.TemplateSyntaxError, match="Expected an expression"):
        build_site(load_config(sample_site), jobs=2, offline=True)
