"""The runtime a module-level endpoint works with: the one `create_app` put in `app.state`."""

from __future__ import annotations

from starlette.requests import Request

from site_function.runtime import FunctionRuntime

__all__ = ["runtime_of"]


def runtime_of(request: Request) -> FunctionRuntime:
    """The app's `FunctionRuntime` (settings, store, clock, outgoing HTTP)."""
    runtime: FunctionRuntime = request.app.state.runtime
    return runtime
