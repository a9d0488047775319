"""The owner's test notification: queue one, and say what became of it.

`site-gen notify test` (through `POST /admin/api/notify/test`) queues a test notice like any
other (a queue row of kind ``notification``, sent by the drain with its backoff) and, when
asked to wait, reports whether the receiver took it: delivered, still queued (with the last
error of a failed attempt) or failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from site_function.notifications.notices import owner_test_notice
from site_function.notifications.notifier import Notifier
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import Store

__all__ = ["MAX_WAIT", "notice_status", "parse_wait", "queue_test_notice", "wait_for_notice"]

MAX_WAIT = 60.0
_NOT_CONFIGURED = "notifications are not configured: set SITE_GEN_NOTIFY_URL (README.md)"
_OUTCOMES = {"done": "delivered", "queued": "queued", "failed": "failed"}


def parse_wait(value: object) -> float:
    """Seconds to wait for the outcome (0 to 60), or a 400."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_WAIT:
        raise OwnerRequestError("'wait' must be a number of seconds from 0 to 60")
    return float(value)


def queue_test_notice(store: Store, notifier: Notifier | None, now: datetime) -> str:
    """Queue a test notice (whatever events are chosen, never in a digest); its id."""
    if notifier is None:
        raise OwnerRequestError(_NOT_CONFIGURED, 409)
    notice = owner_test_notice(now)
    notifier.queue(store, notice, now)
    return notice.id


def notice_status(store: Store, notice_id: str) -> dict[str, Any]:
    """What became of a queued notice: its outcome, attempts and last answer."""
    row = store.find_delivery(notice_id)
    if row is None:
        raise OwnerRequestError("no such notification", 404)
    return {
        "id": notice_id,
        "receiver": row.inbox,
        "outcome": _OUTCOMES[row.state],
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,
    }


async def wait_for_notice(
    status: Callable[[], Awaitable[dict[str, Any]]],
    drained: Callable[[], Awaitable[None]],
    seconds: float,
) -> dict[str, Any]:
    """The notice's status once an attempt was made or `seconds` passed (bounded polling)."""
    deadline = time.monotonic() + seconds
    while True:
        await drained()
        current = await status()
        if current["outcome"] != "queued" or current["attempts"] > 0:
            return current
        if time.monotonic() >= deadline:
            return current
        await asyncio.sleep(0.05)
