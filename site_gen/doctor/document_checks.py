"""The actor, the outbox and its first page, a post object and the featured collection.

Each is fetched at its id with the Accept header of every peer (`accept_headers`): it must
answer 200 as `application/activity+json` (or ld+json with the ActivityStreams profile) with
that same id, without a redirect (FEDERATION.md#id-is-url); a browser must reach the HTML
page. The actor's key must parse and be owned by the actor, and, when the doctor holds the
site's private key, be its public half (a stale key makes every signature fail).
"""

from __future__ import annotations

from typing import Any

from site_core.errors import SiteGenError
from site_core.keys import load_public_key, public_key_pem
from site_gen.doctor.accept_headers import BROWSER, MASTODON, PEER_ACCEPTS
from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_documents", "document_urls"]

_AP_TYPES = frozenset({"application/activity+json", "application/ld+json"})


async def document_urls(target: DoctorTarget, web: Observer) -> dict[str, str]:
    """Name -> URL of the documents to check, found the way a peer finds them."""
    urls = {"actor": target.urls.actor, "outbox": target.urls.outbox}
    actor = (await web.get(target.urls.actor, MASTODON)).json()
    if isinstance(actor, dict) and isinstance(actor.get("featured"), str):
        urls["featured"] = actor["featured"]
    outbox = (await web.get(target.urls.outbox, MASTODON)).json()
    first = outbox.get("first") if isinstance(outbox, dict) else None
    if isinstance(first, str):
        urls["outbox first page"] = first
        post = _first_post((await web.get(first, MASTODON)).json())
        if post is not None:
            urls["post object"] = post
    return urls


def _first_post(page: Any) -> str | None:
    items = page.get("orderedItems") if isinstance(page, dict) else None
    for item in items if isinstance(items, list) else []:
        inner = item.get("object") if isinstance(item, dict) else None
        found = inner.get("id") if isinstance(inner, dict) else inner
        if isinstance(found, str):
            return found
    return None


async def check_documents(target: DoctorTarget, web: Observer) -> list[Finding]:
    findings: list[Finding] = []
    for name, url in (await document_urls(target, web)).items():
        findings.append(await _served_at_id(target, web, name, url))
        if name in ("actor", "post object"):
            findings.append(await _browser(web, name, url))
    findings.append(await _key(target, web))
    return findings


def _problem_with(target: DoctorTarget, seen: Seen) -> str | None:
    """What is wrong with one fetch of a document at its id, or None."""
    if seen.status in (301, 302, 303, 307, 308):
        location = seen.headers.get("location", "")
        where = "another origin" if not target.same_origin(location or seen.url) else "itself"
        return f"redirects to {where} ({location})"
    if seen.status != 200:
        return seen.describe()
    if seen.media_type not in _AP_TYPES:
        return f"served as {seen.headers.get('content-type', 'no type')}"
    document = seen.json()
    if not isinstance(document, dict) or document.get("id") != seen.url:
        got = document.get("id") if isinstance(document, dict) else None
        return f"its id is {got!r}, not the URL fetched"
    return None


async def _served_at_id(target: DoctorTarget, web: Observer, name: str, url: str) -> Finding:
    problems = []
    for peer, accept in PEER_ACCEPTS:
        problem = _problem_with(target, await web.get(url, accept))
        if problem is not None:
            problems.append(f"{peer}: {problem}")
    check = f"{name} at its id"
    if not problems:
        return Finding.ok(check, f"{url} as application/activity+json for every peer")
    if any("another origin" in problem for problem in problems):
        fix = "Serve documents at their id on the site's origin, with no redirect to another host"
        return Finding.problem(check, f"{url}: {'; '.join(problems)}", fix, "hosts")
    fix = (
        "Serve the build's ap/ files as application/activity+json with the host config the build "
        "wrote"
    )
    return Finding.problem(check, f"{url}: {'; '.join(problems)}", fix, "hosts")


async def _browser(web: Observer, name: str, url: str) -> Finding:
    """A browser at the id gets HTML, or (static hosts cannot negotiate) the document's
    `url` is the HTML page."""
    check = f"{name} in a browser"
    seen = await web.get(url, BROWSER)
    if seen.status == 200 and seen.media_type == "text/html":
        return Finding.ok(check, f"{url} gives HTML")
    page = (await web.get(url, MASTODON)).json()
    page_url = page.get("url") if isinstance(page, dict) else None
    if isinstance(page_url, list):
        page_url = next((u for u in page_url if isinstance(u, str)), None)
    if isinstance(page_url, str):
        shown = await web.get(page_url, BROWSER)
        if shown.status == 200 and shown.media_type == "text/html":
            return Finding.ok(check, f"its page {page_url} gives HTML")
        seen = shown
    fix = "Deploy the build's HTML pages: the document's url must be a page browsers can open"
    return Finding.problem(check, f"{page_url or url}: {seen.describe()}", fix, "deploying")


async def _key(target: DoctorTarget, web: Observer) -> Finding:
    check = "actor key"
    actor = (await web.get(target.urls.actor, MASTODON)).json()
    key = actor.get("publicKey") if isinstance(actor, dict) else None
    if not isinstance(key, dict) or not isinstance(key.get("publicKeyPem"), str):
        return Finding.problem(
            check, "the actor has no publicKey", "Deploy the build's ap/actor document", "deploying"
        )
    if key.get("owner") != target.urls.actor or key.get("id") != target.urls.key_id:
        seen = f"id {key.get('id')!r}, owner {key.get('owner')!r}"
        return Finding.problem(
            check,
            seen,
            f"Rebuild: the key must be {target.urls.key_id}, owned by the actor",
            "deploying",
        )
    try:
        public = load_public_key(key["publicKeyPem"])
    except SiteGenError as exc:
        return Finding.problem(
            check, str(exc), "Run site-gen keys generate, then rebuild and deploy", "keys"
        )
    if target.signing_key is not None:
        ours = public_key_pem(target.signing_key.private_key.public_key())
        if public_key_pem(public).strip() != ours.strip():
            fix = (
                "The deployed actor carries another key than the site's private key: rebuild and "
                "deploy, and give the function the same key"
            )
            return Finding.problem(
                check, "the deployed public key is not the site's key (stale)", fix, "keys"
            )
    return Finding.ok(check, f"{target.urls.key_id} parses and is owned by the actor")
