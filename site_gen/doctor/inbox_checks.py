"""The inbox, as a delivering server meets it: reachable, closed to the unsigned, open to us.

At the actor's `inbox` and its `sharedInbox`, an unsigned POST must get 401 from the
function: a 404 or 405 means the host does not pass the path on, a 200 that a static host
answered it as a file. Then the doctor probe (`site_core.doctor_probe`), signed with the
site's own key, must get 202, and the function's clock in the answer must be within 30 s of
this machine's: peers refuse signatures from a clock that is off (FEDERATION.md#freshness).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from site_core.doctor_probe import PROBE_HEADER, parse_probe_reply, probe_body
from site_core.signatures import sign_request
from site_gen.doctor.accept_headers import MASTODON
from site_gen.doctor.observer import Observer, Seen
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["MAX_CLOCK_SKEW", "check_inbox", "send_probe"]

MAX_CLOCK_SKEW = timedelta(seconds=30)
_UNSIGNED = b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Delete"}'


async def inboxes(target: DoctorTarget, web: Observer) -> dict[str, str]:
    """The inbox and shared inbox the actor names (our URL scheme's when it names none)."""
    actor = (await web.get(target.urls.actor, MASTODON)).json()
    actor = actor if isinstance(actor, dict) else {}
    endpoints = actor.get("endpoints")
    endpoints = endpoints if isinstance(endpoints, dict) else {}
    found = {"inbox": actor.get("inbox"), "shared inbox": endpoints.get("sharedInbox")}
    defaults = {"inbox": target.urls.inbox, "shared inbox": target.urls.shared_inbox}
    return {name: url if isinstance(url, str) else defaults[name] for name, url in found.items()}


async def send_probe(target: DoctorTarget, web: Observer, url: str) -> Seen | None:
    """The signed probe's answer, or None when the doctor does not hold the site's key."""
    if target.signing_key is None:
        return None
    now = target.clock()
    body = probe_body(target.urls.actor, now)
    headers = sign_request(
        "POST", url, key=target.signing_key, now=now, body=body, headers={PROBE_HEADER: "1"}
    )
    return await web.send("POST", url, headers, body)


async def check_inbox(target: DoctorTarget, web: Observer) -> list[Finding]:
    findings = []
    for name, url in (await inboxes(target, web)).items():
        headers = {"Content-Type": "application/activity+json"}
        findings.append(_unsigned(name, await web.send("POST", url, headers, _UNSIGNED)))
    url = (await inboxes(target, web))["inbox"]
    findings += _probe(target, await send_probe(target, web, url))
    return findings


def _unsigned(name: str, seen: Seen) -> Finding:
    check = f"{name} unsigned POST"
    if seen.status == 401:
        return Finding.ok(check, f"{seen.url}: 401, the function refuses it")
    if seen.status is not None and 200 <= seen.status < 300:
        fix = (
            "The host answers the inbox itself (a static file?): proxy the inbox path to the "
            "function with the host config the build wrote"
        )
    elif seen.status in (404, 405):
        fix = (
            "The inbox path does not reach the function: proxy it with the host config the build "
            "wrote"
        )
    else:
        fix = "Make the function reachable at the inbox path and check its logs"
    return Finding.problem(check, f"{seen.url}: {seen.describe()}, expected 401", fix, "hosts")


def _probe(target: DoctorTarget, seen: Seen | None) -> list[Finding]:
    if seen is None:
        seen_text = "the site's private key is not here, so no signed probe was sent"
        fix = "Run the doctor where site-gen publish runs (with the private key)"
        return [Finding.problem("inbox signed probe", seen_text, fix, "keys", "warn")]
    reply = parse_probe_reply(seen.body) if seen.status == 202 else None
    if reply is None:
        detail = _detail(seen.json())
        fix = (
            "Give the function the site's private key and base_url, and let the host pass the "
            "Host header on"
        )
        return [
            Finding.problem(
                "inbox signed probe", f"{seen.describe()}{detail}, expected 202", fix, "env"
            )
        ]
    skew = reply.time - target.clock()
    findings = [Finding.ok("inbox signed probe", f"202 from the function ({reply.store} store)")]
    if abs(skew) > MAX_CLOCK_SKEW:
        seen_text = f"the function's clock is {skew.total_seconds():+.0f} s from this machine's"
        fix = (
            "Synchronise the function host's clock (NTP): peers refuse signatures from a skewed "
            "clock"
        )
        findings.append(Finding.problem("function clock", seen_text, fix, "deploy_function"))
    else:
        findings.append(Finding.ok("function clock", f"{skew.total_seconds():+.0f} s"))
    return findings


def _detail(document: Any) -> str:
    if isinstance(document, dict) and isinstance(document.get("detail"), str):
        return f" ({document['detail'][:200]})"
    return ""
