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
is not in the tables below (another Markdown version) is always tried. The same holds for
the tests of block processors that only a needle can pass (a table needs a '|'), and for
the inline patterns of a text: only those whose needles the text holds are tried at all.
The block processors are kept in order between blocks, and `is_block_level` asks a set.

The table of contents that the `toc` extension builds for every post (`md.toc`) is not used
here: it is built only for a post that holds the `[TOC]` marker, where it goes into the page.
"""

from __future__ import annotations

import re
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
    "CachedOrderRegistry",
    "MarkerOnlyToc",
    "freeze_block_level",
    "guard_block_patterns",
    "guard_converter",
    "guard_block_processors",
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


def guard_converter(md: Markdown) -> None:
    """Every guard of this module on `md`, once all its extensions are registered."""
    guard_preprocessors(md)
    guard_block_patterns(md)
    guard_block_processors(md)  # after guard_block_patterns: it reads their guarded regexes
    freeze_block_level(md)
    if GuardedInlineProcessor.supported():
        # Same place, same patterns (all registered by now).
        md.treeprocessors.register(GuardedInlineProcessor(md), "inline", 20)


def pattern_needles(pattern: Any) -> tuple[str, ...]:
    """The literals one of which a match of the inline `pattern` needs; () when unknown."""
    compiled = getattr(pattern, "compiled_re", None)
    source = getattr(compiled, "pattern", None)
    return _INLINE_NEEDLES.get(source, ()) if isinstance(source, str) else ()


class GuardedPattern:
    """A compiled regex that answers "no match" at once when the text lacks every needle;
    anything else it is asked goes to the regex itself."""

    __slots__ = ("_any_needle", "_needles", "_regex")

    def __init__(self, regex: Any, needles: tuple[str, ...]) -> None:
        self._regex = regex
        self._needles = needles
        # Several needles (the rule's nine): one scan for all of them, not a find for each.
        self._any_needle = re.compile("|".join(map(re.escape, needles))) if needles[1:] else None

    def _may_match(self, text: str, pos: int) -> bool:
        if self._any_needle is not None:
            return self._any_needle.search(text, pos) is not None
        return not self._needles or text.find(self._needles[0], pos) >= 0

    def may_match(self, text: str) -> bool:
        """False when `text` holds none of the needles: the regex cannot match it."""
        return self._may_match(text, 0)

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


class CachedOrderRegistry(util.Registry):  # type: ignore[misc]
    """A `Registry` whose iteration order is kept between changes: the block parser iterates
    its processors for every block, and `Registry.__iter__` builds a new list each time."""

    _order: tuple[Any, ...] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self._order is None or not self._is_sorted:
            self._order = tuple(super().__iter__())
        return iter(self._order)

    def register(self, item: Any, name: str, priority: float) -> None:
        self._order = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._order = None
        super().deregister(name, strict)


# Block processors whose test is always True and whose run, when their (guarded) `RE` does
# not match the block, puts it back and returns False: the parser then tries the next one,
# which is what it does when the test is False.
_SEARCH_FIRST = {
    "footnote": "FootnoteBlockProcessor",
    "abbr": "AbbrBlockprocessor",
    "reference": "ReferenceProcessor",
}


def _is_markdown_class(item: Any, class_name: str) -> bool:
    return type(item).__name__ == class_name and type(item).__module__.startswith("markdown.")


def guard_block_processors(md: Markdown) -> None:
    """The block processors' registry made a `CachedOrderRegistry` (the same object: whoever
    holds it sees the change); the table's test skips a block without a '|', and those of
    `_SEARCH_FIRST` a block that lacks their regex's needles (after `guard_block_patterns`)."""
    processors = md.parser.blockprocessors
    if type(processors) is util.Registry:
        processors.__class__ = CachedOrderRegistry
    if "table" in processors and _is_markdown_class(processors["table"], "TableProcessor"):
        table = processors["table"]
        table.test = _pipe_guarded(table.test)
    for name, class_name in _SEARCH_FIRST.items():
        if name not in processors:
            continue
        processor = processors[name]
        regex = getattr(processor, "RE", None)
        if _is_markdown_class(processor, class_name) and isinstance(regex, GuardedPattern):
            processor.test = _needle_test(regex)


def _needle_test(regex: GuardedPattern) -> Any:
    def test(parent: etree.Element, block: str) -> bool:
        return regex.may_match(block)

    return test


def _pipe_guarded(test: Any) -> Any:
    """A table's test that answers False at once for a block without a '|': its header row
    has a single cell then and no border, which is its own answer."""

    def guarded(parent: etree.Element, block: str) -> bool:
        return "|" in block and bool(test(parent, block))

    return guarded


def freeze_block_level(md: Markdown) -> None:
    """`md.is_block_level` asked of a set, not of a list of forty tags (for every element of
    every post). The list is made a tuple: the extensions are all registered by now, and one
    that changed it later would fail at once instead of seeing a stale set."""
    elements = tuple(md.block_level_elements)
    members = frozenset(elements)
    md.block_level_elements = elements

    def is_block_level(tag: Any) -> bool:
        return isinstance(tag, str) and tag.lower().rstrip("/") in members

    md.is_block_level = is_block_level


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
        # Every needle once, with its bit: a text's mask says which of them it holds.
        self._bits = tuple(
            (1 << number, needle)
            for number, needle in enumerate(sorted({n for ns in self._needles for n in ns}))
        )
        self._tables: dict[int, tuple[int, ...]] = {}

    @staticmethod
    def supported() -> bool:
        """Whether this Markdown version has the two private methods this class relies on."""
        return all(
            hasattr(InlineProcessor, f"_InlineProcessor__{name}")
            for name in ("handleInline", "applyPattern")
        )

    def _next_tried(self, data: str) -> tuple[int, ...]:
        """For each pattern index, the first pattern from there on that `data` may match: one
        without needles, or one a needle of which `data` holds (anywhere)."""
        mask = 0
        for bit, needle in self._bits:
            if needle in data:
                mask |= bit
        table = self._tables.get(mask)
        if table is None:
            held = {needle for bit, needle in self._bits if mask & bit}
            count = len(self._needles)
            following = [count] * (count + 1)
            for index in range(count - 1, -1, -1):
                needles = self._needles[index]
                tried = not needles or any(needle in held for needle in needles)
                following[index] = index if tried else following[index + 1]
            table = self._tables[mask] = tuple(following)
        return table

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # The name is the one Python-Markdown's own calls resolve to (`self.__handleInline`).
        if isinstance(data, util.AtomicString):
            return cast(str, data)  # not processed, and stays an AtomicString
        apply = self._InlineProcessor__applyPattern
        patterns, needles = self.inlinePatterns, self._needles
        count = len(patterns)
        index, start = patternIndex, 0
        next_tried = self._next_tried(data)
        while index < count:
            following = next_tried[index]
            if following != index:
                # As if each one between were tried and not matched: the next pattern starts
                # from the beginning.
                index, start = following, 0
                if index >= count:
                    break
            for needle in needles[index]:
                if data.find(needle, start) >= 0:
                    break
            else:
                if needles[index]:
                    index, start = index + 1, 0
                    continue
            data, matched, start = apply(patterns[index], data, index, start)
            if matched:
                next_tried = self._next_tried(data)
            else:
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
