"""What a reply from another server may keep of its HTML and text before it is stored
(FEDERATION.md#interaction-records).

Incoming content gets a narrower allow-list than our own posts (site_core/federated_html.py):
Mastodon's sanitizer for remote statuses keeps only paragraphs, line breaks, links and the
spans of mentions and hashtags, allows http(s) links only, and marks every link as user
content (`ugc`). Our own posts may carry lists, quotes and code because we wrote them;
another server's reply may not, and a link in it is never one we vouch for. So the rules
differ and live here, enforced by nh3 (a real sanitizer, never regular expressions).

Unicode bidirectional controls are removed everywhere (HTML and plain text): they can make a
name or a link read differently from what it is.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "BIDI_CONTROLS",
    "INCOMING_LINK_REL",
    "INCOMING_TAGS",
    "plain_text",
    "sanitize_incoming_html",
]

INCOMING_TAGS = frozenset({"p", "br", "a", "span"})
INCOMING_LINK_REL = "nofollow noopener noreferrer ugc"
_URL_SCHEMES = frozenset({"http", "https"})
# `rel` is not listed: nh3 sets it on every link (INCOMING_LINK_REL), whatever was sent.
_ATTRIBUTES = {"a": {"href", "class"}, "span": {"class"}}
# Mastodon's classes for mentions and hashtags, and for the parts of a shortened link.
_CLASSES = frozenset({"h-card", "mention", "hashtag", "u-url", "invisible", "ellipsis"})
# Removed with everything inside them, not unwrapped: their text is code or styling.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
    | {"head", "title", "textarea", "select", "button", "audio", "video", "canvas", "form"}
)
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_WITHOUT_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))
# Removed from plain text after entities are decoded, so it can never be read as markup.
_WITHOUT_ANGLES = str.maketrans(dict.fromkeys("<>"))
_BIDI_FOUND = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_ANGLE_FOUND = re.compile("[<>]")


def _keep_classes(element: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [name for name in value.split() if name in _CLASSES]
    return " ".join(kept) or None


def _without_bidi(text: str) -> str:
    # Searching is much cheaper than translating, and almost no text holds a control.
    return text.translate(_WITHOUT_BIDI) if _BIDI_FOUND.search(text) else text


def sanitize_incoming_html(html_text: str) -> str:
    """A remote reply's HTML as Mastodon keeps a remote status: p, br, http(s) links with a
    forced `rel`, mention and hashtag spans; nothing else, no bidi controls."""
    import nh3

    cleaned = nh3.clean(
        _without_bidi(html_text),
        tags=set(INCOMING_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_keep_classes,
        url_schemes=set(_URL_SCHEMES),
        link_rel=INCOMING_LINK_REL,
        url_relative="deny",
        strip_comments=True,
    )
    return _without_bidi(cleaned).strip()


def plain_text(text: str) -> str:
    """Text meant as plain text (a content warning, a name, alt text): markup removed, entities
    decoded, no `<` or `>` and no bidi controls left, so no renderer can take it for HTML."""
    text = _without_bidi(text)
    if "<" in text or "&" in text:
        import nh3

        text = html.unescape(
            nh3.clean(text, tags=set(), clean_content_tags=set(_DROPPED_WITH_CONTENT))
        )
    text = _without_bidi(text)
    return (text.translate(_WITHOUT_ANGLES) if _ANGLE_FOUND.search(text) else text).strip()
