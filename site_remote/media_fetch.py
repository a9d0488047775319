"""A guarded GET of a remote file's bytes: an avatar or an image attached to a reply.

The same rules as the JSON fetches of `client`: a session from `make_session` (every address
checked before a packet leaves), redirects followed by hand with each hop re-checked, the
body read up to `max_bytes` and no further, and every outcome a value, never an exception
for what a remote server does.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp

from site_core.ids import parse_http_url
from site_remote.address_guard import AddressRefused
from site_remote.client import REDIRECT_STATUSES, FetchOutcome, read_bounded

__all__ = ["BytesResult", "fetch_bytes"]


@dataclass(frozen=True)
class BytesResult:
    """What a fetch of bytes came to; `body` is set only when `outcome == "ok"`."""

    outcome: FetchOutcome
    url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


async def fetch_bytes(
    session: aiohttp.ClientSession,
    url: str,
    *,
    max_bytes: int,
    accept: str,
    max_redirects: int = 3,
) -> BytesResult:
    """GET `url` (unsigned) and read at most `max_bytes`; never raises for the remote's doing.

    The Content-Type is reported, not judged: the caller checks the bytes themselves.
    """
    try:
        return await _get_bytes(session, url, max_bytes, accept, max_redirects)
    except AddressRefused as exc:
        return BytesResult("refused", url, detail=str(exc))
    except aiohttp.InvalidURL as exc:
        return BytesResult("refused", url, detail=f"invalid URL: {exc}")
    except ValueError as exc:  # yarl/idna on a bad port, host or IPv6 literal
        return BytesResult("refused", url, detail=f"invalid URL: {type(exc).__name__}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return BytesResult("network_error", url, detail=type(exc).__name__)


async def _get_bytes(
    session: aiohttp.ClientSession, url: str, max_bytes: int, accept: str, max_redirects: int
) -> BytesResult:
    """One GET, following redirects by hand (each hop goes through the guard again)."""
    headers = {"Accept": accept}
    for _hop in range(max_redirects + 1):
        if parse_http_url(url) is None:
            return BytesResult("refused", url, detail="not an http(s) URL")
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            status = response.status
            if status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    return BytesResult("http_error", url, status, detail="no Location")
                url = urljoin(url, location)
                continue
            if status == 410:
                return BytesResult("gone", url, status)
            if not 200 <= status < 300:
                return BytesResult("http_error", url, status)
            content_type = response.headers.get("Content-Type", "")[:200]
            body = await read_bounded(response, max_bytes)
        if body is None:
            return BytesResult("too_large", url, status, detail=f"over {max_bytes} bytes")
        return BytesResult("ok", url, status, body, content_type)
    return BytesResult("http_error", url, None, detail=f"more than {max_redirects} redirects")
