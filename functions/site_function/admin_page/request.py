"""One admin request once it passed the guard (`guard.admin_endpoint`): what pages, actions
and templates work with."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from site_function.admin_page.session import Session
from site_function.admin_page.signin import AdminContext
from site_function.runtime import FunctionRuntime

__all__ = ["AdminRequest"]


@dataclass
class AdminRequest:
    """One admin request once it passed the guard: what pages and actions work with."""

    request: Request
    runtime: FunctionRuntime
    context: AdminContext
    session: Session | None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def csrf(self) -> str:
        keys = self.context.keys
        return keys.csrf_token(self.session.id) if keys and self.session else ""
