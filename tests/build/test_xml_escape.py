"""The build's XML escaping gives the bytes of `xml.sax.saxutils`, which it no longer imports."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pytest

from site_gen.xml_escape import xml_attribute, xml_text

SAMPLES = [
    "",
    "plain",
    "a & b < c > d",
    "&amp; already",
    'say "hi"',
    "it's",
    """both ' and " quotes""",
    "tab\there, line\nbreak, return\r",
    "https://example.com/?q=1&r=<2>",
    "émoji 🎉 and ünïcode",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_bytes_as_saxutils(text: str) -> None:
    assert xml_text(text) == escape(text)
    assert xml_attribute(text) == quoteattr(text)
