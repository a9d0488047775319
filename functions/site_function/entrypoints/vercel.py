"""Vercel's Python runtime serves an ASGI `app` from `api/index.py`; that file is one line:

    from site_function.entrypoints.vercel import app

and `vercel.json` rewrites `/ap/inbox`, `/ap/shared-inbox`, `/ap/followers`, `/admin/api/*`
and `/healthz` to `/api/index` (see functions/README.md). Vercel keeps the original path in
the request, so signatures over `(request-target)` still verify.
"""

from __future__ import annotations

import os

from site_function.app import create_app
from site_function.settings import Settings

__all__ = ["app"]

app = create_app(Settings.from_env(os.environ))
