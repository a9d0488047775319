"""Send one queued notice to the owner's receiver, through the guarded session.

The queue row names the receiver without its query (`NotifySettings.receiver`); the request
goes to the configured URL itself. Answers are judged as any delivery's (`delivery.sender.
judge`); errors are our own words, so neither the URL's query (a token) nor the secret can
reach a log or the queue's `last_error`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from site_function.delivery.sender import SendResult
from site_function.notifications.notify_settings import NotifySettings
from site_function.notifications.wire import render_request

if TYPE_CHECKING:
    import aiohttp

    from site_core.signatures import SigningKey

__all__ = ["WebhookSender"]


class WebhookSender:
    """A `delivery.Sender` for notification rows: rendered, HMAC-signed, POSTed."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: NotifySettings,
        clock: Callable[[], datetime],
    ) -> None:
        self._session = session
        self._settings = settings
        self._clock = clock

    async def send(
        self, inbox: str, body: bytes, key: SigningKey, headers: Mapping[str, str] | None = None
    ) -> SendResult:
        """POST the notice `body` (its envelope) in the receiver's format; `inbox`, `key` and
        `headers` are the queue's and unused: the receiver is the configured one, the proof
        the HMAC."""
        import aiohttp

        settings = self._settings
        started = time.perf_counter()
        stamp = int(self._clock().timestamp())
        request = render_request(body, settings.format, settings.secret, stamp)
        try:
            async with self._session.post(
                settings.url, data=request.body, headers=request.headers, allow_redirects=False
            ) as response:
                status = response.status
                await response.content.read(200)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            failure = f"{type(exc).__name__} reaching the notification receiver {settings.receiver}"
            return SendResult(None, failure, time.perf_counter() - started)
        error = None if 200 <= status < 300 else f"HTTP {status} from {settings.receiver}"
        return SendResult(status, error, time.perf_counter() - started)
