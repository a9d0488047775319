"""The function's full form of an interaction, as an item of a conversation data file.

Sans-IO: the media copies are looked up in a mapping made beforehand (`MediaLookup`), the
post's slug comes from the site's URL scheme. The function's `announce` is a `boost` here;
times the remote server wrote (published, updated) are kept only when they parse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from site_core.urls import SLUG_PATTERN, UrlScheme
from site_gen.conversations.data_files import (
    STATUSES,
    Attachment,
    Author,
    ConversationItem,
    Kind,
    Status,
)
from site_gen.conversations.pulled_state import MediaRecord, MediaRole

__all__ = [
    "MediaLookup",
    "item_from_full",
    "kind_of",
    "media_wanted",
    "post_slug",
    "status_of",
]

# (role, remote URL) -> the copy, or None when there is none (refused, or failed this time).
MediaLookup = Callable[[MediaRole, str], MediaRecord | None]
_KINDS: dict[str, Kind] = {"reply": "reply", "like": "like", "announce": "boost"}


def post_slug(urls: UrlScheme, object_id: str) -> str | None:
    """The slug of our post `object_id`, or None when the id is not one of our posts."""
    prefix = urls.post_object("")
    if not object_id.startswith(prefix):
        return None
    slug = object_id[len(prefix) :]
    return slug if SLUG_PATTERN.match(slug) else None


def kind_of(value: Any) -> Kind | None:
    """The data files' word for the function's kind, or None for a kind unknown here."""
    return _KINDS.get(value) if isinstance(value, str) else None


def status_of(value: Any) -> Status:
    """The function's state as a status; anything unexpected reads as pending."""
    for status in STATUSES:
        if value == status:
            return status
    return "pending"


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _attachments(note: dict[str, Any]) -> list[dict[str, Any]]:
    found = note.get("attachment")
    return [a for a in found if isinstance(a, dict) and _text(a.get("url"))] if found else []


def media_wanted(full: dict[str, Any]) -> Iterator[tuple[MediaRole, str]]:
    """The remote media an item shows: the author's avatar, a reply's attached images."""
    avatar = _text((full.get("author") or {}).get("avatar"))
    if avatar:
        yield "avatar", avatar
    if full.get("kind") == "reply":
        for attachment in _attachments(full.get("object") or {}):
            media_type = _text(attachment.get("mediaType")) or "image/"
            if media_type.startswith("image/"):
                yield "image", attachment["url"]


def _author(full: dict[str, Any], media: MediaLookup) -> Author:
    author = full.get("author") or {}
    avatar_url = _text(author.get("avatar"))
    copy = media("avatar", avatar_url) if avatar_url else None
    return Author(
        id=str(author.get("id") or (full.get("object") or {}).get("actor")),
        name=_text(author.get("name")),
        handle=_text(author.get("handle")),
        url=_text(author.get("url")),
        avatar=copy.file if copy else None,
    )


def _attachment(attachment: dict[str, Any], media: MediaLookup) -> Attachment:
    copy = media("image", attachment["url"])
    return Attachment(
        url=attachment["url"],
        media_type=_text(attachment.get("mediaType")),
        alt=_text(attachment.get("name")),
        file=copy.file if copy else None,
        width=copy.width if copy else None,
        height=copy.height if copy else None,
    )


def item_from_full(
    full: dict[str, Any], kind: Kind, status: Status, media: MediaLookup
) -> ConversationItem:
    """The data file's item for one full interaction, with `status` already decided."""
    note: dict[str, Any] = full.get("object") or {}
    received = _time(full.get("received")) or datetime(1970, 1, 1, tzinfo=UTC)
    item = ConversationItem(
        id=str(full["id"]),
        kind=kind,
        status=status,
        received=received,
        author=_author(full, media),
        published=_time(note.get("published")),
    )
    if kind != "reply":
        return item
    return replace(
        item,
        url=_text(note.get("url")),
        in_reply_to=_text(note.get("inReplyTo")),
        updated=_time(note.get("updated")),
        language=_text(note.get("language")),
        summary=_text(note.get("summary")),
        sensitive=note.get("sensitive") is True,
        content=_text(note.get("content")),
        truncated=note.get("truncated") is True,
        attachments=tuple(_attachment(a, media) for a in _attachments(note)),
    )
