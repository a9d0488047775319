"""AWS Lambda (API Gateway HTTP API or a Function URL) through Mangum.

Handler: `site_function.entrypoints.aws_lambda.handler`. The app is built once per container
(cold start) and reused by warm invocations. Mangum is imported here only, so the other
entry points never pay for it; install the `aws` extra.
"""

from __future__ import annotations

import os
from typing import Any

from site_function.app import create_app
from site_function.settings import Settings

__all__ = ["app", "handler"]

app = create_app(Settings.from_env(os.environ))


def _make_handler() -> Any:
    from mangum import Mangum

    # lifespan "off": Lambda freezes the container between calls; the store reconnects lazily.
    return Mangum(
        app, lifespan="off", api_gateway_base_path=os.environ.get("SITE_GEN_BASE_PATH", "/")
    )


handler = _make_handler()
