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
_PORT = r"(?::([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
# The usual shape (a plain host name, a port that fits), in groups: scheme, host, port, rest.
_PLAIN_URL = re.compile(
    r"(https?)://([A-Za-z0-9._~-]+)" + _PORT + r"((?:[/?#][^\x00-\x20\x7f]*)?)\Z"
)

# `parse_http_url`'s recent answers (immutable), for ids up to a length: a bounded memory.
_RECENT: dict[str, HttpUrl | None] = {}
_RECENT_SIZE = 4096
_RECENT_LENGTH = 512


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


_MISSING = HttpUrl("", "", None, "", "", "")  # not in `_RECENT` (compared by identity)


def parse_http_url(text: str) -> HttpUrl | None:
    """The parts of `text`, or None unless it is an http(s) URL with a host and a valid port.

    The inbox splits several ids per request, mostly the same few (its senders, our posts):
    recent answers are kept (`_RECENT`), and an id of the usual shape is split by one regex
    (as `urlsplit` would split it: the fragment after the first `#`, then the query after
    the first `?`); only the others pay for `urlsplit` and its checks."""
    if not text:
        return None
    found = _RECENT.get(text, _MISSING)  # one lookup: another thread may clear it meanwhile
    if found is not _MISSING:
        return found
    found = _parse(text)
    if len(text) <= _RECENT_LENGTH:
        if len(_RECENT) >= _RECENT_SIZE:
            _RECENT.clear()
        _RECENT[text] = found
    return found


def _parse(text: str) -> HttpUrl | None:
    plain = _PLAIN_URL.match(text)
    if plain is not None:
        scheme, host, port, rest = plain.groups()
        rest, _, fragment = rest.partition("#")
        path, _, query = rest.partition("?")
        number = None if port is None else int(port)
        return HttpUrl(scheme, host.lower(), number, path, query, fragment)
    if _FORBIDDEN.search(text) is not None:
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

    An id split recently is answered from `_RECENT`; others of the usual shape (a plain host
    name, a port that fits) are recognised by one regex; only the rest pay for the full parse.
    """
    found = _RECENT.get(text, _MISSING)  # ids the inbox split a moment ago: one lookup
    if found is not _MISSING:
        return found is not None
    return _PLAIN_URL.match(text) is not None or parse_http_url(text) is not None
