"""Front matter: every key validated, errors located by file and line, dates in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from site_gen.content.front_matter import parse_front_matter, slug_from_filename, split_source
from site_core.errors import ContentError

PATH = Path("posts/x.md")


def test_defaults_and_kinds() -> None:
    note = parse_front_matter("date: 2024-05-01\ntags: [a, A, b]", PATH)
    assert note.kind == "note"
    assert note.title is None
    assert note.date == datetime(2024, 5, 1, tzinfo=UTC)
    assert note.tags == ("a", "b")
    article = parse_front_matter("title: Hi\ndate: 2024-05-01 10:00:00", PATH)
    assert article.kind == "article"
    assert article.date == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_offset_dates_become_utc() -> None:
    front = parse_front_matter("date: 2024-05-01T12:00:00+02:00", PATH)
    assert front.date == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_content_warning_implies_sensitive() -> None:
    front = parse_front_matter("date: 2024-05-01\ncontent_warning: spiders", PATH)
    assert front.sensitive
    assert front.content_warning == "spiders"


@pytest.mark.parametrize(
    ("yaml_text", "message", "line"),
    [
        (
            "date: 2024-05-01\ntitel: x",
            "unknown front matter key 'titel' (did you mean 'title'?)",
            3,
        ),
        ("date: 2024-05-01\npinned: yes please", "'pinned' must be true or false", 3),
        ("date: 2024-05-01\nin_reply_to: http://x.example/1", "'in_reply_to' must be an https", 3),
        ("date: 2024-05-01\ndate: 2024-05-02", "key 'date' appears twice", 3),
        ("tags: [a]", "missing required key 'date'", 1),
        ("date: 2024-05-01\nslug: Not OK", "'slug' must be lowercase", 3),
        (
            "date: 2024-05-01\nimages:\n  - src: a.png\n    alt: ok\n  - src: b.png",
            "needs 'alt'",
            6,
        ),
        ("date: 2024-05-01\ntype: article", "an article needs a 'title'", 3),
        ("date: 2024-05-01\ntitle: a: b", "not valid YAML", 3),
    ],
)
def test_errors_name_the_line(yaml_text: str, message: str, line: int) -> None:
    with pytest.raises(ContentError) as caught:
        parse_front_matter(yaml_text, PATH)
    assert message in caught.value.message
    assert caught.value.line == line
    assert caught.value.path == PATH


def test_split_source_and_slug() -> None:
    yaml_text, body, body_line = split_source("---\ndate: 2024-05-01\n---\nHello\n", PATH)
    assert (yaml_text, body, body_line) == ("date: 2024-05-01", "Hello\n", 4)
    with pytest.raises(ContentError, match="start with '---'"):
        split_source("Hello", PATH)
    assert slug_from_filename(Path("2024-05-01-Hello-World.md")) == "hello-world"
    assert slug_from_filename(Path("post-7.md")) == "post-7"


@pytest.mark.parametrize("tag", ["..", ".", "a/b", "a\\\\b", "what?", "100%"])
def test_tag_that_cannot_be_a_page_is_an_error_with_its_line(tag: str) -> None:
    # '..' would put the tag page at the site root, 'a/b' at /tags/a/b/ while its Hashtag
    # href says /tags/a%2Fb/ (FEDERATION.md#hashtags): the writer's refusal named neither file nor line.
    with pytest.raises(ContentError) as caught:
        parse_front_matter(f'date: 2024-05-01\ntags: ["{tag}"]', PATH)
    assert caught.value.line == 3
    assert "invalid tag" in str(caught.value)


def test_tags_with_dots_and_letters_stay_allowed() -> None:
    front = parse_front_matter("date: 2024-05-01\ntags: [node.js, C++, café]", PATH)
    assert front.tags == ("node.js", "C++", "café")


def test_spellings_of_one_tag_are_kept_once_as_first_written() -> None:
    # FEDERATION.md#hashtags: Mastodon sees `Café`, `cafe` and `CAFE` as one tag; Cyrillic stays its own.
    front = parse_front_matter("date: 2024-05-01\ntags: [Café, cafe, CAFE, Ёлка, ёлка]", PATH)
    assert front.tags == ("Café", "Ёлка")
