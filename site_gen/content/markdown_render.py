"""Markdown to HTML: Python-Markdown with extra, sane lists, heading ids and Pygments.

Highlighting is half the CPU of a post (about 2 of 4.4 ms with Pygments; `bench/build.py` measures
the build), and many posts repeat
the same snippets, so fenced blocks are highlighted by our own preprocessor that memoises
Pygments per (language, code). Classes, not inline styles: one stylesheet for light and dark
comes from `highlight_stylesheet()`.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import markdown

__all__ = [
    "RenderedMarkdown",
    "build_converter",
    "fence_languages",
    "highlight_stylesheet",
    "render_markdown",
    "warm_up",
]

_CSS_CLASS = "highlight"
_CODE_MARK = '<pre data-code-block="{}"></pre>'
_LIGHT_STYLE = "default"
_DARK_STYLE = "github-dark"
_WARM_LEXERS = 32  # at most this many lexers compiled before the fork
# The plain form of a fence: ```lang ... ```; fences with {attributes} are left to fenced_code.
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ ]*\.?(?P<lang>[\w#.+-]*)[ ]*\n(?P<code>.*?)(?<=\n)(?P=fence)[ ]*$",
    re.MULTILINE | re.DOTALL,
)


_ATX_HEADING = re.compile(r"(?:^|\n)(?P<level>#{1,6})[ \t]+(?P<header>(?:\\.|[^\\])*?)#*(?:\n|$)")


@functools.lru_cache(maxsize=4096)
def _highlight(code: str, lang: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(cssclass=_CSS_CLASS, wrapcode=True)
    return str(highlight(code, lexer, formatter))


def _fence_matches(text: str) -> Iterator[re.Match[str]]:
    """`_FENCE.finditer(text)`, the pattern tried only where a line starts with ``` or ~~~:
    a scan that tries its `^` at every position costs more than the rest of the step."""
    index = 0
    while True:
        found = [at for at in (text.find("```", index), text.find("~~~", index)) if at >= 0]
        if not found:
            return
        start = min(found)
        match = _FENCE.match(text, start) if start == 0 or text[start - 1] == "\n" else None
        if match is None:
            index = start + 1
        else:
            yield match
            index = match.end()


def _fence_extension() -> Any:
    from markdown.extensions import Extension
    from markdown.preprocessors import Preprocessor

    class _Fences(Preprocessor):  # type: ignore[misc]
        def run(self, lines: list[str]) -> list[str]:
            text = "\n".join(lines)
            if "```" not in text and "~~~" not in text:
                return lines
            parts: list[str] = []
            index = 0
            blocks: list[tuple[str, str]] = self.md.code_blocks
            for match in _fence_matches(text):
                code = match.group("code")
                plain = f"<pre><code>{html.escape(code, quote=False)}</code></pre>"
                blocks.append((_highlight(code, match.group("lang").lower()), plain))
                placeholder = self.md.htmlStash.store(_CODE_MARK.format(len(blocks) - 1))
                parts.append(text[index : match.start()])
                parts.append(f"\n{placeholder}\n")
                index = match.end()
            parts.append(text[index:])
            return "".join(parts).split("\n")

    class _FenceExtension(Extension):  # type: ignore[misc]
        def extendMarkdown(self, md: markdown.Markdown) -> None:
            # Before fenced_code (priority 25) and after normalize_whitespace (30).
            md.preprocessors.register(_Fences(md), "highlighted_fences", 28)
            # CommonMark: an ATX heading needs a space after the #s, so a line that starts
            # with a #hashtag stays a paragraph (social posts do that all the time).
            md.parser.blockprocessors["hashheader"].RE = _ATX_HEADING

    return _FenceExtension()


@functools.lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """One converter per process, reset between posts (building one costs milliseconds)."""
    return build_converter(guarded=True)


def build_converter(*, guarded: bool) -> markdown.Markdown:
    """A new converter; `guarded`: with the faster processors of `markdown_guards`, which
    give the same HTML (the tests compare the two).

    The extensions are instances, not names: a name makes Python-Markdown scan the entry
    points of every installed package (importlib.metadata), which costs a small build more
    than its Markdown. `extra` is spelled out as its seven extensions, in its order.
    """
    import markdown
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.codehilite import CodeHiliteExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    extra = [
        FencedCodeExtension(),
        FootnoteExtension(),
        AttrListExtension(),
        DefListExtension(),
        TableExtension(),
        AbbrExtension(),
        MarkdownInHtmlExtension(),
    ]
    toc = TocExtension(permalink=False)
    if guarded:
        from site_gen.content.markdown_guards import MarkerOnlyToc

        toc.TreeProcessorClass = MarkerOnlyToc
    converter = markdown.Markdown(
        extensions=[
            _fence_extension(),
            *extra,
            CodeHiliteExtension(css_class=_CSS_CLASS, guess_lang=False, wrapcode=True),
            SaneListExtension(),
            toc,
        ],
        output_format="html",
    )
    if guarded:
        from site_gen.content.markdown_guards import guard_converter

        guard_converter(converter)
    return converter


class RenderedMarkdown(NamedTuple):
    """A post body whose fenced code blocks are marks, kept aside in two forms.

    The later passes over the HTML (linking hashtags, the federation sanitizer) parse every
    tag in Python; Pygments output is hundreds of `<span>`s that they would only skip or
    strip. So they see one mark per block, and `with_code` puts the blocks back: highlighted
    for the page, plain `<pre><code>` for ActivityPub (Mastodon keeps no classes anyway).
    """

    html: str
    code_blocks: tuple[tuple[str, str], ...]  # (highlighted, plain) per mark

    def with_code(self, html_text: str, *, highlighted: bool) -> str:
        for number, (rich, plain) in enumerate(self.code_blocks):
            html_text = html_text.replace(_CODE_MARK.format(number), rich if highlighted else plain)
        return html_text


def render_markdown(text: str, converter: markdown.Markdown | None = None) -> RenderedMarkdown:
    """The HTML of a post body (trusted: it is the site owner's own Markdown); `converter`:
    one from `build_converter` instead of this process's own."""
    converter = _converter() if converter is None else converter
    converter.code_blocks = []
    try:
        return RenderedMarkdown(converter.convert(text), tuple(converter.code_blocks))
    finally:
        converter.reset()


def fence_languages(text: str) -> tuple[str, ...]:
    """The languages named by the plain fences of `text`, as `_highlight` receives them."""
    return tuple({m.group("lang").lower() for m in _fence_matches(text) if m.group("lang")})


def warm_up(languages: Iterable[str] = ()) -> None:
    """Build the converter, import Pygments' formatter and compile the lexers of `languages`
    now: a process that forks its workers after this gives them all for free (each would
    import them again, and a lexer's patterns are compiled on its first use: 20 ms for
    Python's)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    _converter()
    _highlight("", "")
    for language in sorted(languages)[:_WARM_LEXERS]:
        try:
            get_lexer_by_name(language)
        except ClassNotFound:
            continue


def highlight_stylesheet() -> str:
    """Pygments CSS for both colour schemes, scoped to `.highlight`."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style=_LIGHT_STYLE).get_style_defs(f".{_CSS_CLASS}")
    dark = HtmlFormatter(style=_DARK_STYLE).get_style_defs(f".{_CSS_CLASS}")
    dark_indented = "\n".join(f"  {line}" for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark_indented}\n}}\n"
