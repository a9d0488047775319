"""A plain ASGI process: `uvicorn site_function.entrypoints.asgi:app` (containers, Cloud Run,
Fly.io, a VPS). Settings come from the environment once, at import (cold start).

The process lives on between requests, so the background delivery drain needs no help here;
at shutdown (SIGTERM) uvicorn runs the app's lifespan, which finishes the drain first.
"""

from __future__ import annotations

import os

from site_function.entrypoints import app_from_environment

__all__ = ["app"]

app = app_from_environment(os.environ)
