"""site.yaml's `blocklists:`: the shared blocklists the site subscribes to, each checked.

Each entry is the https URL of a Mastodon-format domain-block CSV (`site-gen blocks
subscribe`); plain http is accepted only on a loopback host, for local tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["blocklist_url", "blocklists"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def blocklist_url(value: Any, key: str = "blocklists") -> str:
    """The URL, stripped, or a ValueError saying what a blocklist URL must be."""
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"'{key}': {value!r} is not an https:// URL without credentials")
    return text


def blocklists(value: Any, key: str) -> tuple[str, ...]:
    """The list of blocklist URLs (none when the key is empty)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list of https:// URLs")
    return tuple(blocklist_url(item, key) for item in value)
