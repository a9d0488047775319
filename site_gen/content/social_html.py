"""Inline #hashtags and @mentions become links, the way Mastodon marks them up.

Runs on the HTML that Markdown produced. Text inside `<code>`, `<pre>` and `<a>` is left
alone (a hashtag in a code sample is not a tag; a link is already a link). The markup follows
FEDERATION.md#hashtags for hashtags and Mastodon's h-card mention markup, so the sanitizer of
`to_federated_html` keeps it and receiving servers recognise it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from site_core.federated_html import to_federated_html
from site_core.hashtags import hashtag_key
from site_gen.content.mentions import HANDLE_PATTERN, normalize_handle

if TYPE_CHECKING:
    from site_core.urls import UrlScheme
    from site_gen.content.model import Mention

__all__ = ["HASHTAG_PATTERN", "link_tags_and_mentions", "to_federated_html"]

# A hashtag starts after a non-word character and holds at least one letter (#1 is not one);
# `page#part` (no space before) and `&#39;` are not hashtags.
HASHTAG_PATTERN = re.compile(r"(?<![\w&#/])#(?P<tag>\w*[^\W\d_]\w*)")
_SKIPPED = frozenset({"code", "pre", "a", "script", "style", "kbd", "samp"})
_TOKEN = re.compile(f"{HASHTAG_PATTERN.pattern}|{HANDLE_PATTERN.pattern}")


class _Linker(HTMLParser):
    """Copies HTML through, rewriting only the text that is outside skipped elements."""

    def __init__(self, urls: UrlScheme, mentions: Mapping[str, Mention]) -> None:
        super().__init__(convert_charrefs=False)
        self.urls = urls
        self.mentions = {normalize_handle(key): value for key, value in mentions.items()}
        self.out: list[str] = []
        self.tags: dict[str, str] = {}
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skip_depth:
            self._skip_depth -= 1
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data if self._skip_depth else _TOKEN.sub(self._link, data))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    def _link(self, match: re.Match[str]) -> str:
        if match.group("tag"):
            tag = match.group("tag")
            self.tags.setdefault(hashtag_key(tag), tag)
            href = html.escape(self.urls.tag_page(tag))
            return f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
        mention = self.mentions.get(normalize_handle(match.group(0)))
        if mention is None or not mention.actor_id:
            return match.group(0)
        href = html.escape(mention.profile_url or mention.actor_id)
        user = match.group("user")
        return (
            f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">'
            f"@<span>{user}</span></a></span>"
        )


def _may_hold_token(text: str) -> bool:
    """Whether `_TOKEN` matches anywhere: tried only where a '#' or '@' is (a search over
    the whole text tries every position, which costs more than the rest of this module)."""
    for mark in "#@":
        index = text.find(mark)
        while index != -1:
            # A hashtag match starts at its '#'; a handle's at its first '@'.
            if _TOKEN.match(text, index):
                return True
            index = text.find(mark, index + 1)
    return False


def link_tags_and_mentions(
    html_text: str, urls: UrlScheme, mentions: Mapping[str, Mention]
) -> tuple[str, tuple[str, ...]]:
    """Link inline #hashtags to their tag pages and resolved @mentions to their profiles.

    Returns the new HTML and the inline hashtags found (as first written, each once,
    case-insensitively), for the caller to merge with the front-matter tags. Mentions that
    are missing from `mentions` or unresolved stay plain text.
    """
    # Every token the parser could link in a text node also matches in the whole text (a
    # text node is bounded by '>' or ';', which no token's look-behind refuses), so a post
    # with no match anywhere needs no parse: most posts, whatever their '#' in URLs.
    if not _may_hold_token(html_text):
        return html_text, ()
    linker = _Linker(urls, mentions)
    linker.feed(html_text)
    linker.close()
    return "".join(linker.out), tuple(linker.tags.values())
