"""Post HTML limited to Mastodon's allow-list, for the ActivityPub `content` (item 69).

Two passes. First a small rewrite of structure that the allow-list would otherwise lose
badly: headings become `<p><strong>`, table rows become paragraphs, images are dropped
(they travel as attachments), and every link gets a `rel`. Then nh3 (a real sanitizer, not
regular expressions) enforces the allow-list: elements, attributes, URL schemes and classes.
Scripts, styles, iframes and event handlers never survive the second pass, whatever the first
did, because the first pass only rewrites, it never decides what is safe.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

__all__ = ["ALLOWED_TAGS", "ALLOWED_URL_SCHEMES", "LINK_REL", "to_federated_html"]

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
# Links to other sites: Mastodon's own outgoing markup. Hashtags keep rel="tag" (item 72).
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


class _Restructure(HTMLParser):
    """Rewrites headings, tables, images and link `rel`s; passes everything else through."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS:
            self.out.append("<p><strong>")
        elif tag == "tr":
            self.out.append("<p>")
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                self.out.append(_CELL_SEPARATOR)
            self._cells_in_row += 1
        elif tag == "img" or tag in ("table", "thead", "tbody", "tfoot", "caption"):
            return
        elif tag == "a":
            self.out.append(self._anchor(attrs))
        else:
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img":
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS:
            self.out.append("</strong></p>")
        elif tag == "tr":
            self.out.append("</p>")
        elif tag not in ("td", "th", "img", "table", "thead", "tbody", "tfoot", "caption"):
            self.out.append(f"</{tag}>")

    @staticmethod
    def _anchor(attrs: list[tuple[str, str | None]]) -> str:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        rel = "tag" if "hashtag" in classes else "" if "mention" in classes else LINK_REL
        parts = ["<a"]
        for name in ("href", "class"):
            if values.get(name) is not None:
                parts.append(f' {name}="{html.escape(values[name] or "")}"')
        if rel:
            parts.append(f' rel="{rel}"')
        return "".join(parts) + ">"

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False) if self.cdata_elem else data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")


def to_federated_html(html_text: str, *, base_url: str | None = None) -> str:
    """The post HTML as Mastodon's sanitizer would keep it (item 69), safe for any reader.

    Relative links mean nothing on another server: with `base_url` (the post page's URL)
    they are made absolute, without it they are removed (the link text stays).
    """
    import nh3

    restructure = _Restructure()
    restructure.feed(html_text)
    restructure.close()
    cleaned = nh3.clean(
        "".join(restructure.out),
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
