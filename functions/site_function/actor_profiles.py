"""The author of an interaction as the owner sees it: a small profile read from the actor
document the function last cached (sans-IO).

The document is the sender's text, so every field is bounded and checked as the interaction
records are (FEDERATION.md#interaction-records): the name is plain text, the profile page and
the avatar are http(s) URLs (`usable_id`), the handle is `@preferredUsername@host` with the
host of the actor's own id (where its document was fetched from), never a host it names.
A field that fails its check is left out; the id is always there.
"""

from __future__ import annotations

from typing import Any

from site_core.ids import parse_http_url
from site_function.interaction_records import bounded_text, usable_id

__all__ = ["NAME_CAP", "USERNAME_CAP", "author_profile"]

NAME_CAP = 200  # Mastodon allows 30 characters, other servers more; no page needs more
USERNAME_CAP = 100


def _handle(actor_id: str, document: dict[str, Any]) -> str | None:
    """`@user@host` (`host:port` off the default port, as WebFinger would be asked), or None
    when the username is missing or not one word."""
    url = parse_http_url(actor_id)
    username = bounded_text(document.get("preferredUsername"), USERNAME_CAP)
    if url is None or username is None or "@" in username or any(c.isspace() for c in username):
        return None
    default_port = {"https": 443, "http": 80}.get(url.scheme)
    host = url.host if url.port in (None, default_port) else f"{url.host}:{url.port}"
    return f"@{username}@{host}"


def _avatar(document: dict[str, Any]) -> str | None:
    """The icon's URL: an Image object (or the first of a list), a Link or a bare URL."""
    icon = document.get("icon")
    if isinstance(icon, list):
        icon = icon[0] if icon else None
    if isinstance(icon, dict) and "url" in icon:
        return usable_id(icon.get("url"))
    return usable_id(icon)


def author_profile(actor_id: str, document: dict[str, Any] | None) -> dict[str, Any]:
    """{id, name, handle, url, avatar} of the actor, each known field bounded and checked;
    only the id when the document is unknown (never fetched, or no longer cached)."""
    profile: dict[str, Any] = {"id": actor_id}
    if document is None:
        return profile
    found = {
        "name": bounded_text(document.get("name"), NAME_CAP),
        "handle": _handle(actor_id, document),
        "url": usable_id(document.get("url")),
        "avatar": _avatar(document),
    }
    profile.update((key, value) for key, value in found.items() if value is not None)
    return profile
