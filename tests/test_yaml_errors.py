"""YAML mistakes in site.yaml and front matter read as plain sentences with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_core.errors import ConfigError, ContentError
from site_gen.config import parse_config
from site_gen.content.front_matter import parse_front_matter
from site_gen.yaml_errors import explain_yaml_error

HEAD = "base_url: https://example.com\nusername: alice\ndisplay_name: Alice\n"


@pytest.mark.parametrize(
    ("text", "sentence", "line", "column"),
    [
        # A key indented under the value above it.
        (HEAD + "  language: fr\n", "the indentation of this line does not match", 4, 3),
        # A list entry's key one space off.
        (
            "fields:\n  - name: a\n   value: b\n",
            "the indentation of this line does not match the lines above",
            3,
            4,
        ),
        ("a: 1\n\tb: 2\n", "a tab is used for indentation", 2, 1),
        ("title: a: b\n", 'a colon inside a value needs quotes (write title: "a: b")', 1, 9),
        ("a: 1\njust words\nc: 2\n", "this line is not a 'key: value' line", 2, 1),
        ('a: "hello\nb: 2\n', "a quote opened here is never closed", 1, 4),
        ("tags: [a, b\nc: 2\n", "a list in [brackets] is not closed", 1, 7),
        ("a: @me\n", 'a value cannot start with @: put it in quotes (write a: "@me")', 1, 4),
        ("a: *bold*\n", "a value that starts with * needs quotes", 1, 4),
        ('a: "C:\\dir"\n', "a backslash inside", 1, 8),
        ('a: "x" y\n', "text follows a closing quote", 1, 8),
        ("a: 1\n- b\n", "a list item ('- ...') must be indented under the key", 2, 1),
    ],
)
def test_each_mistake_has_a_sentence_line_and_column(
    text: str, sentence: str, line: int, column: int
) -> None:
    problem = explain_yaml_error(text, first_line=1)
    assert problem is not None
    assert sentence in problem.message
    assert problem.line == line
    assert f"at column {column}:" in problem.message
    assert "expected <block end>" not in problem.message


def test_the_offending_line_is_shown_with_a_caret() -> None:
    problem = explain_yaml_error("a: 1\n\tb: 2\n", first_line=7)
    assert problem is not None
    assert problem.line == 8
    assert problem.message.endswith("\n  8 | →b: 2\n    | ^")


def test_valid_yaml_has_no_problem() -> None:
    assert explain_yaml_error("a: 1\nb: [x, y]\n", first_line=1) is None


def test_site_yaml_indentation_error_is_translated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            HEAD + "fields:\n  - name: Pronouns\n   value: she/her\n", tmp_path / "site.yaml"
        )
    text = str(caught.value)
    assert text.startswith(
        f"{tmp_path / 'site.yaml'}:6: not valid YAML at column 4: the indentation"
    )
    assert "\n  6 |    value: she/her\n" in text
    assert "<block" not in text


def test_front_matter_errors_count_lines_in_the_file() -> None:
    # The front matter starts on line 2 of the file, after the opening ---.
    path = Path("posts/hello.md")
    with pytest.raises(ContentError) as caught:
        parse_front_matter("date: 2024-05-01\ntags:\n\t- bikes", path)
    assert caught.value.line == 4
    assert caught.value.message.startswith(
        "front matter is not valid YAML at column 1: a tab is used for indentation"
    )
    assert "\n  4 | →- bikes\n" in caught.value.message
