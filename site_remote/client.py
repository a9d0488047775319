"""The one outgoing HTTP seam: a guarded aiohttp session and bounded JSON fetches.

aiohttp rather than httpx because one shared httpx pool collapses under concurrency: on a 2-core
machine it falls from about 1,000 to 165 requests a second as concurrency rises from 1 to 64, while
aiohttp holds about 10,000 (`bench/fanout.py` measures the delivery engine on it). Every session
made here refuses internal addresses (`address_guard`), has bounded pools and timeouts, and names
the project and the site in its User-Agent. `fetch_json` (a signed ActivityPub GET) and `get_json`
(an unsigned one, for WebFinger) follow redirects by hand, each hop re-guarded, read at most
`max_bytes`, and never raise for what a remote server does: every outcome is a value.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode, urljoin

import aiohttp
from aiohttp.abc import AbstractResolver

from site_core.ids import parse_http_url
from site_core.user_agent import user_agent_for
from site_remote.address_guard import AddressRefused, GuardedResolver, check_host_literal

if TYPE_CHECKING:
    from site_core.signatures import SigningKey

__all__ = [
    "ACCEPT_ACTIVITY",
    "REDIRECT_STATUSES",
    "ClientSettings",
    "FetchOutcome",
    "FetchResult",
    "SignatureStyle",
    "fetch_json",
    "get_json",
    "is_activity_media_type",
    "make_session",
    "read_bounded",
    "user_agent_for",
]

ACCEPT_ACTIVITY = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# FEDERATION.md#double-knock: a 401/403/404/410 may mean "I did not like your signature"
# (Threads answers 404).
_KNOCK_AGAIN = frozenset({401, 403, 404, 410})

SignatureStyle = Literal["cavage", "cavage-hs2019", "rfc9421"]
FetchOutcome = Literal[
    "ok", "gone", "refused", "too_large", "bad_type", "bad_json", "http_error", "network_error"
]


@dataclass(frozen=True)
class ClientSettings:
    """What an outgoing session needs; built once from the function's settings, or by the
    generator for its build-time lookups."""

    user_agent: str
    allow_private_addresses: bool = False
    limit: int = 100
    limit_per_host: int = 8
    keepalive_timeout: float = 30.0
    connect_timeout: float = 5.0
    total_timeout: float = 10.0


def _literal_guard(allow_private: bool) -> Any:
    """A client middleware refusing IP-literal URLs, which aiohttp never sends to a resolver."""

    async def guard(request: aiohttp.ClientRequest, handler: Any) -> aiohttp.ClientResponse:
        check_host_literal(request.url.raw_host or "", allow_private=allow_private)
        response: aiohttp.ClientResponse = await handler(request)
        return response

    return guard


def make_session(
    settings: ClientSettings, *, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """A session whose every connection goes through the address guard.

    `resolver` is the inner resolver (default: aiohttp's); tests inject one to map names to
    chosen addresses without DNS. Must be called with an event loop running.
    """
    inner = resolver if resolver is not None else aiohttp.resolver.DefaultResolver()
    connector = aiohttp.TCPConnector(
        limit=settings.limit,
        limit_per_host=settings.limit_per_host,
        keepalive_timeout=settings.keepalive_timeout,
        resolver=GuardedResolver(inner, allow_private=settings.allow_private_addresses),
        ttl_dns_cache=60,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(
            total=settings.total_timeout, connect=settings.connect_timeout
        ),
        headers={"User-Agent": settings.user_agent},
        middlewares=(_literal_guard(settings.allow_private_addresses),),
        auto_decompress=True,
        trust_env=False,
    )


@dataclass(frozen=True)
class FetchResult:
    """What a fetch came to. `document` is set only when `outcome == "ok"`."""

    outcome: FetchOutcome
    url: str
    status: int | None = None
    document: dict[str, Any] | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def is_activity_media_type(content_type: str) -> bool:
    """True for activity+json and ld+json (any profile): the types an AP document may carry."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/activity+json", "application/ld+json")


async def read_bounded(response: aiohttp.ClientResponse, max_bytes: int) -> bytes | None:
    """The body, or None as soon as it is longer than `max_bytes` (never buffering more)."""
    if response.content_length is not None and response.content_length > max_bytes:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await response.content.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)


HeadersFor = Callable[[str], Mapping[str, str]]  # the URL of a hop -> its request headers


async def _get_once(
    session: aiohttp.ClientSession,
    url: str,
    headers_for: HeadersFor,
    accepts_type: Callable[[str], bool] | None,
    max_bytes: int,
    max_redirects: int,
) -> FetchResult:
    """One GET, following redirects by hand (each hop re-guarded, its headers made again)."""
    for _hop in range(max_redirects + 1):
        if parse_http_url(url) is None:
            return FetchResult("refused", url, detail="not an http(s) URL")
        async with session.get(url, headers=headers_for(url), allow_redirects=False) as response:
            status = response.status
            if status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    return FetchResult("http_error", url, status, detail="no Location")
                url = urljoin(url, location)
                continue
            if status == 410:
                return FetchResult("gone", url, status)
            if not 200 <= status < 300:
                return FetchResult("http_error", url, status)
            content_type = response.headers.get("Content-Type", "")
            if accepts_type is not None and not accepts_type(content_type):
                return FetchResult("bad_type", url, status, detail=content_type[:100])
            body = await read_bounded(response, max_bytes)
        if body is None:
            return FetchResult("too_large", url, status, detail=f"over {max_bytes} bytes")
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return FetchResult("bad_json", url, status, detail="not valid JSON")
        if not isinstance(document, dict):
            return FetchResult("bad_json", url, status, detail="not a JSON object")
        return FetchResult("ok", url, status, document)
    return FetchResult("http_error", url, None, detail=f"more than {max_redirects} redirects")


async def _as_outcome(url: str, attempt: Awaitable[FetchResult]) -> FetchResult:
    """`attempt`'s result, or the network trouble or refusal it raised, as a value."""
    try:
        return await attempt
    except AddressRefused as exc:
        return FetchResult("refused", url, detail=str(exc))
    except aiohttp.InvalidURL as exc:
        return FetchResult("refused", url, detail=f"invalid URL: {exc}")
    except ValueError as exc:  # yarl/idna on a bad port, host or IPv6 literal (a keyId, a
        # Location): the remote's mistake, so a value, never a 500 from the inbox
        return FetchResult("refused", url, detail=f"invalid URL: {type(exc).__name__}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return FetchResult("network_error", url, detail=type(exc).__name__)


async def fetch_json(
    session: aiohttp.ClientSession,
    url: str,
    signing_key: SigningKey,
    now: datetime,
    *,
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
    styles: Sequence[SignatureStyle] = ("cavage", "rfc9421"),
) -> FetchResult:
    """GET an ActivityPub document with a signed request (FEDERATION.md#signed-get).

    Tries `styles` in order, knocking again with the next one only after a 401/403/404/410
    (FEDERATION.md#double-knock). Never raises for network trouble or what the remote answers.
    """
    from site_core.signatures import sign_request

    result = FetchResult("network_error", url, detail="not attempted")
    for style in styles:

        def signed(hop: str, style: SignatureStyle = style) -> Mapping[str, str]:
            accept = {"Accept": ACCEPT_ACTIVITY}
            return sign_request("GET", hop, key=signing_key, now=now, headers=accept, style=style)

        attempt = _get_once(session, url, signed, is_activity_media_type, max_bytes, max_redirects)
        result = await _as_outcome(url, attempt)
        if result.status not in _KNOCK_AGAIN:
            return result
    return result


async def get_json(
    session: aiohttp.ClientSession,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    accept: str = "application/json",
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
) -> FetchResult:
    """An unsigned GET of a JSON object (a WebFinger answer), with `fetch_json`'s bounds.

    Any Content-Type is taken (servers answer JRD as application/json, jrd+json or text);
    what is not a JSON object is `bad_json`. Never raises for network trouble or the answer.
    """
    target = f"{url}?{urlencode(params)}" if params else url
    headers = {"Accept": accept}
    attempt = _get_once(session, target, lambda _hop: headers, None, max_bytes, max_redirects)
    return await _as_outcome(target, attempt)
