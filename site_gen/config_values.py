"""The validators of site.yaml's scalar keys: each takes the value and the key's name and
returns the value to keep, or raises ValueError with a sentence naming the key (the caller
adds the file and the line)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from site_core.loopback import is_loopback_host

__all__ = [
    "account",
    "accounts",
    "bio",
    "flag",
    "hosting",
    "https_url",
    "language",
    "optional_account",
    "optional_https_url",
    "optional_text",
    "output",
    "posts_per_page",
    "text",
    "username",
]

HOSTING_TARGETS = ("netlify", "cloudflare", "vercel", "nginx", "caddy", "apache", "github-pages")
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,30}$")
LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
HANDLE = re.compile(r"^@?[^@\s]+@[^@\s]+\.[^@\s]+$")


def text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be a non-empty string")
    return value.strip()


def optional_text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string")
    return value.strip() or None


def bio(value: Any, key: str) -> str:
    return optional_text(value, key) or ""


def flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false, not {value!r}")
    return value


def https_url(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a URL such as https://example.com")
    parts = urlsplit(value.strip())
    local = is_loopback_host(parts.hostname)
    bad_scheme = parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local)
    if bad_scheme or not parts.netloc:
        raise ValueError(
            f"'{key}' must be an https URL such as https://example.com (http only for localhost)"
        )
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError(f"'{key}' must be the root of a host, without a path: {value!r}")
    return value.strip().rstrip("/")


def optional_https_url(value: Any, key: str) -> str | None:
    return None if value is None else https_url(value, key)


def username(value: Any, key: str) -> str:
    if not isinstance(value, str) or not USERNAME.match(value):
        raise ValueError(f"'{key}' must be 1-30 letters, digits or underscores, not {value!r}")
    return value


def language(value: Any, key: str) -> str:
    if not isinstance(value, str) or not LANGUAGE.match(value):
        raise ValueError(f"'{key}' must be a BCP 47 language tag such as en or pt-BR")
    return value


def account(value: Any, key: str) -> str:
    """An account elsewhere: an actor URL, or a handle that `move`/`publish` resolve later."""
    if isinstance(value, str):
        account = value.strip()
        if account.startswith("https://") or HANDLE.match(account):
            return account
    raise ValueError(f"'{key}' must be an actor URL (https://...) or a handle (@user@server)")


def accounts(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list of actor URLs or handles")
    return tuple(account(item, key) for item in value)


def optional_account(value: Any, key: str) -> str | None:
    return None if value is None else account(value, key)


def hosting(value: Any, key: str) -> str:
    if value not in HOSTING_TARGETS:
        raise ValueError(f"'{key}' must be one of {', '.join(HOSTING_TARGETS)}, not {value!r}")
    return str(value)


def posts_per_page(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ValueError(f"'{key}' must be a whole number from 1 to 100")
    return value


def output(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or Path(value).is_absolute():
        raise ValueError(f"'{key}' must be a folder name relative to the site, such as public")
    if ".." in Path(value).parts:
        raise ValueError(f"'{key}' must stay inside the site folder")
    return value.strip()
