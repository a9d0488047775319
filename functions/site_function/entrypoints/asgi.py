"""A plain ASGI process: `uvicorn site_function.entrypoints.asgi:app` (containers, Cloud Run,
Fly.io, a VPS). Settings come from the environment once, at import (cold start)."""

from __future__ import annotations

import os

from site_function.app import create_app
from site_function.settings import Settings

__all__ = ["app"]

app = create_app(Settings.from_env(os.environ))
