"""Read an ActivityPub id as an http(s) URL without ever raising (sans-IO).

Ids arrive from strangers: a keyId, an actor, an object, an inbox in a fetched document.
`urllib.parse.urlsplit` raises on some of them (`http://[::1`), and `SplitResult.port` raises
on others (`:99999`), long after the id was accepted. Every place that splits an id asks
`parse_http_url` instead and gets the parts, or None for anything that is not a usable
http(s) URL, so a malformed id is refused where it enters rather than failing deep inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["HttpUrl", "is_http_url", "parse_http_url"]

_SCHEMES = ("http", "https")
# Control characters and spaces never belong in an id; `urlsplit` would quietly drop some.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
_PORT = r"(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~-]+" + _PORT + r"(?:[/?#][^\x00-\x20\x7f]*)?\Z")


@dataclass(frozen=True, slots=True)
class HttpUrl:
    """The parts of an http(s) URL that the function relies on; `host` is lower-case."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str

    @property
    def origin(self) -> tuple[str, str, int | None]:
        """Scheme, host and port: ids on one origin are vouched for by the same server."""
        return self.scheme, self.host, self.port


def parse_http_url(text: str) -> HttpUrl | None:
    """The parts of `text`, or None unless it is an http(s) URL with a host and a valid port."""
    if not text or _FORBIDDEN.search(text) is not None:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # unbalanced brackets, a port out of range or not a number
        return None
    host = parts.hostname
    if parts.scheme not in _SCHEMES or not host:
        return None
    return HttpUrl(parts.scheme, host, port, parts.path, parts.query, parts.fragment)


def is_http_url(text: str) -> bool:
    """True when `text` is an http(s) URL that `parse_http_url` accepts.

    Ids of the usual shape (a plain host name, a port that fits) are recognised by one regex;
    only the others pay for the full parse.
    """
    return _PLAIN_URL.match(text) is not None or parse_http_url(text) is not None
