"""What a build put on the static host, as data: the actor and every post's Create.

`site-gen publish` runs after deploy, so the built output is the truth of what the world can
fetch; publishing compares it with the ledger instead of re-reading the Markdown. Reading the
files is the generator's part (`site_gen.publish.built_output`); this module only turns the
documents into values, so the plan that both sides share needs no file access.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from site_core.errors import OutputError
from site_core.urls import UrlScheme

__all__ = ["BuiltPost", "BuiltSite", "document_hash", "parse_time", "post_from_create"]


@dataclass(frozen=True)
class BuiltPost:
    """One post as the build published it, with what publishing needs to decide and send."""

    object_id: str
    slug: str
    published: datetime
    updated: datetime | None
    content_hash: str
    create: dict[str, Any]  # the Create activity, with its @context
    mentions: tuple[str, ...]  # actor ids of Mention tags
    in_reply_to: str | None

    @property
    def object(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.create["object"]
        return obj


@dataclass(frozen=True)
class BuiltSite:
    """The actor document and the posts of the outbox, newest first."""

    actor: dict[str, Any]
    posts: tuple[BuiltPost, ...]


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as written by the build (`...Z`), or None."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def document_hash(document: dict[str, Any]) -> str:
    """A stable hash of a JSON document (sorted keys), to notice any change at all."""
    data = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def post_from_create(item: dict[str, Any], context: Any, urls: UrlScheme) -> BuiltPost:
    """One outbox item as a `BuiltPost` (`OutputError` unless it is a Create of an object)."""
    obj = item.get("object")
    if item.get("type") != "Create" or not isinstance(obj, dict) or "id" not in obj:
        raise OutputError(f"outbox item {item.get('id')!r} is not a Create of an object")
    object_id = str(obj["id"])
    prefix = urls.post_object("")
    slug = object_id[len(prefix) :] if object_id.startswith(prefix) else object_id
    published = parse_time(obj.get("published"))
    if published is None:
        raise OutputError(f"object {object_id} has no 'published' time")
    mentions = tuple(
        str(tag["href"])
        for tag in obj.get("tag", [])
        if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href")
    )
    reply = obj.get("inReplyTo")
    return BuiltPost(
        object_id=object_id,
        slug=slug,
        published=published,
        updated=parse_time(obj.get("updated")),
        content_hash=document_hash(obj),
        create={"@context": context, **item},
        mentions=tuple(dict.fromkeys(mentions)),
        in_reply_to=str(reply) if isinstance(reply, str) else None,
    )
