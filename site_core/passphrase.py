"""The admin page's passphrase hash: scrypt, in one self-describing string.

    scrypt$n=16384,r=8,p=1$<salt, base64url>$<key, base64url>

`SITE_GEN_ADMIN_PASSPHRASE_HASH` holds such a string (`site-gen admin-passphrase` makes one),
so the function never holds the passphrase itself. scrypt (RFC 7914) from `hashlib`: 16 MiB and
about 50 ms per check, which the page's sign-in rate limit multiplies into hours for a guesser.
Pure: no I/O, the salt is an argument for tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

__all__ = ["PassphraseHashError", "check_passphrase_hash", "hash_passphrase", "verify_passphrase"]

_FORMAT = re.compile(
    r"scrypt\$n=(?P<n>\d{1,7}),r=(?P<r>\d{1,2}),p=(?P<p>\d{1,2})"
    r"\$(?P<salt>[A-Za-z0-9_-]{16,88})\$(?P<key>[A-Za-z0-9_-]{43,88})"
)
_N, _R, _P = 2**14, 8, 1
_KEY_BYTES = 32
_MAX_PASSPHRASE = 1024


class PassphraseHashError(ValueError):
    """A configured hash that is not in the documented format."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=_KEY_BYTES
    )


def hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    """The configuration string for `passphrase` (a fresh 16-byte salt unless given)."""
    if not passphrase or len(passphrase) > _MAX_PASSPHRASE:
        raise PassphraseHashError(f"a passphrase has 1 to {_MAX_PASSPHRASE} characters")
    salt = secrets.token_bytes(16) if salt is None else salt
    key = _derive(passphrase, salt, _N, _R, _P)
    return f"scrypt$n={_N},r={_R},p={_P}${_b64(salt)}${_b64(key)}"


def check_passphrase_hash(text: str) -> str:
    """`text` if it is a hash in the format above with sane costs, else PassphraseHashError."""
    found = _FORMAT.fullmatch(text.strip())
    if found is None:
        raise PassphraseHashError(
            "SITE_GEN_ADMIN_PASSPHRASE_HASH must look like scrypt$n=16384,r=8,p=1$<salt>$<key>"
            " (make one with: site-gen admin-passphrase)"
        )
    n, r, p = int(found["n"]), int(found["r"]), int(found["p"])
    if n < 2**10 or n > 2**20 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise PassphraseHashError("the passphrase hash's costs are out of range (n a power of 2)")
    return text.strip()


def verify_passphrase(passphrase: str, configured: str) -> bool:
    """True if `passphrase` matches the configured hash (compared in constant time)."""
    found = _FORMAT.fullmatch(check_passphrase_hash(configured))
    assert found is not None  # checked above
    if not passphrase or len(passphrase) > _MAX_PASSPHRASE:
        return False
    n, r, p = int(found["n"]), int(found["r"]), int(found["p"])
    key = _derive(passphrase, _unb64(found["salt"]), n, r, p)
    return hmac.compare_digest(key, _unb64(found["key"]))
