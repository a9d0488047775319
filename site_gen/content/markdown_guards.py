"""Python-Markdown, with each pattern tried only where it can match: the same HTML, faster.

Python-Markdown tries each of its fifteen inline patterns on every text node and each block
processor's test on every block, one Python call and one regex scan each; several of those
regexes start with a look-behind or `(^|\\n)`, which leaves the regex engine no first character
to skip to, so it tries every position of the text. Together that is about half of a post's
Markdown time, and nearly all of it ends in "no match": most text has no backtick, no '[',
no '>' at a line start. Every one of these patterns needs some literal to match (its
"needles": a backtick, a '[', a '>'...) at or after the position the search starts from.
Where the text holds none of them, the answer is "no match" without asking the regex, which
is the answer the regex would give, so the HTML is unchanged. A pattern whose exact source
is not in the tables below (another Markdown version) is always tried.

The table of contents that the `toc` extension builds for every post (`md.toc`) is not used
here: it is built only for a post that holds the `[TOC]` marker, where it goes into the page.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from typing import Any, cast

from markdown import Markdown, util
from markdown.extensions.toc import TocTreeprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor

__all__ = [
    "GuardedInlineProcessor",
    "GuardedPattern",
    "GuardedPreprocessor",
    "MarkerOnlyToc",
    "guard_block_patterns",
    "guard_preprocessors",
    "pattern_needles",
]

# The exact source of each built-in inline pattern -> the strings one of which every match
# holds at or after its start.
_INLINE_NEEDLES: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code span (both branches: a '`')
    r"\\(.)": ("\\",),  # backslash escape
    r"(?<!\!)\[": ("[",),  # link, reference, short reference
    r"\!\[": ("![",),  # image, image reference, short image reference
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # autolink
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # automatic e-mail link
    r"  \n": ("  \n",),  # hard line break
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entity
    r"\[\^([^\]]*)\]": ("[^",),  # footnote reference
    r"\*|_": ("*", "_"),  # emphasis and strong (one delimiter processor)
    r"\*": ("*",),  # the same, in the Markdown versions with one processor per delimiter
    r"_": ("_",),
    # Raw HTML: a tag, a comment, a processing instruction or CDATA; each branch after '<'.
    (
        r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|"""
        r"""[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
        r"""!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)"""
    ): ("<",),
}

# The same for the block processors' patterns: (processor name, attribute, exact source).
_BLOCK_NEEDLES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("quote", "RE", r"(^|\n)[ ]{0,3}>[ ]?(.*)"): (">",),
    # Ours (markdown_render._ATX_HEADING): a heading starts with '#'.
    (
        "hashheader",
        "RE",
        r"(?:^|\n)(?P<level>#{1,6})[ \t]+(?P<header>(?:\\.|[^\\])*?)#*(?:\n|$)",
    ): ("#",),
    # A first line, then a line of '=' or '-' (`.` stops at a newline: no DOTALL).
    ("setextheader", "RE", r"^.*?\n(?:=+|-+)[ ]*(\n|$)"): ("\n=", "\n-"),
    (
        "hr",
        "SEARCH_RE",
        r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
        r"(?P=atomicgroup)[ ]*$",
    ): ("--", "- -", "-  -", "__", "_ _", "_  _", "**", "* *", "*  *"),  # 3 with <= 2 spaces
    ("deflist", "RE", r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)"): (":",),
    (
        "reference",
        "RE",
        r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*"""
        r"""|\((.*)\)[ ]*)?$""",
    ): ("]:",),
    ("footnote", "RE", r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$"): ("[^",),
    ("abbr", "RE", r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$"): ("*[",),
}


# Preprocessors that hand the lines back unchanged when the text holds none of their needles:
# registry name -> (class name, its documented priority, needles). Raw HTML starts with '<'
# and the HTML extractor rewrites nothing else but entities ('&'); a fenced block starts with
# ``` or ~~~.
_PREPROCESSOR_NEEDLES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "html_block": ("HtmlBlockPreprocessor", 20, ("<", "&")),
    "fenced_code_block": ("FencedBlockPreprocessor", 25, ("```", "~~~")),
}


def pattern_needles(pattern: Any) -> tuple[str, ...]:
    """The literals one of which a match of the inline `pattern` needs; () when unknown."""
    compiled = getattr(pattern, "compiled_re", None)
    source = getattr(compiled, "pattern", None)
    return _INLINE_NEEDLES.get(source, ()) if isinstance(source, str) else ()


class GuardedPattern:
    """A compiled regex that answers "no match" at once when the text lacks every needle;
    anything else it is asked goes to the regex itself."""

    __slots__ = ("_needles", "_regex")

    def __init__(self, regex: Any, needles: tuple[str, ...]) -> None:
        self._regex = regex
        self._needles = needles

    def _may_match(self, text: str, pos: int) -> bool:
        # A loop, not any() over a generator: that costs more than the finds themselves.
        for needle in self._needles:  # noqa: SIM110
            if text.find(needle, pos) >= 0:
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._regex.search(text, pos, endpos) if self._may_match(text, pos) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._regex.match(text, pos, endpos) if self._may_match(text, pos) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Any]:
        return self._regex.finditer(text, pos, endpos) if self._may_match(text, pos) else iter(())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._regex, name)


def guard_block_patterns(md: Markdown) -> None:
    """Give the block processors whose regex is known here a `GuardedPattern` instead (on the
    instance: the class and other converters keep theirs)."""
    processors = md.parser.blockprocessors
    for (name, attribute, source), needles in _BLOCK_NEEDLES.items():
        if name not in processors:
            continue
        processor = processors[name]
        regex = getattr(processor, attribute, None)
        if getattr(regex, "pattern", None) == source:
            setattr(processor, attribute, GuardedPattern(regex, needles))


class GuardedPreprocessor(Preprocessor):  # type: ignore[misc]
    """Runs another preprocessor only when the text holds one of its needles."""

    def __init__(self, md: Markdown, inner: Preprocessor, needles: tuple[str, ...]) -> None:
        super().__init__(md)
        self.inner = inner
        self.needles = needles

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        for needle in self.needles:
            if needle in text:
                result: list[str] = self.inner.run(lines)
                return result
        return lines


def guard_preprocessors(md: Markdown) -> None:
    """Wrap the preprocessors of `_PREPROCESSOR_NEEDLES` in a `GuardedPreprocessor`, in
    their place (same name, same priority)."""
    registry = md.preprocessors
    for name, (class_name, priority, needles) in _PREPROCESSOR_NEEDLES.items():
        if name not in registry:
            continue
        inner = registry[name]
        if type(inner).__name__ == class_name and type(inner).__module__.startswith("markdown."):
            registry.register(GuardedPreprocessor(md, inner, needles), name, priority)


class GuardedInlineProcessor(InlineProcessor):  # type: ignore[misc]
    """Python-Markdown's `InlineProcessor` with the loop over the patterns of one text
    replaced: the patterns are a tuple (the registry's lookup by index sorts on every call)
    and a pattern whose needles are all absent is not tried."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.inlinePatterns = tuple(md.inlinePatterns)
        self._needles = tuple(pattern_needles(pattern) for pattern in self.inlinePatterns)

    @staticmethod
    def supported() -> bool:
        """Whether this Markdown version has the two private methods this class relies on."""
        return all(
            hasattr(InlineProcessor, f"_InlineProcessor__{name}")
            for name in ("handleInline", "applyPattern")
        )

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # The name is the one Python-Markdown's own calls resolve to (`self.__handleInline`).
        if isinstance(data, util.AtomicString):
            return cast(str, data)  # not processed, and stays an AtomicString
        apply = self._InlineProcessor__applyPattern
        patterns, needles = self.inlinePatterns, self._needles
        index, start = patternIndex, 0
        while index < len(patterns):
            for needle in needles[index]:
                if data.find(needle, start) >= 0:
                    break
            else:
                if needles[index]:
                    # As if tried and not matched: the next pattern starts from the beginning.
                    index, start = index + 1, 0
                    continue
            data, matched, start = apply(patterns[index], data, index, start)
            if not matched:
                index += 1
        return data


class MarkerOnlyToc(TocTreeprocessor):  # type: ignore[misc]
    """The `toc` extension's processor (heading ids), building the table of contents only
    when the document holds its marker: elsewhere `md.toc` is an empty `<div>`, unused."""

    def run(self, doc: etree.Element) -> None:
        marker = self.marker
        # The marker is replaced only where an element's own text is the marker.
        self._marked = bool(marker) and any(
            element.text and marker in element.text for element in doc.iter()
        )
        super().run(doc)

    def build_toc_div(self, toc_list: list[Any]) -> etree.Element:
        if self._marked:
            return cast(etree.Element, super().build_toc_div(toc_list))
        return etree.Element("div")

    def replace_marker(self, root: etree.Element, elem: etree.Element) -> None:
        if self._marked:
            super().replace_marker(root, elem)
