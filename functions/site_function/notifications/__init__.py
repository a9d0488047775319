"""Notifications to the owner: what happened, queued durably, sent to one receiver.

`notices` turns the inbox's typed events (and a failing host, a test) into notices;
`wire` renders one as the receiver's format and signs it (sans-IO); `digest` folds several
into one summary; `notify_settings` reads the receiver's configuration; `notifier` queues
notices in the delivery queue (rows of kind ``notification``, in the inbox's own transaction)
and gives the drain what it needs to send them (`webhook`).
"""

from __future__ import annotations

from site_function.notifications.notices import NOTICE_KINDS, Notice, NoticeKind
from site_function.notifications.notifier import Notifier
from site_function.notifications.notify_settings import NotifyFormat, NotifySettings

__all__ = ["NOTICE_KINDS", "Notice", "NoticeKind", "Notifier", "NotifyFormat", "NotifySettings"]
