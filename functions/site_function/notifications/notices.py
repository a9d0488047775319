"""Notices: what the owner is told, built from facts (sans-IO).

A notice has a kind, an id that is the same however often its event is seen (so the queue's
unique index keeps one row per event, and a receiver can de-duplicate by it), the time it
happened and a small `data` object of ids. `envelope_bytes` is the JSON every format starts
from: {"event", "id", "time", "site", "data"}.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from site_function.inbox_events import (
    FollowAccepted,
    FollowRequested,
    InboxEvent,
    MentionReceived,
    QuoteRequested,
    ReplyReceived,
)

__all__ = [
    "ID_PREFIX",
    "NOTICE_KINDS",
    "Notice",
    "NoticeKind",
    "delivery_failing_notice",
    "envelope_bytes",
    "notice_for_event",
    "owner_test_notice",
    "quote_request_notice",
]

NoticeKind = Literal[
    "new_follower",
    "follow_request",
    "reply",
    "mention",
    "quote_request",
    "delivery_failing",
    "test",
    "digest",
]
# The kinds an owner may choose in SITE_GEN_NOTIFY_EVENTS (a test is always sent).
NOTICE_KINDS: tuple[NoticeKind, ...] = (
    "new_follower",
    "follow_request",
    "reply",
    "mention",
    "quote_request",
    "delivery_failing",
)
ID_PREFIX = "urn:site-gen:notify:"


@dataclass(frozen=True)
class Notice:
    """One thing to tell the owner."""

    kind: NoticeKind
    id: str
    time: datetime
    data: dict[str, Any] = field(default_factory=dict)


def _stable_id(kind: str, *facts: str) -> str:
    digest = hashlib.sha256("\n".join((kind, *facts)).encode("utf-8")).hexdigest()[:32]
    return f"{ID_PREFIX}{kind}:{digest}"


def notice_for_event(event: InboxEvent, now: datetime) -> Notice | None:
    """The notice an inbox event makes, or None (most events concern nobody's attention)."""
    match event:
        case FollowAccepted(actor_id=actor, follow_id=follow, new=True):
            data = {"actor": actor, "follow": follow}
            return Notice("new_follower", _stable_id("new_follower", actor, follow), now, data)
        case FollowRequested(actor_id=actor, follow_id=follow, new=True):
            data = {"actor": actor, "follow": follow}
            return Notice("follow_request", _stable_id("follow_request", actor, follow), now, data)
        case ReplyReceived(reply_id=reply, actor_id=actor, post_id=post):
            data = {"actor": actor, "object": reply, "post": post}
            return Notice("reply", _stable_id("reply", reply), now, data)
        case MentionReceived(note_id=note, actor_id=actor):
            return Notice(
                "mention", _stable_id("mention", note), now, {"actor": actor, "object": note}
            )
        case QuoteRequested(request_id=request, actor_id=actor, post_id=post):
            return quote_request_notice(actor, request, post, now)
    return None


def quote_request_notice(actor_id: str, request_id: str, post_id: str, now: datetime) -> Notice:
    """Someone asks to quote one of the owner's posts (answered at once as the quote policy
    says; the owner hears of it)."""
    data = {"actor": actor_id, "object": request_id, "post": post_id}
    return Notice("quote_request", _stable_id("quote_request", request_id), now, data)


def delivery_failing_notice(
    host: str, failures: int, since: datetime | None, last_error: str | None, now: datetime
) -> Notice:
    """Deliveries to `host` failed `failures` times in a row since `since`: one notice per
    streak (its id is the host and the streak's start)."""
    start = (since or now).isoformat()
    data = {"host": host, "failures": failures, "since": start, "last_error": last_error or ""}
    return Notice("delivery_failing", _stable_id("delivery_failing", host, start), now, data)


def owner_test_notice(now: datetime) -> Notice:
    """A notice asked for by the owner (`site-gen notify test`): a fresh id every time."""
    return Notice("test", f"{ID_PREFIX}test:{uuid.uuid4().hex}", now, {})


def envelope(notice: Notice, site: str) -> dict[str, Any]:
    """The notice as the JSON object every format starts from."""
    return {
        "event": notice.kind,
        "id": notice.id,
        "time": notice.time.isoformat(),
        "site": site,
        "data": notice.data,
    }


def envelope_bytes(notice: Notice, site: str) -> bytes:
    """`envelope` as compact UTF-8 JSON: the body queued (and, in the json format, sent)."""
    return json.dumps(envelope(notice, site), separators=(",", ":"), ensure_ascii=False).encode()
