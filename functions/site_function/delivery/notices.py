"""What a drain needs to carry the owner's notifications as well as activities.

The queue holds both (a row's `kind`); the drain sends activity rows with our signing key
through its `Sender`, and notification rows through `DrainNotices.sender` (the receiver's
format and HMAC, `site_function.notifications`), retried with their own policy. When a host's
activity deliveries reach `failure_streak` failures in a row, the recorder calls
`queue_host_failing` inside the transaction that records the failure. Without a
`DrainNotices` (notifications not configured where this drain runs) notification rows wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from site_function.delivery.policy import RetryPolicy
from site_function.delivery.sender import Sender
from site_function.store.base import HostState, Store

__all__ = ["DrainNotices"]


@dataclass(frozen=True)
class DrainNotices:
    """The notification side of one drain."""

    sender: Sender
    retry: RetryPolicy
    failure_streak: int
    queue_host_failing: Callable[[Store, HostState, datetime], bool]
