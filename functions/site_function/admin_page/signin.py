"""Who may sign in to the admin page, and how often one address may try.

The admin token (compared in constant time) or, when `SITE_GEN_ADMIN_PASSPHRASE_HASH` is
set, the passphrase it hashes. Every attempt, good or bad, spends one token of the client
address's bucket (`admin_signin_limit` per `rate_window` seconds, `rate_limits.TokenBuckets`);
an empty bucket answers 429 before any credential is looked at. Refusals are counted and
logged with the address, never with what was typed.
"""

from __future__ import annotations

import hmac
import logging
import math
from dataclasses import dataclass, field
from datetime import timedelta

from site_core.passphrase import verify_passphrase
from site_function.admin_page.session import SessionKeys, session_key_from
from site_function.rate_limits import TokenBuckets
from site_function.settings import Settings

__all__ = ["AdminContext", "context_for", "credential_ok"]

log = logging.getLogger("site_function.admin_page")


@dataclass
class AdminContext:
    """The admin page's state for the life of the app: keys, sign-in buckets, counts."""

    keys: SessionKeys | None
    signin_limits: TokenBuckets
    refused_signins: int = 0
    notes: list[str] = field(default_factory=list)

    def signin_wait(self, address: str) -> int:
        """0 if `address` may try to sign in now (one token spent), else the seconds to wait."""
        wait = self.signin_limits.wait_for(address)
        if wait > 0:
            return max(1, math.ceil(wait))
        self.signin_limits.take(address)
        return 0

    def refused(self, address: str) -> None:
        self.refused_signins += 1
        log.warning("admin page: sign-in refused from %s", address)


def context_for(settings: Settings) -> AdminContext:
    """The context of these settings; without any credential configured the page is closed
    (`keys` None: every sign-in is refused)."""
    secret = settings.session_secret or settings.admin_token or settings.admin_passphrase_hash
    keys = None
    if secret and (settings.admin_token or settings.admin_passphrase_hash):
        keys = SessionKeys(session_key_from(secret), timedelta(hours=settings.admin_session_hours))
    window = settings.rate_window or 300.0
    return AdminContext(keys, TokenBuckets(max(settings.admin_signin_limit, 1), window))


def credential_ok(settings: Settings, given: str) -> bool:
    """True if `given` is the admin token or the configured passphrase."""
    if not given or len(given) > 1024:
        return False
    token = settings.admin_token
    if token and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        return True
    configured = settings.admin_passphrase_hash
    return bool(configured) and verify_passphrase(given, str(configured))
