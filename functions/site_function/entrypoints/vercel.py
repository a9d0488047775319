"""Vercel's Python runtime: it imports `api/index.py` by path and serves its top-level `app`.

That file is one line:

    from site_function.entrypoints.vercel import app

and `vercel.json` rewrites `/ap/inbox`, `/ap/shared-inbox`, `/ap/followers`, `/admin/api/*`
and `/healthz` to `/api/index` (see "Deploying the function" in README.md). Vercel keeps the
original path in the request, so signatures over `(request-target)` still verify.

The runtime looks for `handler` before `app` and insists that a `handler` be an
`http.server.BaseHTTPRequestHandler` subclass, so this module and `api/index.py` must never
define one. Vercel may freeze the instance once a request has returned, so each request
returns only once the delivery drain it started is done (its answer is sent before that).
"""

from __future__ import annotations

import os

from site_function.entrypoints import DrainBeforeFreeze, app_from_environment

__all__ = ["app"]

app = DrainBeforeFreeze(app_from_environment(os.environ))
