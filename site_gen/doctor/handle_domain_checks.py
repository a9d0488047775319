"""A handle on another domain, resolved both ways the way Mastodon resolves it.

Forwards: `acct:user@handle-domain` asked at the handle's domain (redirects followed, as
Mastodon follows them) must answer with the canonical subject and a `self` link to the actor.
Backwards: the actor's `preferredUsername` and FEP-2c59 `webfinger` must name that same handle,
and the site's own WebFinger, asked for `acct:user@site-host`, must answer with the canonical
subject, so a server that starts from the actor lands on the same handle
(FEDERATION.md#handle-domain). Run only when site.yaml sets `handle_domain`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin

from site_gen.doctor.accept_headers import MASTODON
from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_handle_domain"]

_JRD_ACCEPT = "application/jrd+json, application/json"
_MAX_REDIRECTS = 3  # as many hops as Mastodon's WebFinger requests follow
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


async def check_handle_domain(target: DoctorTarget, web: Observer) -> list[Finding]:
    """The three findings of a split handle; none when the handle is on the site's host."""
    if not target.urls.split_handle:
        return []
    return [
        await _forwards(target, web),
        await _actor_names_handle(target, web),
        await _site_answers_canonical(target, web),
    ]


async def _finger(web: Observer, endpoint: str, acct: str) -> tuple[Seen, int]:
    """The WebFinger answer for `acct` at `endpoint`, after at most three redirects, and how
    many redirects led there."""
    url = f"{endpoint}?resource={quote(acct, safe=':@')}"
    seen, hops = await web.get(url, _JRD_ACCEPT), 0
    while seen.status in _REDIRECTS and seen.headers.get("location") and hops < _MAX_REDIRECTS:
        url, hops = urljoin(url, seen.headers["location"]), hops + 1
        seen = await web.get(url, _JRD_ACCEPT)
    return seen, hops


def _self_href(document: Any) -> Any:
    links = document.get("links") if isinstance(document, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "self":
            return link.get("href")
    return None


def _jrd_problem(target: DoctorTarget, seen: Seen) -> str | None:
    """What is wrong with a WebFinger answer for the canonical handle, or None."""
    urls = target.urls
    document = seen.json()
    if seen.status != 200 or not isinstance(document, dict):
        return seen.describe()
    if document.get("subject") != urls.acct:
        return f"subject {document.get('subject')!r}, not {urls.acct!r}"
    if _self_href(document) != urls.actor:
        return f"self link {_self_href(document)!r}, not {urls.actor}"
    return None


async def _forwards(target: DoctorTarget, web: Observer) -> Finding:
    urls = target.urls
    check = "handle domain webfinger"
    seen, hops = await _finger(web, urls.handle_webfinger, urls.acct)
    problem = _jrd_problem(target, seen)
    if problem is not None:
        return _fail(
            check,
            f"{urls.acct} at {urls.handle_origin}: {problem}",
            f"Put the redirect of deploy/handle-domain/ on {urls.handle_host}, or copy its "
            "static/ folder there (deploy/handle-domain/README.txt)",
        )
    how = f"after {hops} redirect{'s' if hops != 1 else ''}" if hops else "from a copy"
    return Finding.ok(check, f"{urls.acct} at {urls.handle_host} -> {urls.actor} ({how})")


async def _actor_names_handle(target: DoctorTarget, web: Observer) -> Finding:
    urls = target.urls
    check = "handle domain actor"
    actor = (await web.get(urls.actor, MASTODON)).json()
    actor = actor if isinstance(actor, dict) else {}
    named = (actor.get("preferredUsername"), actor.get("webfinger"))
    wanted = (urls.username, urls.acct.removeprefix("acct:"))
    if named != wanted:
        return _fail(
            check,
            f"preferredUsername {named[0]!r}, webfinger {named[1]!r}; want {wanted[1]!r}",
            "Rebuild with handle_domain in site.yaml and deploy the actor",
        )
    return Finding.ok(check, f"preferredUsername and webfinger name {urls.handle}")


async def _site_answers_canonical(target: DoctorTarget, web: Observer) -> Finding:
    urls = target.urls
    check = "handle domain from the site"
    seen, _hops = await _finger(web, urls.webfinger, urls.site_acct)
    problem = _jrd_problem(target, seen)
    if problem is not None:
        return _fail(
            check,
            f"{urls.site_acct}: {problem}",
            "Rebuild with handle_domain in site.yaml and deploy .well-known/webfinger",
        )
    return Finding.ok(check, f"{urls.site_acct} -> subject {urls.acct}")


def _fail(check: str, seen: str, fix: str) -> Finding:
    return Finding.problem(check, seen, fix, "deploying")
