"""A queued notice as its receiver wants it: body and headers, signed (sans-IO).

Every format carries the same `X-Site-Gen-*` headers; the signature is HMAC-SHA256 with the
owner's secret over `<timestamp>.<body>` (the body exactly as sent), so a receiver can check
both who sent it and that it is fresh (README.md, "Notifications"):

- ``json``: the envelope itself, `application/json`;
- ``text``: plain text with a `Title` header, as ntfy publishes a POST to a topic URL;
- ``gotify``: `{"title", "message", "priority"}` as JSON, as Gotify's `/message` takes it.

The timestamp is the sending moment's, never the queuing's: each attempt is signed afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from site_function.notifications.notify_settings import NotifyFormat

__all__ = ["WebhookRequest", "render_request", "sign", "summary_text"]

_TITLES = {
    "new_follower": "New follower",
    "follow_request": "Follow request",
    "reply": "New reply",
    "mention": "New mention",
    "quote_request": "Quote request",
    "delivery_failing": "Deliveries failing",
    "test": "Test notification",
    "digest": "Digest",
}
_GOTIFY_PRIORITY = 5


@dataclass(frozen=True)
class WebhookRequest:
    """What to POST: the body and its headers."""

    body: bytes
    headers: dict[str, str]


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` with `secret`."""
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _line(kind: str, data: dict[str, Any]) -> str:
    """One notice in words (its ids are the remote server's text: shown, never followed)."""
    actor = data.get("actor", "someone")
    if kind == "new_follower":
        return f"{actor} now follows you"
    if kind == "follow_request":
        return f"{actor} asks to follow you (site-gen followers pending)"
    if kind == "reply":
        return f"{actor} replied to {data.get('post', '')}: {data.get('object', '')}"
    if kind == "mention":
        return f"{actor} mentioned you: {data.get('object', '')}"
    if kind == "quote_request":
        return f"{actor} asks to quote {data.get('post', '')}"
    if kind == "delivery_failing":
        failed = f"failed {data.get('failures', 0)} times in a row since {data.get('since', '')}"
        return f"deliveries to {data.get('host', '')} {failed}: {data.get('last_error', '')}"
    return "notifications reach you"


def _digest_lines(data: dict[str, Any]) -> list[str]:
    counts = data.get("counts", {})
    total = sum(int(n) for n in counts.values())
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    lines = [f"{total} events since {data.get('since', '')}: {parts}"]
    lines += [f"- {_line(item['event'], item['data'])}" for item in data.get("latest", [])]
    return lines


def summary_text(envelope: dict[str, Any]) -> tuple[str, str]:
    """The title and message of a notice, for the text formats."""
    kind, data = str(envelope.get("event")), envelope.get("data") or {}
    site = envelope.get("site", "")
    title = f"{_TITLES.get(kind, 'Notification')}: {site}"
    lines = _digest_lines(data) if kind == "digest" else [_line(kind, data)]
    return title, "\n".join(lines)


def render_request(
    queued: bytes, fmt: NotifyFormat, secret: bytes | None, timestamp: int
) -> WebhookRequest:
    """The request for one attempt of a queued envelope, in the receiver's format."""
    envelope = json.loads(queued)
    headers = {"X-Site-Gen-Event": str(envelope["event"]), "X-Site-Gen-Delivery": envelope["id"]}
    if fmt == "json":
        body = queued
        headers["Content-Type"] = "application/json"
    else:
        title, message = summary_text(envelope)
        if fmt == "gotify":
            fields = {"title": title, "message": message, "priority": _GOTIFY_PRIORITY}
            body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        else:
            body = message.encode("utf-8")
            headers["Content-Type"] = "text/plain; charset=utf-8"
            # Headers are Latin-1 on the wire: a site name beyond it is left out of the title.
            headers["Title"] = title.encode("latin-1", "ignore").decode("latin-1")
    headers["X-Site-Gen-Timestamp"] = str(timestamp)
    if secret:
        headers["X-Site-Gen-Signature"] = sign(secret, timestamp, body)
    return WebhookRequest(body, headers)
