"""Post HTML limited to Mastodon's allow-list, for the ActivityPub `content`
(FEDERATION.md#allowed-html).

Two passes. First a small rewrite of structure that the allow-list would otherwise lose
badly: headings become `<p><strong>`, table rows become paragraphs, images are dropped
(they travel as attachments), and every link gets a `rel`. Then nh3 (a real sanitizer, not
regular expressions) enforces the allow-list: elements, attributes, URL schemes and classes.
Scripts, styles, iframes and event handlers never survive the second pass, whatever the first
did, because the first pass only rewrites, it never decides what is safe.
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

__all__ = [
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "tag_attributes",
    "to_federated_html",
]

ALLOWED_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u"}
    | {"ul", "ol", "li", "blockquote"}
)
ALLOWED_URL_SCHEMES = frozenset(
    {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
)
_ATTRIBUTES = {
    "a": {"href", "rel", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
_CLASS_PREFIXES = ("h-", "p-", "u-", "dt-", "e-")
_CLASS_NAMES = frozenset({"mention", "hashtag", "ellipsis", "invisible"})
# Removed with everything inside them (text included), not just unwrapped.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
    | {"head", "title", "textarea", "select", "button", "audio", "video", "canvas", "form"}
)
# Links to other sites: Mastodon's own outgoing markup. Hashtags keep rel="tag"
# (FEDERATION.md#hashtags).
LINK_REL = "nofollow noopener noreferrer"
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELL_SEPARATOR = " | "


def _keep_classes(element: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [
        name for name in value.split() if name in _CLASS_NAMES or name.startswith(_CLASS_PREFIXES)
    ]
    return " ".join(kept) or None


# The only tags the first pass rewrites; every other byte passes through unchanged. Quoted
# attribute values may hold '>'. The name must end where HTMLParser's would.
_REWRITTEN_TAG = re.compile(
    r"<(?P<end>/?)(?P<name>h[1-6]|tr|td|th|img|table|thead|tbody|tfoot|caption|a)"
    r"(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
    re.IGNORECASE,
)
_DROPPED_TAGS = frozenset({"img", "table", "thead", "tbody", "tfoot", "caption"})


class _TagAttributes(HTMLParser):
    """The attributes of one start tag, parsed (and unescaped) the way browsers do."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = attrs


# A start tag of plain `name="value"` attributes (lowercase names, one space before each,
# values without quotes, entities or brackets): HTMLParser's attributes are those pairs as
# written, so they are read without it.
_PLAIN_ANCHOR = re.compile(r'<a((?: [a-z]+="[^"&<>]*")*) ?>')
_PLAIN_ATTRIBUTE = re.compile(r' ([a-z]+)="([^"]*)"')


def tag_attributes(tag_text: str) -> dict[str, str | None]:
    """The attributes of one start tag `<a ...>`, as HTMLParser reads them (the last of a
    repeated name): the plain form without it, a parser reads everything else."""
    if _PLAIN_ANCHOR.fullmatch(tag_text):
        return dict(_PLAIN_ATTRIBUTE.findall(tag_text))
    parser = _TagAttributes()
    parser.feed(tag_text)
    parser.close()
    return dict(parser.attrs)


@functools.lru_cache(maxsize=4096)
def _anchor(tag_text: str) -> str:
    # Cached: the same links (tags, mentions, the site's own pages) recur in many posts.
    values = tag_attributes(tag_text)
    classes = (values.get("class") or "").split()
    rel = "tag" if "hashtag" in classes else "" if "mention" in classes else LINK_REL
    parts = ["<a"]
    for name in ("href", "class"):
        if values.get(name) is not None:
            parts.append(f' {name}="{html.escape(values[name] or "")}"')
    if rel:
        parts.append(f' rel="{rel}"')
    return "".join(parts) + ">"


def _restructure(html_text: str) -> str:
    """Headings, tables, images and link `rel`s rewritten; everything else as it was.

    A regular expression over the few tags concerned instead of a full parse (which cost
    as much as the sanitizer itself): what it sees inside comments or scripts does not
    matter, because the sanitizer drops those with their content afterwards.
    """
    cells = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal cells
        text = match.group(0)
        name = match.group("name").lower()
        if match.group("end"):
            if name[0] == "h" and name[1:].isdigit():
                return "</strong></p>"
            return {"tr": "</p>", "a": "</a>"}.get(name, "")
        if text.endswith("/>"):  # a self-closed tag: only images are dropped
            return "" if name == "img" else text
        if name[0] == "h" and name[1:].isdigit():
            return "<p><strong>"
        if name == "tr":
            cells = 0
            return "<p>"
        if name in ("td", "th"):
            cells += 1
            return _CELL_SEPARATOR if cells > 1 else ""
        if name in _DROPPED_TAGS:
            return ""
        return _anchor(text)

    if "<" not in html_text:
        return html_text
    return _REWRITTEN_TAG.sub(rewrite, html_text)


def to_federated_html(html_text: str, *, base_url: str | None = None) -> str:
    """The post HTML as Mastodon's sanitizer would keep it (FEDERATION.md#allowed-html), safe for
    any reader.

    Relative links mean nothing on another server: with `base_url` (the post page's URL)
    they are made absolute, without it they are removed (the link text stays).
    """
    import nh3

    cleaned = nh3.clean(
        _restructure(html_text),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_keep_classes,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=None,
        url_relative=("rewrite_with_base", base_url) if base_url else "deny",
        strip_comments=True,
    )
    return cleaned.strip()
