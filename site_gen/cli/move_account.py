"""Moving away: find the new account, check it names us, record `moved_to`
(FEDERATION.md#move-aliases).

Mastodon ignores a Move unless the target's `alsoKnownAs` lists the old actor, so we check
that first (`site_function.owner.moving.move_refusal`, the check the function repeats
before it queues the Move) and refuse with that reason; then `moved_to` goes into site.yaml
(the next build sets the actor's `movedTo`), and the Move is queued to every follower by a
backend. The old site keeps answering (actor, posts, inbox), so followers move over at
their own pace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_core.errors import SiteGenError
from site_gen.config import CONFIG_FILENAME, parse_config

if TYPE_CHECKING:
    import aiohttp

    from site_core.signatures import SigningKey

__all__ = ["MoveError", "MoveTarget", "resolve_target", "set_moved_to"]

_HANDLE = re.compile(r"^@?([^@\s/]+)@([^@\s/]+)$")
_JRD_MAX = 200_000


class MoveError(SiteGenError):
    """The move cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class MoveTarget:
    """The new account: its actor id and the document fetched for it."""

    actor_id: str
    document: dict[str, Any]


async def _webfinger(session: aiohttp.ClientSession, handle: str, scheme: str) -> str:
    """The actor a handle names, asked through the guarded client (bounded, re-guarded)."""
    from site_remote.client import get_json

    match = _HANDLE.match(handle.strip())
    if match is None:
        raise MoveError(f"{handle!r} is not a handle like @user@server or an actor URL")
    user, domain = match.groups()
    result = await get_json(
        session,
        f"{scheme}://{domain}/.well-known/webfinger",
        params={"resource": f"acct:{user}@{domain}"},
        accept="application/jrd+json, application/json",
        max_bytes=_JRD_MAX,
    )
    if result.outcome == "bad_json":
        raise MoveError(f"WebFinger for {handle} did not answer JSON")
    if result.outcome in ("http_error", "gone") and result.status is not None:
        raise MoveError(f"WebFinger for {handle} answered {result.status}")
    if not result.ok or result.document is None:
        raise MoveError(f"WebFinger for {handle} failed ({result.outcome}): {result.detail}")
    links = result.document.get("links")
    for link in links if isinstance(links, list) else []:
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and str(link.get("type", "")).split(";")[0].strip()
            in ("application/activity+json", "application/ld+json")
            and isinstance(link.get("href"), str)
        ):
            return str(link["href"])
    raise MoveError(f"WebFinger for {handle} names no ActivityPub actor")


async def resolve_target(
    session: aiohttp.ClientSession,
    handle_or_url: str,
    signing_key: SigningKey,
    now: datetime,
    *,
    scheme: str = "https",
) -> MoveTarget:
    """WebFinger (for a handle), then a signed GET of the actor (GoToSocial needs it)."""
    from site_remote.client import fetch_json

    text = handle_or_url.strip()
    actor_url = (
        text
        if text.startswith(("https://", "http://"))
        else await _webfinger(session, text, scheme)
    )
    result = await fetch_json(session, actor_url, signing_key, now)
    if not result.ok or result.document is None:
        raise MoveError(
            f"cannot fetch the new account {actor_url}: {result.outcome} {result.detail}"
        )
    actor_id = result.document.get("id")
    if actor_id != actor_url:
        raise MoveError(f"the actor at {actor_url} says its id is {actor_id!r}")
    return MoveTarget(actor_url, result.document)


def set_moved_to(site_dir: Path, actor_id: str) -> None:
    """Write `moved_to: <actor>` into site.yaml (replacing one), keeping the rest as written."""
    path = site_dir / CONFIG_FILENAME
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = f"moved_to: {json.dumps(actor_id)}\n"  # quoted: a handle starts with @
    for index, line in enumerate(lines):
        if line.startswith("moved_to:"):
            lines[index] = entry
            break
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(entry)
    text = "".join(lines)
    parse_config(text, path)  # refuse to write a config the build would reject
    path.write_text(text, encoding="utf-8")
