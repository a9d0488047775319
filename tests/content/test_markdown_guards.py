"""The guarded converter (markdown_guards) gives the plain one's HTML, construct by construct."""

from __future__ import annotations

import re

import pytest

from site_gen.content import markdown_guards
from site_gen.content.markdown_render import build_converter, render_markdown

# Each construct a guard skips when its needle is absent, with and without the needle, and
# the near misses a too narrow needle would get wrong.
SAMPLES = [
    "plain words only, nothing else",
    "a `code` span, ``two `ticks` here``, and \\`escaped\\` ones, \\\\`after backslashes`",
    "an escape \\* star \\_ underscore \\[ bracket \\# hash",
    "[inline](https://example.com/a) [ref][r] [short] ![img](a.png) ![iref][r]\n\n"
    "[r]: https://example.com/r 'Title'\n[short]: https://example.com/s",
    "footnote[^1] and [^missing]\n\n[^1]: the note *with* emphasis",
    "<https://example.com/auto> <me@example.com> <span>raw</span> &amp; &#169; &copy; & alone",
    "<!-- comment --> <?pi ?> <![CDATA[x]]> <a href='x'>link</a>",
    "hard  \nbreak, tab\t\nline, *em* **strong** _em_ __strong__ ***both*** a*b*c snake_case_word",
    "only _em_ and __strong__ with underscores",
    "an entity &amp; and a lone & without a tag",
    "> quote with [a link](u)\n> and `code`\n\nafter > not a quote",
    "# Heading `code`\n\n#hashtag line\n\n## Second ##\n\n###### Six",
    "Setext one\n==========\n\nSetext two\n----------\n\nnot-a-setext\n-dash-led",
    "a\n\n---\n\n- - -\n\n* * *\n\n___\n\n_  _  _\n\n-- not a rule\n\n- item",
    "Term\n: definition *one*\n\nOther: not a definition",
    "*[HTML]: Hyper Text Markup Language\n\nHTML and *[not]: an abbreviation",
    "| a | `b` |\n|---|---|\n| *c* | [d](e) |",
    "text {: .cls }\n\n## heading {#custom-id}\n\n## heading {#custom-id}",
    "[TOC]\n\n# One\n\n## Two `x`\n\n# One",
    "para\n[TOC]\n\n> [TOC]\n\n# Head",
    "```python\nprint('<b>')\n```\n\n~~~\nplain\n~~~\n\n``` { .lang #id }\nattrs\n```\n",
    "~~~ { .lang }\ntilde fence with attributes\n~~~\n",
    '<div markdown="1">*inside* html</div>\n\n<div>\n*raw*\n</div>',
    "- one `a`\n- two *b*\n    - nested [c](d)\n\n1. first\n2. second\n\n3) paren",
    "    indented code with `ticks` and <tags> & amps\n\nafter",
    # Tables: a block without '|' is no table; one with pipes may or may not be.
    "a | b\nno separator row\n\n| one |\n| --- |\n| two |\n\nx|y\n-|-\n1|2",
    "`a | b`\n---|---\n\n\\| escaped | pipe\n--|--",
    # Footnote, abbreviation and reference definitions, and their near misses.
    "[^n]: first\n[^m]: second\n\ntext[^n][^m] [^ n]: no\n\n*[ABBR]: one\n\nABBR * [x]: no",
    "[a]: /one\n[b]: /two 'T'\n\n[a] [b] [c]: not/a/def\n\n  [d]:  /three\n\n[d]",
    # Inline patterns after a match, whose needles sit only after it or inside it.
    "`code` then *em* then [l](u) then <b>x</b> then &amp; then \\* then ![i](j) end  \nx",
    "**[a *b* `c`](u)** _[x](y)_ <span>*in*</span> &copy; *a* _b_ `c` \\` \\_",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_guarded_converter_gives_the_same_html(text: str) -> None:
    plain, guarded = build_converter(guarded=False), build_converter(guarded=True)
    assert render_markdown(text, guarded) == render_markdown(text, plain)


def test_the_guards_apply_to_this_markdown_version() -> None:
    """A Markdown upgrade that changes a pattern leaves it unguarded (slower, still right):
    this says so, so that its needle is checked again."""
    converter = build_converter(guarded=True)
    inline = converter.treeprocessors["inline"]
    assert isinstance(inline, markdown_guards.GuardedInlineProcessor)
    patterns = zip(inline.inlinePatterns, inline._needles, strict=True)
    assert [pattern for pattern, needles in patterns if not needles] == []
    blocks = converter.parser.blockprocessors
    guarded = ("quote", "hashheader", "setextheader", "hr", "deflist", "reference", "footnote")
    for name in (*guarded, "abbr"):
        processor = blocks[name]
        attribute = "SEARCH_RE" if name == "hr" else "RE"
        assert isinstance(getattr(processor, attribute), markdown_guards.GuardedPattern), name
    for name in ("html_block", "fenced_code_block"):
        assert isinstance(converter.preprocessors[name], markdown_guards.GuardedPreprocessor)
    assert isinstance(converter.treeprocessors["toc"], markdown_guards.MarkerOnlyToc)


def test_the_block_processors_keep_their_order_through_changes() -> None:
    converter = build_converter(guarded=True)
    processors = converter.parser.blockprocessors
    assert isinstance(processors, markdown_guards.CachedOrderRegistry)
    before = list(processors)
    paragraph = processors["paragraph"]
    processors.deregister("paragraph")
    assert list(processors) == before[:-1]
    processors.register(paragraph, "paragraph", 1000)
    assert list(processors) == [paragraph, *before[:-1]]


def test_guarded_pattern_answers_without_the_regex_only_when_no_needle_follows() -> None:
    regex = re.compile(r"(?<!\\)`")
    guarded = markdown_guards.GuardedPattern(regex, ("`",))
    assert guarded.search("no ticks") is None
    assert guarded.search("a `b`").start() == 2  # type: ignore[union-attr]
    assert guarded.search("a `b", 3) is None  # the needle is before pos
    assert [m.start() for m in guarded.finditer("`a` b `c`", 1)] == [2, 6, 8]
    assert guarded.pattern == regex.pattern  # anything else is the regex's
    several = markdown_guards.GuardedPattern(re.compile(r"-{3}|_{3}"), ("--", "__"))
    assert several.search("a - b _ c") is None
    assert several.search("a ___ b").start() == 2  # type: ignore[union-attr]
    assert several.search("a ___ b", 4) is None  # the needle is before pos
    assert not several.may_match("a - b") and several.may_match("a -- b")


def test_the_table_of_contents_is_built_only_for_its_marker() -> None:
    converter = build_converter(guarded=True)
    html = render_markdown("[TOC]\n\n# A\n\n## B\n", converter).html
    assert html.startswith('<div class="toc">')
    assert '<a href="#b">B</a>' in html
    converter.code_blocks = []
    converter.convert("# A\n\n## B\n")  # render_markdown resets `toc`: look before it does
    assert converter.toc == "<div></div>"  # unused: not built
    assert converter.toc_tokens[0]["children"][0]["id"] == "b"  # the ids still are
