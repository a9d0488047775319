"""Find a visitor's interaction page: WebFinger, then NodeInfo if needed, through the guarded
client (FEDERATION.md#remote-interaction).

Every request goes through the function's one outgoing session (`site_remote`): addresses are
checked after DNS and before any connection, answers are read up to a small bound, redirects
are re-guarded. The whole lookup has one deadline, so a server that trickles its answer costs a
visitor at most that long. What the remote server answers is a value (`Redirect` or
`Explained`), never an exception; `site_core.remote_interaction` decides what the answer means.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from site_core.remote_interaction import (
    Choice,
    HostKey,
    Interaction,
    VisitorAccount,
    advertised_target,
    host_key_of_url,
    is_safe_target,
    mastodon_target,
    nodeinfo_href,
    software_name,
)

if TYPE_CHECKING:
    import aiohttp

    from site_remote.client import FetchResult

__all__ = ["Explained", "Redirect", "find_interaction_page"]

_JRD_ACCEPT = "application/jrd+json, application/json"
_MAX_BYTES = 100_000  # a JRD or a NodeInfo document is a few kilobytes


@dataclass(frozen=True, slots=True)
class Redirect:
    """Send the visitor to `choice.url` (checked: http(s), on their server)."""

    choice: Choice


@dataclass(frozen=True, slots=True)
class Explained:
    """No redirect: the page says `message` with this status (200 when the server simply
    advertises no interaction page, 400 for the visitor's input, 502 for the server's answer)."""

    status: int
    message: str


async def find_interaction_page(
    session: aiohttp.ClientSession,
    account: VisitorAccount,
    interaction: Interaction,
    *,
    scheme: str,
    deadline: float,
) -> Redirect | Explained:
    """Where `account`'s server lets them act, asked over `scheme` within `deadline` seconds."""
    try:
        async with asyncio.timeout(deadline):
            return await _find(session, account, interaction, scheme)
    except TimeoutError:
        return Explained(502, f"Your server ({account.host}) did not answer in time.")


async def _find(
    session: aiohttp.ClientSession, account: VisitorAccount, interaction: Interaction, scheme: str
) -> Redirect | Explained:
    from site_remote.client import get_json

    result = await get_json(
        session,
        f"{scheme}://{account.host}/.well-known/webfinger",
        params={"resource": account.acct},
        accept=_JRD_ACCEPT,
        max_bytes=_MAX_BYTES,
    )
    if not result.ok or result.document is None:
        return _webfinger_failure(account, result)
    # The handle's host, and the host that finally answered (WebFinger may redirect from the
    # handle's domain to the server's own, as Mastodon's split-domain setups do).
    allowed = {key for key in (account.host_key, host_key_of_url(result.url)) if key}
    choice = advertised_target(result.document, interaction)
    if choice is None:
        origin = _origin_of(result.url)
        if not await _runs_mastodon(session, origin, allowed):
            return Explained(
                200, f"Your server ({account.host}) does not say where to follow or reply from."
            )
        choice = mastodon_target(origin, interaction)
    if not is_safe_target(choice.url, allowed):
        return Explained(
            502, f"Your server ({account.host}) gave an interaction address we cannot send you to."
        )
    return Redirect(choice)


def _origin_of(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


def _webfinger_failure(account: VisitorAccount, result: FetchResult) -> Explained:
    """The visitor's mistake (400) or their server's trouble (502), in a sentence."""
    if result.outcome == "gone" or result.status == 404:
        return Explained(400, f"{account.host} does not know the account {account.handle}.")
    if result.outcome == "refused":
        return Explained(
            400, f"{account.host} is not a public server: this site does not contact it."
        )
    if result.status is not None:
        return Explained(502, f"Your server ({account.host}) answered HTTP {result.status}.")
    if result.outcome == "network_error":
        return Explained(502, f"Your server ({account.host}) could not be reached.")
    return Explained(502, f"Your server ({account.host}) did not answer with a usable account.")


async def _runs_mastodon(
    session: aiohttp.ClientSession, origin: str, allowed: set[HostKey]
) -> bool:
    """True when the server's NodeInfo, on its own host, names Mastodon."""
    from site_remote.client import get_json

    links = await get_json(session, f"{origin}/.well-known/nodeinfo", max_bytes=_MAX_BYTES)
    href = nodeinfo_href(links.document) if links.ok and links.document else None
    if href is None or not is_safe_target(href, allowed):
        return False
    info = await get_json(session, href, max_bytes=_MAX_BYTES)
    return info.ok and info.document is not None and software_name(info.document) == "mastodon"
