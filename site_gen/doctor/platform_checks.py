"""What Threads and Bridgy Fed ask of a server before they federate with it.

Threads wants a privacy policy and an under-13 (age) policy page, reachable and linked from
NodeInfo, and a public feed (FEDERATION.md#policy-pages). Bridgy Fed bridges an account to
Bluesky only with an avatar, a display name other than the handle, an account a week old and
public posts; those are reported as information unless the owner asked for bridging.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from site_gen.doctor.accept_headers import BROWSER, MASTODON
from site_gen.doctor.observer import Observer
from site_gen.doctor.report import Finding, Status
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_platforms"]

_POLICIES = (("privacy policy", "privacyPolicy"), ("age policy", "agePolicy"))
_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def check_platforms(target: DoctorTarget, web: Observer) -> list[Finding]:
    nodeinfo = (await web.get(target.urls.nodeinfo("2.1"), "application/json")).json()
    metadata = nodeinfo.get("metadata") if isinstance(nodeinfo, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    findings = [await _policy(web, name, metadata.get(key)) for name, key in _POLICIES]
    findings.append(await _feed(target, web))
    findings += await _bridgy(target, web)
    return findings


async def _policy(web: Observer, name: str, url: Any) -> Finding:
    check = f"Threads: {name}"
    if not isinstance(url, str):
        fix = "Rebuild: NodeInfo's metadata links the privacy and age policy pages"
        return Finding.problem(check, "not linked from NodeInfo", fix, "deploying")
    seen = await web.get(url, BROWSER)
    if seen.status == 200 and seen.media_type == "text/html":
        return Finding.ok(check, f"{url}: reachable")
    fix = "Deploy the build's policy pages (privacy/ and age-policy/): Threads requires them"
    return Finding.problem(check, f"{url}: {seen.describe()}", fix, "deploying")


async def _feed(target: DoctorTarget, web: Observer) -> Finding:
    seen = await web.get(target.urls.atom_feed, "application/atom+xml")
    if seen.status == 200 and b"<feed" in seen.body:
        return Finding.ok("Threads: public feed", f"{target.urls.atom_feed}: reachable")
    fix = "Deploy the build's feed.xml: Threads wants a public feed"
    return Finding.problem("Threads: public feed", seen.describe(), fix, "deploying")


async def _bridgy(target: DoctorTarget, web: Observer) -> list[Finding]:
    actor = (await web.get(target.urls.actor, MASTODON)).json()
    actor = actor if isinstance(actor, dict) else {}
    outbox = (await web.get(target.urls.outbox, MASTODON)).json()
    rules = [
        ("avatar", isinstance(actor.get("icon"), dict | list), "Set avatar: in site.yaml"),
        (
            "display name",
            _named(actor),
            "Set display_name: in site.yaml to something other than the username",
        ),
        (
            "account age",
            _week_old(actor.get("published"), target.clock()),
            "Wait until the account is a week old",
        ),
        ("public posts", _public_posts(outbox), "Publish at least one public post"),
    ]
    status: Status = "fail" if target.bridging else "info"
    findings = []
    for name, ok, fix in rules:
        check = f"Bridgy Fed: {name}"
        findings.append(
            Finding.ok(check, "meets the rule")
            if ok
            else Finding.problem(check, "does not meet the rule", fix, "configuration", status)
        )
    return findings


def _named(actor: dict[str, Any]) -> bool:
    name = actor.get("name")
    username = actor.get("preferredUsername")
    return isinstance(name, str) and bool(name.strip()) and name.strip().lstrip("@") != username


def _week_old(published: Any, now: datetime) -> bool:
    try:
        when = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
    except ValueError:
        return False
    return when.tzinfo is not None and now - when >= timedelta(days=7)


def _public_posts(outbox: Any) -> bool:
    total = outbox.get("totalItems") if isinstance(outbox, dict) else None
    return isinstance(total, int) and total > 0
