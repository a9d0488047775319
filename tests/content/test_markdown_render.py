"""Markdown rendering: highlighting by class, hashtags at line starts, code kept aside."""

from __future__ import annotations

from site_gen.content.markdown_render import highlight_stylesheet, render_markdown


def test_fenced_code_is_highlighted_for_pages_and_plain_for_federation() -> None:
    rendered = render_markdown("Text\n\n```python\nimport os  # <b>\n```\n")
    assert 'data-code-block="0"' in rendered.html
    page = rendered.with_code(rendered.html, highlighted=True)
    assert '<div class="highlight">' in page
    assert '<span class="kn">import</span>' in page
    plain = rendered.with_code(rendered.html, highlighted=False)
    assert "<pre><code>import os  # &lt;b&gt;\n</code></pre>" in plain


def test_hashtag_at_line_start_is_not_a_heading() -> None:
    html = render_markdown("#gardens are lovely\n\n# A heading\n").html
    assert "<p>#gardens are lovely</p>" in html
    assert '<h1 id="a-heading">A heading</h1>' in html


def test_extra_features_and_stylesheet() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\nFoot[^1]\n\n[^1]: note\n").html
    assert "<table>" in html
    assert 'class="footnote"' in html
    css = highlight_stylesheet()
    assert ".highlight" in css
    assert "prefers-color-scheme: dark" in css
