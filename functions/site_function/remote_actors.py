"""Read the parts of remote actor and key documents the function relies on (sans-IO).

Real documents differ: Mastodon embeds one `publicKey` with an `owner`; GoToSocial's key URL
(`.../main-key`) answers a stub holding only `publicKey`; some servers list several keys.
Everything here takes dicts and returns values, so each shape can be tested from fixtures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from site_core.ids import parse_http_url
from site_function.activity_parsing import first_id
from site_function.store.base import RemoteActor

__all__ = [
    "ACTOR_TYPES",
    "actor_from_document",
    "key_entry",
    "same_origin",
    "without_fragment",
]

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


def without_fragment(url: str) -> str:
    """The document URL of an id such as `https://h/users/a#main-key`."""
    return url.split("#", 1)[0]


def same_origin(first: str, second: str) -> bool:
    """Same scheme, host and port: a document may only speak for ids on its own origin."""
    a, b = parse_http_url(first), parse_http_url(second)
    return a is not None and b is not None and a.origin == b.origin


def _key_entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    value = document.get("publicKey")
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [entry for entry in value if isinstance(entry, dict)]
    return []


def key_entry(document: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    """The key with id `key_id` in a document: listed under `publicKey`, or the document itself.

    The entry must carry a PEM; its `owner` defaults to the document's id.
    """
    candidates = _key_entries(document)
    if document.get("publicKeyPem") is not None:
        candidates.append(document)  # a bare Key document
    for entry in candidates:
        if entry.get("id") == key_id and isinstance(entry.get("publicKeyPem"), str):
            owner = first_id(entry.get("owner")) or first_id(document.get("id"))
            return {**entry, "owner": owner}
    return None


def actor_from_document(document: dict[str, Any], fetched_at: datetime) -> RemoteActor | None:
    """The cached form of an actor document, or None if it is not a usable actor.

    Usable means an id and an inbox on the id's own origin; the shared inbox is kept only if
    it is on the same origin too (a document cannot send our deliveries to a third party).
    """
    actor_id = first_id(document.get("id"))
    inbox = document.get("inbox")
    if not isinstance(actor_id, str) or not isinstance(inbox, str):
        return None
    if not same_origin(actor_id, inbox):
        return None
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    if not isinstance(shared, str) or not same_origin(actor_id, shared):
        shared = None
    keys = [entry for entry in _key_entries(document) if isinstance(entry.get("id"), str)]
    key = next((entry for entry in keys if isinstance(entry.get("publicKeyPem"), str)), None)
    aliases = document.get("alsoKnownAs")
    if isinstance(aliases, str):
        aliases = [aliases]
    return RemoteActor(
        id=actor_id,
        inbox=inbox,
        shared_inbox=shared,
        key_id=key["id"] if key else None,
        public_key_pem=key["publicKeyPem"] if key else None,
        also_known_as=tuple(a for a in aliases or () if isinstance(a, str)),
        document=document,
        fetched_at=fetched_at,
    )
