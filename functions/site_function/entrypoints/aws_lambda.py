"""AWS Lambda (a Function URL or an API Gateway HTTP API, payload format 2.0) through Mangum.

Handler: `site_function.entrypoints.aws_lambda.handler`. The app is built once per container
(cold start) and reused by warm invocations. Mangum is imported here only, so the other
entry points never pay for it; install the `aws` extra.

Lambda freezes the container as soon as the handler returns, so each invocation returns only
once the delivery drain it started is done (`DrainBeforeFreeze`, bounded by the drain budget
and the invocation's remaining time): give the function a timeout of 10 s or more. A
configuration it cannot start with is a `StartFailure` whose message is the one line the other
entry points print (Lambda reports it as the init error).
"""

from __future__ import annotations

import os
from typing import Any

from site_function.entrypoints import DrainBeforeFreeze, app_from_environment

__all__ = ["StartFailure", "app", "handler"]


class StartFailure(Exception):
    """Why the function cannot start, raised where Lambda's runtime reports it: the runtime
    posts an exception raised while loading the handler to its init-error endpoint (the
    console and the invoker see the message), but a `SystemExit` only ends the process
    (`Runtime.ExitError`, the reason left in the log)."""


try:
    app = app_from_environment(os.environ)
except SystemExit as exc:
    raise StartFailure(str(exc.code)) from None

# Our JSON types, answered as text rather than base64 (Mangum matches by substring).
_TEXT_TYPES = ["text/", "application/json", "application/activity+json", "application/ld+json",
               "application/jrd+json", "application/xrd+xml"]  # fmt: skip


def _make_handler() -> Any:
    from mangum import Mangum

    # lifespan "off": Mangum would run the app's startup AND shutdown around every invocation,
    # and the shutdown closes the store and the HTTP session that warm invocations reuse.
    return Mangum(
        DrainBeforeFreeze(app),
        lifespan="off",
        api_gateway_base_path=os.environ.get("SITE_GEN_BASE_PATH", "/"),
        text_mime_types=_TEXT_TYPES,
    )


handler = _make_handler()
