"""Queue notices for the owner, and hand the drain what it needs to send them.

`Notifier.queue` runs inside the caller's store transaction (the inbox's, the drain's
outcome batch): the notice is a queue row committed with the event that caused it, so it is
never lost between the two and never queued twice (its id is the event's, and the queue keeps
one row per id and receiver). Sending is the background drain's business, with the queue's
leases, backoff and breakers (`DrainNotices`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from site_function.delivery.notices import DrainNotices
from site_function.delivery.policy import RetryPolicy
from site_function.inbox_events import InboxEvent
from site_function.notifications.digest import digest_slot, fold_into_digest
from site_function.notifications.notices import (
    Notice,
    delivery_failing_notice,
    envelope_bytes,
    notice_for_event,
)
from site_function.notifications.notify_settings import NotifySettings
from site_function.store.base import HostState, NewDelivery, Store

if TYPE_CHECKING:
    import aiohttp

__all__ = ["Notifier"]


class Notifier:
    """The owner's notifications for one site, as configured."""

    def __init__(self, settings: NotifySettings, site: str) -> None:
        self.settings = settings
        self.site = site
        self.receiver = settings.receiver
        self.retry = RetryPolicy(first_delay=timedelta(seconds=settings.first_retry))

    def wants(self, notice: Notice) -> bool:
        return notice.kind == "test" or notice.kind in self.settings.events

    def queue(self, store: Store, notice: Notice, now: datetime) -> bool:
        """Queue `notice` (in digest mode: fold it into the open digest); True if a row was
        added or changed. A test notice always goes at once."""
        if not self.wants(notice):
            return False
        seconds = self.settings.digest_seconds
        if seconds > 0 and notice.kind != "test":
            slot = digest_slot(self.receiver, now, seconds)
            store.merge_digest(slot, partial(_fold, notice, self.site, slot.new_id), now)
            return True
        row = NewDelivery(
            notice.id, self.receiver, envelope_bytes(notice, self.site), "notification"
        )
        return store.enqueue([row], now) > 0

    def queue_event(self, store: Store, event: InboxEvent, now: datetime) -> bool:
        """The notice of an inbox event, if it makes one (in the inbox's transaction)."""
        notice = notice_for_event(event, now)
        return notice is not None and self.queue(store, notice, now)

    def queue_host_failing(self, store: Store, state: HostState, now: datetime) -> bool:
        """A host's deliveries reached the failure streak: tell the owner once."""
        notice = delivery_failing_notice(
            state.host, state.consecutive_failures, state.first_failure_at, state.last_error, now
        )
        return self.queue(store, notice, now)

    def for_drain(
        self, session: aiohttp.ClientSession, clock: Callable[[], datetime]
    ) -> DrainNotices:
        """What one drain needs: the sender of notification rows, their retry policy, the
        streak that makes a `delivery_failing` notice, and how to queue one."""
        from site_function.notifications.webhook import WebhookSender

        return DrainNotices(
            sender=WebhookSender(session, self.settings, clock),
            retry=self.retry,
            failure_streak=self.settings.failure_streak,
            queue_host_failing=self.queue_host_failing,
        )


def _fold(notice: Notice, site: str, new_id: str, body: bytes | None) -> bytes:
    return fold_into_digest(body, notice, site, new_id)
