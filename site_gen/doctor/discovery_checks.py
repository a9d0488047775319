"""WebFinger, host-meta and NodeInfo, read the way a remote server reads them.

WebFinger must answer `acct:user@host` as JRD with CORS, the subject asked for, the actor
among its aliases and a `self` link typed `application/activity+json`; and the round trip
Mastodon makes (the actor's `preferredUsername@host` looked up again) must lead back to the
same actor id (FEDERATION.md#webfinger-round-trip). A handle on another domain is checked
both ways by `handle_domain_checks`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from site_core.urls import ACTIVITY_JSON, JRD_JSON, XRD_XML
from site_gen.doctor.accept_headers import MASTODON
from site_gen.doctor.handle_domain_checks import check_handle_domain
from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_discovery"]

_JRD_ACCEPT = "application/jrd+json, application/json"
_SELF_TYPES = frozenset(
    {ACTIVITY_JSON, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
)


async def check_discovery(target: DoctorTarget, web: Observer) -> list[Finding]:
    findings = await _webfinger(target, web)
    findings.append(await _round_trip(target, web))
    findings.append(await _host_meta(target, web))
    findings += await _nodeinfo(target, web)
    return findings + await check_handle_domain(target, web)


async def finger(target: DoctorTarget, web: Observer, acct: str) -> Seen:
    """The WebFinger answer for `acct` (with the `acct:` scheme) at the site."""
    url = f"{target.urls.webfinger}?resource={quote(acct, safe=':@')}"
    return await web.get(url, _JRD_ACCEPT)


def _self_link(document: Any) -> dict[str, Any] | None:
    links = document.get("links") if isinstance(document, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "self":
            return link
    return None


async def _webfinger(target: DoctorTarget, web: Observer) -> list[Finding]:
    urls = target.urls
    seen = await finger(target, web, urls.acct)
    if seen.status != 200 or not isinstance(seen.json(), dict):
        return [
            _fail(
                "webfinger",
                f"{urls.acct}: {seen.describe()}",
                "Publish the build's .well-known/webfinger file and serve it for every resource",
            )
        ]
    found = [
        _typed(
            "webfinger content type",
            seen,
            JRD_JSON,
            "Serve .well-known/webfinger as application/jrd+json with the host config the"
            " build wrote",
        ),
        _cors(seen),
    ]
    return found + _jrd_fields(target, seen.json())


def _jrd_fields(target: DoctorTarget, document: dict[str, Any]) -> list[Finding]:
    """The subject, the aliases and the `self` link of the JRD."""
    urls = target.urls
    found = []
    subject = document.get("subject")
    found.append(
        Finding.ok("webfinger subject", subject)
        if subject == urls.acct
        else _fail(
            "webfinger subject",
            f"{subject!r}, asked for {urls.acct!r}",
            "Rebuild with base_url and username of the deployed site, then deploy",
        )
    )
    aliases = document.get("aliases") or []
    found.append(
        Finding.ok("webfinger aliases", "lists the actor")
        if urls.actor in aliases
        else Finding.problem(
            "webfinger aliases",
            f"{aliases!r} lacks {urls.actor}",
            "Rebuild and deploy: the build lists the actor among the aliases",
            "deploying",
            "warn",
        )
    )
    link = _self_link(document) or {}
    good = link.get("type") in _SELF_TYPES and link.get("href") == urls.actor
    found.append(
        Finding.ok("webfinger self link", f"{link.get('type')} {link.get('href')}")
        if good
        else _fail(
            "webfinger self link",
            f"{link!r}",
            f"Rebuild: the self link must be {ACTIVITY_JSON} to {urls.actor}",
        )
    )
    return found


async def _round_trip(target: DoctorTarget, web: Observer) -> Finding:
    check = "webfinger round trip"
    actor = (await web.get(target.urls.actor, MASTODON)).json()
    username = actor.get("preferredUsername") if isinstance(actor, dict) else None
    if not isinstance(username, str):
        return _fail(
            check, "the actor has no preferredUsername", "Deploy the build's ap/actor document"
        )
    acct = f"acct:{username}@{urlsplit(target.urls.actor).netloc}"
    link = _self_link((await finger(target, web, acct)).json()) or {}
    if link.get("href") != target.urls.actor:
        return _fail(
            check,
            f"{acct} leads to {link.get('href')!r}, not {target.urls.actor}",
            "Rebuild with the username and base_url of the deployed site so handle and actor agree",
        )
    return Finding.ok(check, f"{acct} -> {target.urls.actor}")


async def _host_meta(target: DoctorTarget, web: Observer) -> Finding:
    seen = await web.get(target.urls.host_meta, XRD_XML)
    template = f"{target.urls.webfinger}?resource={{uri}}"
    if seen.status != 200 or template.encode() not in seen.body:
        return _fail(
            "host-meta",
            f"{seen.describe()}, lrdd template {_found(template.encode() in seen.body)}",
            "Publish .well-known/host-meta from the build",
        )
    if seen.media_type != XRD_XML:
        return _fail(
            "host-meta",
            seen.describe(),
            f"Serve .well-known/host-meta as {XRD_XML} with the host config the build wrote",
        )
    return Finding.ok("host-meta", seen.describe())


async def _nodeinfo(target: DoctorTarget, web: Observer) -> list[Finding]:
    seen = await web.get(target.urls.nodeinfo_links, "application/json")
    links = seen.json().get("links") if isinstance(seen.json(), dict) else None
    if seen.status != 200 or not isinstance(links, list) or not links:
        return [
            _fail(
                "nodeinfo",
                f"{target.urls.nodeinfo_links}: {seen.describe()}",
                "Publish .well-known/nodeinfo from the build",
            )
        ]
    found = []
    for link in links:
        href = link.get("href") if isinstance(link, dict) else None
        if isinstance(href, str):
            found.append(await _nodeinfo_document(web, href))
    return found


async def _nodeinfo_document(web: Observer, href: str) -> Finding:
    seen = await web.get(href, "application/json")
    document = seen.json()
    check = f"nodeinfo {urlsplit(href).path}"
    protocols = document.get("protocols") if isinstance(document, dict) else None
    if seen.status != 200 or not isinstance(protocols, list) or "activitypub" not in protocols:
        return _fail(check, seen.describe(), "Publish the build's nodeinfo documents")
    if not seen.media_type.startswith("application/json"):
        return _fail(
            check,
            seen.describe(),
            "Serve nodeinfo documents as JSON with the host config the build wrote",
        )
    return Finding.ok(check, seen.describe())


def _typed(check: str, seen: Seen, media_type: str, fix: str) -> Finding:
    if seen.media_type != media_type:
        return _fail(check, f"{seen.describe()}, expected {media_type}", fix)
    return Finding.ok(check, seen.describe())


def _cors(seen: Seen) -> Finding:
    value = seen.headers.get("access-control-allow-origin")
    if value != "*":
        return _fail(
            "webfinger CORS",
            f"Access-Control-Allow-Origin: {value!r}",
            (
                "Add Access-Control-Allow-Origin: * to .well-known/webfinger with the host config "
                "the build wrote"
            ),
        )
    return Finding.ok("webfinger CORS", "Access-Control-Allow-Origin: *")


def _found(present: bool) -> str:
    return "found" if present else "missing"


def _fail(check: str, seen: str, fix: str) -> Finding:
    return Finding.problem(check, seen, fix, "hosts")
