"""Escaping for the XML the build writes (the Atom feed, the sitemap, host-meta).

The same output as `xml.sax.saxutils.escape` and `quoteattr`, without importing that module,
which pulls in urllib.request, http.client, ssl and the email package: about a tenth of the
imports of a build of a hundred posts.
"""

from __future__ import annotations

__all__ = ["xml_attribute", "xml_text"]


def xml_text(text: str) -> str:
    """`text` as XML character data: `&`, `<` and `>` as entities."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def xml_attribute(text: str) -> str:
    """`text` as an XML attribute value with its quotes: double quotes, single quotes when the
    value holds a double quote, `&quot;` when it holds both."""
    text = xml_text(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))
