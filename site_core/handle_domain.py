"""The domain of the handle when it is not the site's: site.yaml's `handle_domain`, and the
function's `SITE_GEN_HANDLE_DOMAIN` (the same value, checked by the same rule).

A bare domain, because it becomes the part after the second `@` of the handle and the host
Mastodon asks for WebFinger (FEDERATION.md#handle-domain); a scheme, a path or a user part
there would make a handle nobody can resolve.
"""

from __future__ import annotations

import re
from typing import Any

from site_core.loopback import is_loopback_host

__all__ = ["handle_domain"]

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def handle_domain(value: Any, key: str) -> str | None:
    """`value` lowercased without a trailing dot; a port only on loopback, where a local test
    runs the handle's domain as `127.0.0.1:8001`. Anything else is a `ValueError`."""
    if value is None:
        return None
    text = value.strip().lower().rstrip(".") if isinstance(value, str) else ""
    name, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if port and is_loopback_host(name) and port.isdigit() and 0 < int(port) < 65536:
        return text
    if not _DOMAIN.match(text):
        raise ValueError(
            f"'{key}' must be a bare domain such as example.com (no https://, path or @), "
            f"not {value!r}"
        )
    return text
