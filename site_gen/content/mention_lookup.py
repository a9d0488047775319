"""WebFinger lookups of @mentions at build time, through the guarded outgoing client.

A handle in a post names a server chosen by whoever wrote it, or by whoever the author
copied it from, so the build asks it exactly as the function asks remote servers
(`site_remote`): addresses checked after DNS and before any connection, at most 1 MB read,
timeouts, every redirect checked again. Only a site that is itself on loopback (tried out on
one machine) may look up servers on loopback or private addresses. All handles of a build
are looked up at once, concurrently, in one event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from site_core import __version__
from site_core.loopback import is_loopback_url

if TYPE_CHECKING:
    import aiohttp
    from aiohttp.abc import AbstractResolver

    from site_remote.client import FetchResult

__all__ = ["LookupSettings", "describe_failure", "entry_from_jrd", "look_up_all", "lookup_session"]

_ACTIVITY_TYPES = (
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
)
_PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
_MAX_BYTES = 1024 * 1024  # FEDERATION.md#size-limits
_JRD_ACCEPT = "application/jrd+json, application/json"

# A handle's entry in mentions.json ({"actor_id": ..., "profile_url": ...}), or why there is none.
Entry = dict[str, str]
Lookup = Entry | str


@dataclass(frozen=True)
class LookupSettings:
    """How the build reaches the servers of the handles it mentions.

    `origins` and `dns` are for tests: `origins` maps a domain to the origin to ask instead
    of `https://<domain>` (a server on 127.0.0.1; its actor URLs may then be http), `dns` is
    the guard's inner resolver (names mapped to chosen addresses without DNS).
    """

    user_agent: str = f"site-gen/{__version__}"
    allow_private_addresses: bool = False
    origins: Mapping[str, str] = field(default_factory=dict)
    dns: AbstractResolver | None = None

    @classmethod
    def for_site(cls, site_url: str, *, origins: Mapping[str, str] | None = None) -> LookupSettings:
        """The lookups of the site at `site_url`: private addresses only for a loopback site."""
        from site_core.user_agent import user_agent_for

        return cls(user_agent_for(site_url), is_loopback_url(site_url), dict(origins or {}))

    def origin_for(self, domain: str) -> str:
        """Where to ask about `domain`: `https://<domain>` unless `origins` says otherwise."""
        for name, origin in self.origins.items():
            if name.lower() == domain:
                return origin.rstrip("/")
        return f"https://{domain}"

    def url_to_ask(self, url: str) -> str:
        """`url` itself, or the same path on the origin `origins` names for its host."""
        parts = urlsplit(url)
        host = (parts.netloc or "").lower()
        if not any(name.lower() == host for name in self.origins):
            return url
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.origin_for(host)}{parts.path or '/'}{query}"


def lookup_session(settings: LookupSettings) -> aiohttp.ClientSession:
    """A guarded session for the build's lookups; call it with an event loop running."""
    from site_remote.client import ClientSettings, make_session

    client = ClientSettings(
        user_agent=settings.user_agent,
        allow_private_addresses=settings.allow_private_addresses,
    )
    return make_session(client, resolver=settings.dns)


def look_up_all(keys: Sequence[str], settings: LookupSettings) -> list[Lookup]:
    """Each normalized handle's entry or the reason it has none, in the order of `keys`.

    Runs its own event loop: the build is synchronous, and calls this once per build (an
    offline build never does, and never imports asyncio).
    """
    import asyncio

    return asyncio.run(_look_up_all(keys, settings))


async def _look_up_all(keys: Sequence[str], settings: LookupSettings) -> list[Lookup]:
    import asyncio

    session = lookup_session(settings)
    try:
        return list(await asyncio.gather(*(_look_up(session, key, settings) for key in keys)))
    finally:
        await session.close()


async def _look_up(session: aiohttp.ClientSession, key: str, settings: LookupSettings) -> Lookup:
    from site_remote.client import get_json

    user, domain = key[1:].split("@", 1)
    origin = settings.origin_for(domain)
    result = await get_json(
        session,
        f"{origin}/.well-known/webfinger",
        params={"resource": f"acct:{user}@{domain}"},
        accept=_JRD_ACCEPT,
        max_bytes=_MAX_BYTES,
    )
    if not result.ok or result.document is None:
        return _failure(result)
    return entry_from_jrd(result.document, allow_http=origin.startswith("http://"))


def _failure(result: FetchResult) -> str:
    """Why a WebFinger request gave no answer, in words for the build's warnings."""
    return describe_failure(result, "WebFinger")


def describe_failure(result: FetchResult, what: str) -> str:
    """Why a lookup (`what`: "WebFinger", "the post", ...) gave no answer, in words."""
    if result.outcome == "refused" and result.detail.startswith("refused to connect"):
        return (
            f"{what} request {result.detail}; a build asks only public servers, "
            "unless the site's base_url is itself on loopback"
        )
    if result.outcome == "refused":
        return f"{what} request refused ({result.detail})"
    if result.outcome == "too_large":
        return f"{what} answer is larger than 1 MB"
    if result.outcome == "bad_json":
        return (
            f"{what} answer is not JSON"
            if result.detail == "not valid JSON"
            else (f"{what} answer is {result.detail}")
        )
    if result.outcome == "network_error":
        return f"{what} request failed ({result.detail})"
    if result.status is not None:
        return f"{what} answered HTTP {result.status}"
    return f"{what} request failed ({result.detail})"


def entry_from_jrd(jrd: Mapping[str, Any], *, allow_http: bool) -> Lookup:
    """The actor (and profile page) a WebFinger answer names; https only, unless `allow_http`."""
    links = jrd.get("links")
    if not isinstance(links, list):
        return "WebFinger answer has no links"
    schemes = ("https", "http") if allow_http else ("https",)
    actor_id = profile_url = None
    for link in links:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            continue
        href = link["href"]
        parts = urlsplit(href)
        if parts.scheme not in schemes or not parts.netloc:
            continue
        if link.get("rel") == "self" and link.get("type") in _ACTIVITY_TYPES:
            actor_id = actor_id or href
        elif link.get("rel") == _PROFILE_PAGE:
            profile_url = profile_url or href
    if actor_id is None:
        return "WebFinger answer has no ActivityPub self link"
    entry = {"actor_id": actor_id}
    if profile_url:
        entry["profile_url"] = profile_url
    return entry
