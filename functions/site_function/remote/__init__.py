"""Outgoing HTTP: the address guard, the session factory and the signed fetch.

Imports aiohttp, so the app imports this package only where it first fetches (cold start).
"""

from __future__ import annotations

from site_function.remote.address_guard import (
    AddressRefused,
    GuardedResolver,
    check_host_literal,
    refusal_reason,
)
from site_function.remote.client import (
    ACCEPT_ACTIVITY,
    ClientSettings,
    FetchOutcome,
    FetchResult,
    SignatureStyle,
    fetch_json,
    is_activity_media_type,
    make_session,
    user_agent_for,
)

__all__ = [
    "ACCEPT_ACTIVITY",
    "AddressRefused",
    "ClientSettings",
    "FetchOutcome",
    "FetchResult",
    "GuardedResolver",
    "SignatureStyle",
    "check_host_literal",
    "fetch_json",
    "is_activity_media_type",
    "make_session",
    "refusal_reason",
    "user_agent_for",
]
