"""The doctor probe: a signed no-op POST to our own inbox that the function answers, never stores.

`site-gen doctor` proves the inbox works end to end (the host proxies the path, the function
verifies a signature made with the site's key for the host it is reached at) without leaving
anything behind. The probe is marked by a header and signed with the site's own key; the
function checks that signature with its own public key (no key fetch) and answers 202 with
its clock, version and store kind in the body, which only the key's holder can obtain.
The clock travels in the body rather than in `Date` because a proxy in front replaces `Date`.

Sans-IO: bytes, dicts and `now` in, values out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

__all__ = [
    "PROBE_HEADER",
    "PROBE_STATUS",
    "PROBE_TYPE",
    "ProbeReply",
    "parse_probe_reply",
    "probe_body",
    "probe_reply_body",
]

PROBE_HEADER = "site-gen-doctor-probe"  # lowercase, as the function sees header names
PROBE_TYPE = "DoctorProbe"
PROBE_STATUS = "doctor_probe"


def probe_body(actor_id: str, now: datetime) -> bytes:
    """The probe's JSON body: an activity of a type no peer sends, so nothing acts on it."""
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": PROBE_TYPE,
        "actor": actor_id,
        "published": _iso(now),
    }
    return json.dumps(activity, separators=(",", ":")).encode()


def probe_reply_body(now: datetime, version: str, store: str) -> dict[str, Any]:
    """What the function answers to a verified probe."""
    return {"status": PROBE_STATUS, "time": _iso(now), "version": version, "store": store}


class ProbeReply(NamedTuple):
    """The function's answer to a probe, read back by the doctor.

    A NamedTuple, not a frozen dataclass: the function imports this module at every cold start,
    where a dataclass would compile its methods."""

    time: datetime
    version: str
    store: str


def parse_probe_reply(body: bytes) -> ProbeReply | None:
    """The reply's fields, or None when the body is not a probe reply."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("status") != PROBE_STATUS:
        return None
    try:
        moment = datetime.fromisoformat(str(data.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return ProbeReply(moment, str(data.get("version", "")), str(data.get("store", "")))


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
