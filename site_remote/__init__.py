"""Outgoing HTTP to remote servers, shared by the generator and the function.

    address_guard  refuses loopback, private, link-local, ... addresses before any connection
    client         the guarded session factory and the bounded JSON fetches (signed or not)
    media_fetch    the bounded fetch of a file's bytes (an avatar, an attached image)

Every request site-gen makes to someone else's server goes through a session made here: the
function's key and actor fetches and deliveries, the generator's WebFinger lookups of @mentions
at build time, the CLI's lookup of the account to move to. (The admin client, which talks to
the site's own function, is not a remote request and does not.) Imports only `site_core`;
neither side's package. Imports aiohttp, so callers import it only where they first fetch.
"""

from __future__ import annotations

from site_remote.address_guard import (
    AddressRefused,
    GuardedResolver,
    check_host_literal,
    refusal_reason,
)
from site_remote.client import (
    ACCEPT_ACTIVITY,
    ClientSettings,
    FetchOutcome,
    FetchResult,
    SignatureStyle,
    fetch_json,
    get_json,
    is_activity_media_type,
    make_session,
    user_agent_for,
)
from site_remote.media_fetch import BytesResult, fetch_bytes

__all__ = [
    "ACCEPT_ACTIVITY",
    "AddressRefused",
    "BytesResult",
    "ClientSettings",
    "FetchOutcome",
    "FetchResult",
    "GuardedResolver",
    "SignatureStyle",
    "check_host_literal",
    "fetch_bytes",
    "fetch_json",
    "get_json",
    "is_activity_media_type",
    "make_session",
    "refusal_reason",
    "user_agent_for",
]
