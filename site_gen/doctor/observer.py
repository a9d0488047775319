"""The doctor's view of the site: single HTTP requests through the guarded client, as seen.

Redirects are never followed (a check looks at them), every answer is kept whole up to a
size limit, and the run is bounded three ways: a timeout per request, a deadline for the
whole run and a number of requests. Past either bound a request is not sent and comes back
as "not asked"; network trouble comes back as a value too, never as an exception. GETs are
remembered, so checks that look at the same document cost one request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from site_remote.address_guard import AddressRefused
from site_remote.client import read_bounded

__all__ = ["Observer", "Seen"]

_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Seen:
    """One answer: status None when nothing came back (`error` says why)."""

    url: str
    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lowercase ("" when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None

    def describe(self) -> str:
        """ "200 application/activity+json", or the reason nothing came back."""
        if self.status is None:
            return f"no answer ({self.error})"
        return f"{self.status} {self.headers.get('content-type', 'no Content-Type')}"


class Observer:
    """Sends the doctor's requests on one guarded session, within the run's bounds."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        time_limit: float = 60.0,
        request_timeout: float = 10.0,
        max_requests: int = 400,
    ) -> None:
        self._session = session
        self._deadline = time.monotonic() + time_limit
        self._timeout = request_timeout
        self._left = max_requests
        self._cache: dict[tuple[str, str], Seen] = {}

    def answers(self) -> list[Seen]:
        """Every GET answer so far, in the order asked."""
        return list(self._cache.values())

    async def get(self, url: str, accept: str = "*/*") -> Seen:
        key = (url, accept)
        if key not in self._cache:
            self._cache[key] = await self.send("GET", url, {"Accept": accept})
        return self._cache[key]

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None = None
    ) -> Seen:
        """One request, never redirected; the answer or the reason there was none."""
        left = self._deadline - time.monotonic()
        if left <= 0 or self._left <= 0:
            return Seen(url, None, error="not asked: the doctor's time or request budget ran out")
        self._left -= 1
        timeout = aiohttp.ClientTimeout(total=min(self._timeout, left))
        try:
            async with self._session.request(
                method,
                url,
                headers=dict(headers),
                data=body,
                allow_redirects=False,
                timeout=timeout,
            ) as response:
                data = await read_bounded(response, _MAX_BYTES)
                found = {name.lower(): value for name, value in response.headers.items()}
                return Seen(url, response.status, found, data or b"")
        except AddressRefused as exc:
            return Seen(url, None, error=f"refused address: {exc}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return Seen(url, None, error=type(exc).__name__ + (f": {exc}" if str(exc) else ""))
