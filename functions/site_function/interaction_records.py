"""What the function keeps of a Like, an Announce or a reply: a bounded subset, never the raw
document (FEDERATION.md#interaction-records).

A signed sender may pad an activity to the body limit; storing it whole would let anyone fill
the disk. So each kind keeps only the fields the owner's moderation and a conversation view
use, each capped:

- Like and Announce: type, id, actor, object, published.
- A reply (the Note, from its Create or Update): type, id, actor, inReplyTo, url, published,
  updated, content (HTML sanitized to the incoming allow-list of `incoming_html`, then cut
  to `CONTENT_CAP` characters, with `truncated` set), summary (plain text, `SUMMARY_CAP`),
  sensitive, language, up to `MAX_ATTACHMENTS` attachments (url, mediaType, name) and up to
  `MAX_TAGS` tags (type, name, href).

Every text field is plain text (`incoming_html.plain_text`: no markup, no bidi controls).
Every URL is an http(s) URL of at most `URL_CAP` characters without bidi controls, or left
out; an interaction whose own id is longer than that is not stored at all. A reply's record
is thus at most about 60 KB whatever was sent. How many one actor may store is capped too
(`InteractionLimits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from site_core.ids import is_http_url
from site_core.incoming_html import BIDI_CONTROLS, plain_text, sanitize_incoming_html
from site_function.activity_parsing import first_id

__all__ = [
    "CONTENT_CAP",
    "MAX_ATTACHMENTS",
    "MAX_TAGS",
    "SUMMARY_CAP",
    "URL_CAP",
    "InteractionLimits",
    "bounded_text",
    "reaction_record",
    "reply_record",
    "usable_id",
]

URL_CAP = 2_048
CONTENT_CAP = 20_000
SUMMARY_CAP = 1_000
NAME_CAP = 1_500  # an attachment's description (alt text), as long as Mastodon allows
MEDIA_TYPE_CAP = 100
TAG_NAME_CAP = 200
LANGUAGE_CAP = 35  # the longest BCP 47 tag in common use fits
TIME_CAP = 64
MAX_ATTACHMENTS = 4
MAX_TAGS = 20
_CUT_PASSES = 8


@dataclass(frozen=True, slots=True)
class InteractionLimits:
    """How many replies one actor may have stored: per post, and received per day. A Like or
    an Announce is one per actor and post anyway (a new one replaces the old)."""

    replies_per_post: int = 20
    replies_per_day: int = 200


def usable_id(value: Any) -> str | None:
    """The id or URL (a string, an object's id or a Link's href, a list's first) if it is an
    http(s) URL within `URL_CAP`, else None."""
    if isinstance(value, list) and value:
        value = value[0]
    found = value.get("href") if isinstance(value, dict) and "href" in value else first_id(value)
    if not isinstance(found, str):
        return None
    if len(found) > URL_CAP or not is_http_url(found) or not BIDI_CONTROLS.isdisjoint(found):
        return None
    return found


def bounded_text(value: Any, cap: int) -> str | None:
    """Plain text of at most `cap` characters. The value is cut before it is cleaned (with
    room for markup), so a padded field costs the sanitizer little."""
    if not isinstance(value, str):
        return None
    return plain_text(value[: cap * 2])[:cap] or None


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value not in (None, "", [])}


def reaction_record(kind: str, activity_id: str, actor_id: str, object_id: str,
                    activity: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The stored form of a Like or Announce."""
    published = bounded_text(activity.get("published"), TIME_CAP)
    record = {"type": kind, "id": activity_id, "actor": actor_id, "object": object_id}
    return _compact({**record, "published": published})


def _bounded_html(value: Any) -> tuple[str | None, bool]:
    """Sanitized HTML of at most `CONTENT_CAP` characters, and whether it was cut."""
    if not isinstance(value, str) or not value:
        return None, False
    cleaned = sanitize_incoming_html(value)
    if len(cleaned) <= CONTENT_CAP:
        return cleaned or None, False
    # Cutting may leave elements open; the sanitizer closes them, which adds a little, so
    # the cut moves back by the excess until the result fits (a few passes at most).
    limit = CONTENT_CAP
    for _ in range(_CUT_PASSES):
        shortened = sanitize_incoming_html(cleaned[:limit])
        if len(shortened) <= CONTENT_CAP:
            return shortened or None, True
        limit -= len(shortened) - CONTENT_CAP
    return None, True


def _language(note: dict[str, Any]) -> str | None:
    content_map = note.get("contentMap")
    if isinstance(content_map, dict):
        for key in content_map:
            if isinstance(key, str) and 0 < len(key) <= LANGUAGE_CAP:
                return plain_text(key) or None
    return None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _attachments(note: dict[str, Any]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for item in _items(note.get("attachment")):
        if len(kept) == MAX_ATTACHMENTS:
            break
        if not isinstance(item, dict) or (url := usable_id(item.get("url"))) is None:
            continue
        kept.append(_compact({"url": url,
                              "mediaType": bounded_text(item.get("mediaType"), MEDIA_TYPE_CAP),
                              "name": bounded_text(item.get("name"), NAME_CAP)}))  # fmt: skip
    return kept


def _tags(note: dict[str, Any]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for item in _items(note.get("tag")):
        if len(kept) == MAX_TAGS:
            break
        if not isinstance(item, dict):
            continue
        tag = _compact({"type": bounded_text(item.get("type"), TAG_NAME_CAP),
                        "name": bounded_text(item.get("name"), TAG_NAME_CAP),
                        "href": usable_id(item.get("href"))})  # fmt: skip
        if "name" in tag or "href" in tag:
            kept.append(tag)
    return kept


def reply_record(note_id: str, actor_id: str, in_reply_to: str,
                 note: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The stored form of a reply Note (see the module docstring for the caps)."""
    content, truncated = _bounded_html(note.get("content"))
    return _compact(
        {
            "type": "Note",
            "id": note_id,
            "actor": actor_id,
            "inReplyTo": in_reply_to,
            "url": usable_id(note.get("url")),
            "published": bounded_text(note.get("published"), TIME_CAP),
            "updated": bounded_text(note.get("updated"), TIME_CAP),
            "content": content,
            "truncated": truncated or None,
            "summary": bounded_text(note.get("summary"), SUMMARY_CAP),
            "sensitive": note.get("sensitive") is True or None,
            "language": _language(note),
            "attachment": _attachments(note),
            "tag": _tags(note),
        }
    )
