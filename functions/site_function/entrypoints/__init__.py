"""Thin platform adapters around the one ASGI app; each builds it from the environment.

`app_from_environment` is what every entry point calls at import (cold start). A setting the
function cannot start with (a required variable missing, a bad value, an unusable key, a
database that does not open) ends the process with one line that names it, never with a
traceback: the host's log shows the cause at once and nothing else of the environment.

`DrainBeforeFreeze` is for hosts that freeze the process once a request has returned (AWS
Lambda, Vercel): the delivery drain a request started (the Accept of a Follow) runs in the
background, and a frozen process would leave it half done until some later request thawed it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from starlette.types import Receive, Scope, Send

from site_core.errors import SiteGenError
from site_function.app import FunctionApp, create_app
from site_function.settings import Settings
from site_function.store.base import StoreError

__all__ = ["DrainBeforeFreeze", "app_from_environment"]

log = logging.getLogger("site_function")

# Kept back from Lambda's remaining time so that the answer is still returned in time.
_LAMBDA_MARGIN_SECONDS = 0.5


def app_from_environment(env: Mapping[str, str]) -> FunctionApp:
    """The app configured by `SITE_GEN_*` variables, or `SystemExit` with a one-line reason."""
    try:
        return create_app(Settings.from_env(env))
    except (SiteGenError, StoreError) as exc:
        # Messages of these errors never carry key material or a database password.
        raise SystemExit(f"site-gen function: cannot start: {exc}") from None


class DrainBeforeFreeze:
    """The app, whose HTTP requests return only once the delivery drain they started is done.

    Bounded by the drain's budget and, under Lambda, by the invocation's remaining time. Rows
    a cut-off drain did not reach stay queued (the queue is durable) for the next drain. On
    Vercel the answer has already been sent when the wait starts; under Lambda (Mangum
    buffers the answer) the sender gets it once the drain is done.
    """

    def __init__(self, app: FunctionApp) -> None:
        self.app = app
        self.runtime = app.state.runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] != "http" or not self.runtime.drain_busy:
            return
        limit = self.runtime.settings.drain_budget + 1.0
        remaining_ms = getattr(scope.get("aws.context"), "get_remaining_time_in_millis", None)
        if callable(remaining_ms):
            limit = min(limit, remaining_ms() / 1000 - _LAMBDA_MARGIN_SECONDS)
        try:
            await asyncio.wait_for(self.runtime.wait_for_drain(), max(limit, 0.0))
        except TimeoutError:
            log.warning("delivery drain not finished when the request ended; it resumes later")
