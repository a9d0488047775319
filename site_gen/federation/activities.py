"""The activities we send: Create, Update, Delete, Update{Person} and Move.

Pure and deterministic: the same post gives the same activity and the same id, so a retried
delivery is the same activity and a receiver can deduplicate it. Ids are unique per content
(an Update's id carries its `updated` time, an Update{Person}'s a hash of the actor), because
Mastodon ignores an activity id it has already seen.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from site_core.context import ACTOR_CONTEXT, POST_CONTEXT, PUBLIC
from site_core.serialize import serialize
from site_gen.federation.objects import addressing, build_object

if TYPE_CHECKING:
    from site_gen.config import SiteConfig
    from site_gen.content.model import Post

__all__ = [
    "build_create",
    "build_delete",
    "build_move",
    "build_update",
    "build_update_actor",
    "create_of",
    "embedded",
]


def embedded(document: dict[str, Any]) -> dict[str, Any]:
    """A document without its `@context`, to embed in another one (one context at the top)."""
    return {key: value for key, value in document.items() if key != "@context"}


def _short_hash(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:16]


def _slug_of(object_id: str) -> str:
    return object_id.rstrip("/").rsplit("/", 1)[-1]


def build_create(post: Post, config: SiteConfig) -> dict[str, Any]:
    """Create embedding the full object (FEDERATION.md#embed-object), with the object's own
    to/cc (FEDERATION.md#addressing)."""
    return create_of(post, build_object(post, config), config)


def create_of(post: Post, note: dict[str, Any], config: SiteConfig) -> dict[str, Any]:
    """The Create of `post` around `note`, its object as `build_object` made it: a build
    makes each object once, for its own document and for the outbox."""
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.activity(f"create-{post.slug}"),
        "type": "Create",
        "actor": config.urls.actor,
        "published": note["published"],
        **addressing(post, config),
        "object": embedded(note),
    }


def build_update(post: Post, config: SiteConfig) -> dict[str, Any]:
    """Update carrying the full new object and a newer `updated` (FEDERATION.md#update-newer).

    Raises ValueError when the post has no `updated` time later than `published`: Mastodon
    would ignore such an edit, so sending it is a bug of the caller.
    """
    note = build_object(post, config)
    if "updated" not in note or post.updated is None:
        raise ValueError(f"post {post.slug!r} needs an 'updated' time after 'published'")
    stamp = note["updated"].replace("-", "").replace(":", "")  # 20240501T120000Z
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.activity(f"update-{post.slug}-{stamp}"),
        "type": "Update",
        "actor": config.urls.actor,
        "published": note["updated"],
        **addressing(post, config),
        "object": embedded(note),
    }


def build_delete(object_id: str, config: SiteConfig) -> dict[str, Any]:
    """Delete with a Tombstone object, to the public audience (FEDERATION.md#tombstones)."""
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.activity(f"delete-{_slug_of(object_id)}"),
        "type": "Delete",
        "actor": config.urls.actor,
        "to": [PUBLIC],
        "cc": [config.urls.followers],
        "object": {"id": object_id, "type": "Tombstone"},
    }


def build_update_actor(actor: dict[str, Any], config: SiteConfig) -> dict[str, Any]:
    """Update{Person} with the whole actor (FEDERATION.md#update-person; Mastodon re-reads
    attributionDomains from it, FEDERATION.md#attribution-domains).

    The id carries a hash of the actor, so each changed profile is a new activity.
    """
    body = embedded(actor)
    return {
        "@context": ACTOR_CONTEXT,
        "id": config.urls.activity(f"update-actor-{_short_hash(serialize(body))}"),
        "type": "Update",
        "actor": config.urls.actor,
        "to": [PUBLIC],
        "cc": [config.urls.followers],
        "object": body,
    }


def build_move(config: SiteConfig, target: str) -> dict[str, Any]:
    """Move of this actor to `target` (an actor URL whose alsoKnownAs lists us), to followers."""
    return {
        "@context": POST_CONTEXT,
        "id": config.urls.activity(f"move-{_short_hash(target)}"),
        "type": "Move",
        "actor": config.urls.actor,
        "object": config.urls.actor,
        "target": target,
        "to": [config.urls.followers],
    }
