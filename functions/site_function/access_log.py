"""Keep credentials out of the server's access log.

The admin API refuses a token in the query string, but the server has already logged the
request line by then. uvicorn writes it through the `uvicorn.access` logger, with the path and
query as one argument; the filter installed here drops the query of every `/admin` path (and of
any path whose query names a token) before a handler formats the record. It is installed by
`create_app`, so every way of running the function (`site-gen serve`, `uvicorn ...asgi:app`,
a platform's entry point) gets it; installing it twice is harmless.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

__all__ = ["ACCESS_LOGGER", "RedactAdminQueries", "install_access_log_filter", "redacted"]

ACCESS_LOGGER = "uvicorn.access"
_HIDDEN = "?[query hidden]"
_TOKEN_WORDS = ("token", "bearer", "api_key", "password", "secret")


def _is_secret_bearing(path: str, query: str) -> bool:
    """Admin paths carry the owner's token; any query naming a token may carry one too."""
    decoded_path = unquote(path).lower()
    if "/admin" in decoded_path:
        return True
    decoded_query = unquote(query).lower()
    return any(word in decoded_query for word in _TOKEN_WORDS)


def redacted(target: str) -> str:
    """A request target (`/path?query`) as it may be logged."""
    path, mark, query = target.partition("?")
    if mark and _is_secret_bearing(path, query):
        return path + _HIDDEN
    return target


class RedactAdminQueries(logging.Filter):
    """Rewrites the request target among a record's arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_is_target(arg) for arg in args):
            record.args = tuple(redacted(arg) if isinstance(arg, str) else arg for arg in args)
        return True


def _is_target(value: object) -> bool:
    return isinstance(value, str) and value.startswith("/") and "?" in value


def install_access_log_filter() -> None:
    """Add the filter to uvicorn's access logger once (logging config keeps logger filters)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, RedactAdminQueries) for existing in logger.filters):
        logger.addFilter(RedactAdminQueries())
