"""The admin page's session: a cookie signed with HMAC-SHA256, and the CSRF tokens it binds.

The cookie holds `v1.<issued>.<session id>.<signature>`, never a credential: the signature
key is derived from `SITE_GEN_SESSION_SECRET` or, when absent, from the admin token (or the
passphrase hash), so changing either signs every session out. A session lasts
`admin_session_hours`. Signing out records the session id as revoked until it would have
expired anyway (in this process: on several serverless instances the cookie is cleared in the
browser, and the others honour it until it expires).

A form's CSRF token is an HMAC of the session id (of a sign-in nonce cookie before signing
in): a token from another or an older session never matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["SESSION_COOKIE", "SIGNIN_COOKIE", "Session", "SessionKeys", "session_key_from"]

SESSION_COOKIE = "site_gen_admin"
SIGNIN_COOKIE = "site_gen_admin_signin"
_MAX_REVOKED = 10_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def session_key_from(secret: str) -> bytes:
    """The signing key of a secret: a derived key, so the secret itself signs nothing."""
    return hmac.new(secret.encode("utf-8"), b"site-gen admin session v1", hashlib.sha256).digest()


@dataclass(frozen=True)
class Session:
    """A verified session: its id (what CSRF tokens and sign-out bind to) and expiry."""

    id: str
    expires: datetime


@dataclass
class SessionKeys:
    """Issues and verifies session cookies and CSRF tokens with one key."""

    key: bytes = field(repr=False)
    lifetime: timedelta
    revoked: dict[str, datetime] = field(default_factory=dict)

    def _sign(self, purpose: str, text: str) -> str:
        return _b64(hmac.new(self.key, f"{purpose}|{text}".encode(), hashlib.sha256).digest())

    def issue(self, now: datetime) -> str:
        """A new session's cookie value."""
        body = f"v1.{int(now.timestamp())}.{secrets.token_hex(16)}"
        return f"{body}.{self._sign('session', body)}"

    def verify(self, cookie: str, now: datetime) -> Session | None:
        """The session of a cookie value, or None: bad signature, expired, from the future,
        signed out, or not a cookie of ours at all."""
        parts = cookie.split(".")
        if len(parts) != 4 or parts[0] != "v1" or not parts[1].isdigit() or len(cookie) > 200:
            return None
        body = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign("session", body)):
            return None
        issued = datetime.fromtimestamp(int(parts[1]), now.tzinfo)
        expires = issued + self.lifetime
        if not issued - timedelta(minutes=5) <= now < expires or parts[2] in self.revoked:
            return None
        return Session(parts[2], expires)

    def revoke(self, session: Session, now: datetime) -> None:
        """Sign a session out (kept until it would have expired; bounded in number)."""
        for old in [sid for sid, until in self.revoked.items() if until <= now]:
            del self.revoked[old]
        if len(self.revoked) >= _MAX_REVOKED:
            del self.revoked[next(iter(self.revoked))]
        self.revoked[session.id] = session.expires

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of the forms of this session."""
        return self._sign("csrf", session_id)

    def signin_token(self, nonce: str) -> str:
        """The CSRF token of the sign-in form, bound to its nonce cookie."""
        return self._sign("signin", nonce)

    def token_matches(self, given: str, expected: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
