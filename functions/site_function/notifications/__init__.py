"""Notifications to the owner: what happened, queued durably, sent to one receiver.

`notices` turns the inbox's typed events (and a failing host, a test) into notices;
`wire` renders one as the receiver's format and signs it (sans-IO); `digest` folds several
into one summary; `notify_settings` reads the receiver's configuration; `notifier` queues
notices in the delivery queue (rows of kind ``notification``, in the inbox's own transaction)
and gives the drain what it needs to send them (`webhook`).

The names below are imported on first use (PEP 562): the function reads `notify_settings` at
every start, and the notifier, with the delivery engine it brings, is needed only when a
receiver is configured.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from site_function.notifications.notices import NOTICE_KINDS, Notice, NoticeKind
    from site_function.notifications.notifier import Notifier
    from site_function.notifications.notify_settings import NotifyFormat, NotifySettings

__all__ = ["NOTICE_KINDS", "Notice", "NoticeKind", "Notifier", "NotifyFormat", "NotifySettings"]

_MODULE_OF = {
    "NOTICE_KINDS": "notices",
    "Notice": "notices",
    "NoticeKind": "notices",
    "Notifier": "notifier",
    "NotifyFormat": "notify_settings",
    "NotifySettings": "notify_settings",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
