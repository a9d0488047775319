"""Read what a build put on the static host: the actor and every post's Create in the outbox.

`site-gen publish` runs after deploy, so the built output folder is the truth of what the
world can fetch; publishing compares it with the ledger instead of re-reading the Markdown.
The outbox is followed from its first page through `next` links, as a remote server would.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from site_gen.errors import OutputError
from site_gen.federation.urls import UrlScheme, output_path_for_url

__all__ = ["BuiltPost", "BuiltSite", "document_hash", "parse_time", "read_built_site"]

_MAX_PAGES = 100_000


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


def _load(output_dir: Path, urls: UrlScheme, url: str) -> dict[str, Any]:
    path = output_dir / output_path_for_url(urls.path_of(url))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(
            f"{path} is missing: run 'site-gen build' before 'site-gen publish'"
        ) from None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(document, dict):
        raise OutputError(f"{path} is not a JSON object")
    return document


def _post_from_create(item: dict[str, Any], context: Any, urls: UrlScheme) -> BuiltPost:
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


def read_built_site(output_dir: Path, urls: UrlScheme) -> BuiltSite:
    """The actor and the outbox's posts from a build output folder (OutputError if absent)."""
    actor = _load(output_dir, urls, urls.actor)
    outbox = _load(output_dir, urls, urls.outbox)
    posts: list[BuiltPost] = []
    seen: set[str] = set()
    page_url = outbox.get("first")
    for _ in range(_MAX_PAGES):
        if not isinstance(page_url, str):
            break
        page = _load(output_dir, urls, page_url)
        for item in page.get("orderedItems", []):
            post = _post_from_create(item, page.get("@context", outbox.get("@context")), urls)
            if post.object_id not in seen:
                seen.add(post.object_id)
                posts.append(post)
        page_url = page.get("next")
    return BuiltSite(actor=actor, posts=tuple(posts))
