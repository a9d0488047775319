"""Who wrote the post a reply answers: fetched at build time, through the guarded client.

A reply threads and notifies on Mastodon only when its author is in `cc` and tagged as a
Mention (FEDERATION.md#reply-addressing), so the build reads the replied-to post, then its
`attributedTo` actor, then confirms the handle by WebFinger the way Mastodon does: the
actor's server is asked for `acct:<preferredUsername>@<its host>`; when the answer's subject
names another domain, that domain must point back at the same actor. Without a confirmation
the handle is `@<preferredUsername>@<actor host>`. Requests are unsigned: a server that serves
posts only to signed fetches leaves the reply with `inReplyTo` alone (the publish step, which
signs, still delivers to the author). Every request is bounded like a mention lookup.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from site_gen.content.mention_lookup import (
    LookupSettings,
    describe_failure,
    entry_from_jrd,
    lookup_session,
)

if TYPE_CHECKING:
    import aiohttp

__all__ = ["look_up_replied"]

_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
_JRD_ACCEPT = "application/jrd+json, application/json"
_MAX_BYTES = 1024 * 1024  # FEDERATION.md#size-limits
_USERNAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::[0-9]{1,5})?$")

# A replied-to post's entry in replies.json ({"actor_id", "handle", "profile_url"?,
# "context"?}), or why there is none.
Entry = dict[str, str]
Lookup = Entry | str


def look_up_replied(urls: Sequence[str], settings: LookupSettings) -> list[Lookup]:
    """Each replied-to post's author entry, or the reason there is none, in `urls` order."""
    return asyncio.run(_look_up_all(urls, settings))


async def _look_up_all(urls: Sequence[str], settings: LookupSettings) -> list[Lookup]:
    session = lookup_session(settings)
    try:
        return list(await asyncio.gather(*(_look_up(session, url, settings) for url in urls)))
    finally:
        await session.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _get(session: aiohttp.ClientSession, url: str, accept: str, **kw: Any) -> Any:
    from site_remote.client import get_json

    return await get_json(session, url, accept=accept, max_bytes=_MAX_BYTES, **kw)


async def _look_up(session: aiohttp.ClientSession, url: str, settings: LookupSettings) -> Lookup:
    post = await _get(session, settings.url_to_ask(url), _ACCEPT)
    if not post.ok or post.document is None:
        return describe_failure(post, "the post")
    served_by = _origin(post.url)
    allow_http = served_by.startswith("http://")
    actor_id = _author_id(post.document)
    if actor_id is None or not _usable_url(actor_id, allow_http):
        return "the post names no author (attributedTo)"
    if _origin(settings.url_to_ask(actor_id)) != served_by:
        return f"the post's author {actor_id} is not on the server that served the post"
    actor = await _get(session, settings.url_to_ask(actor_id), _ACCEPT)
    if not actor.ok or actor.document is None:
        return describe_failure(actor, "the author's actor")
    if actor.document.get("id") != actor_id:
        return f"the author's actor document is not {actor_id}"
    user = actor.document.get("preferredUsername")
    if not isinstance(user, str) or not _USERNAME.match(user):
        return "the author's actor has no usable preferredUsername"
    entry = {"actor_id": actor_id, "handle": await _handle(session, user, actor_id, settings)}
    for key, value in (("profile_url", actor.document.get("url")), ("context", _context(post))):
        if isinstance(value, str) and _usable_url(value, allow_http):
            entry[key] = value
    return entry


def _author_id(document: Mapping[str, Any]) -> str | None:
    """The first `attributedTo` (a URL, an object with an id, or a list of either)."""
    author = document.get("attributedTo")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("id")
    return author if isinstance(author, str) else None


def _context(post: Any) -> Any:
    """The thread's FEP-7888 `context`, when the post gives it as a URL."""
    return post.document.get("context") if post.document else None


def _usable_url(url: str, allow_http: bool) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.scheme in (("https", "http") if allow_http else ("https",))


async def _handle(
    session: aiohttp.ClientSession, user: str, actor_id: str, settings: LookupSettings
) -> str:
    """`@user@domain` confirmed by WebFinger, else `@preferredUsername@<actor host>`."""
    host = urlsplit(actor_id).netloc.lower()
    fallback = f"@{user}@{host}"
    subject = await _webfinger_subject(session, user, host, actor_id, settings)
    if subject is None:
        return fallback
    if subject[1] == host:
        return f"@{subject[0]}@{host}"
    confirmed = await _webfinger_subject(session, *subject, actor_id, settings)
    return f"@{subject[0]}@{subject[1]}" if confirmed == subject else fallback


async def _webfinger_subject(
    session: aiohttp.ClientSession, user: str, domain: str, actor_id: str, settings: LookupSettings
) -> tuple[str, str] | None:
    """The (user, domain) of the WebFinger subject, if `domain` names `actor_id` for it."""
    if any(name.lower() == domain for name in settings.origins):
        origin = settings.origin_for(domain)
    else:
        origin = f"{urlsplit(actor_id).scheme}://{domain}"
    answer = await _get(
        session,
        f"{origin}/.well-known/webfinger",
        _JRD_ACCEPT,
        params={"resource": f"acct:{user}@{domain}"},
    )
    if not answer.ok or answer.document is None:
        return None
    found = entry_from_jrd(answer.document, allow_http=origin.startswith("http://"))
    if isinstance(found, str) or found["actor_id"] != actor_id:
        return None
    subject = answer.document.get("subject")
    if not isinstance(subject, str) or not subject.startswith("acct:"):
        return (user, domain)
    name, _, where = subject.removeprefix("acct:").partition("@")
    if not _USERNAME.match(name) or not _DOMAIN.match(where.lower()):
        return None
    return (name, where.lower())
