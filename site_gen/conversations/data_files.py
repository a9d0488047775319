"""`conversations/<post-slug>.yaml`: one post's moderated conversation, as the owner sees it.

    # The conversation of the post 'hello' ...
    post: hello
    items:
    - id: https://remote.example/users/ana/statuses/1
      kind: reply
      status: pending
      received: 2024-05-01T10:00:00Z
      author:
        id: https://remote.example/users/ana
        ...
      content: |-
        <p>Hello!</p>

Items are sorted by (received, id), keys come in a fixed order with `kind` and `status` at the
top (a pull request's diff then shows each decision next to its id), empty values are left
out, times are UTC with `Z`. Rendering is deterministic: a rendered file, loaded and rendered
again, is the same bytes, so `pull` rewrites only what changed. Reading checks everything
(`file_reader`): the build stops on a bad file with its line, never trusts what it holds.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from site_gen.conversations.data_paths import (
    CONVERSATIONS_DIR,
    MEDIA_DIR,
    SUFFIX,
    conversation_path,
    conversations_dir,
    media_files,
    media_names,
)

__all__ = [
    "CONVERSATIONS_DIR",
    "KINDS",
    "MEDIA_DIR",
    "STATUSES",
    "SUFFIX",
    "Attachment",
    "Author",
    "ConversationFile",
    "ConversationItem",
    "Kind",
    "Status",
    "conversation_path",
    "conversations_dir",
    "load_conversation_file",
    "load_conversations",
    "media_names",
    "render_conversation_file",
    "write_atomically",
    "write_conversation_file",
    "write_if_changed",
]

Kind = Literal["reply", "like", "boost"]  # the function's "announce" is "boost" here
Status = Literal["pending", "approved", "rejected"]
KINDS: tuple[Kind, ...] = ("reply", "like", "boost")
STATUSES: tuple[Status, ...] = ("pending", "approved", "rejected")


@dataclass(frozen=True)
class Author:
    """Who wrote or liked; `avatar` is a copied file, "media/<name>.webp", or None."""

    id: str
    name: str | None = None
    handle: str | None = None
    url: str | None = None
    avatar: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An image of a reply: the remote `url`, and `file` when a copy was made."""

    url: str
    media_type: str | None = None
    alt: str | None = None
    file: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ConversationItem:
    """One reply, like or boost; `content` is sanitized HTML (replies only)."""

    id: str
    kind: Kind
    status: Status
    received: datetime
    author: Author
    url: str | None = None
    in_reply_to: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    summary: str | None = None
    sensitive: bool = False
    content: str | None = None
    truncated: bool = False
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ConversationFile:
    """The conversation of the post `post` (its slug)."""

    post: str
    items: tuple[ConversationItem, ...]


# The order of the keys in the file (and of the checks' "expected" lists).
ITEM_KEYS = (
    "id", "kind", "status", "received", "author", "url", "in_reply_to", "published",
    "updated", "language", "sensitive", "truncated", "summary", "attachments", "content",
)  # fmt: skip
AUTHOR_KEYS = ("id", "name", "handle", "url", "avatar")
ATTACHMENT_KEYS = ("url", "media_type", "alt", "file", "width", "height")

_HEADER = """\
# The conversation of the post '{slug}': replies, likes and boosts, written by
# `site-gen conversations pull`. Only items with `status: approved` appear on the site.
# To decide, change an item's `status:` line to approved, rejected or pending and commit
# (or edit it in the pull request); `site-gen conversations push` tells the function.
# Anything else here is overwritten by the next pull.
"""


def _time(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`; a time without a zone is taken as UTC."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat() + "Z"


def _mapping(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The non-empty fields of a dataclass, in the file's key order."""
    found: dict[str, Any] = {}
    for key in keys:
        field = getattr(value, key)
        if field is None or field is False or field == ():
            continue
        if isinstance(field, datetime):
            field = _Time(_time(field))
        elif key == "content":
            field = _Block(field)
        elif key == "author":
            field = _mapping(field, AUTHOR_KEYS)
        elif key == "attachments":
            field = [_mapping(attachment, ATTACHMENT_KEYS) for attachment in field]
        found[key] = field
    return found


def sort_key(item: ConversationItem) -> tuple[str, str]:
    """Items sort by when they were received, then id (the order of the file)."""
    return (_time(item.received), item.id)


def render_conversation_file(conversation: ConversationFile) -> str:
    """The file's text: header, `post:`, the items sorted; the same input, the same text."""
    import yaml

    items = sorted(conversation.items, key=sort_key)
    data = {"post": conversation.post, "items": [_mapping(i, ITEM_KEYS) for i in items]}
    body = yaml.dump(
        data,
        Dumper=_dumper(),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 20,  # never fold a long value: one value, one line, clear diffs
    )
    return _HEADER.format(slug=conversation.post) + body


def write_conversation_file(site_dir: Path, conversation: ConversationFile) -> bool:
    """Write the post's file (atomically) unless it already holds these bytes; without
    items, remove it. True when the file changed."""
    path = conversation_path(site_dir, conversation.post)
    if not conversation.items:
        if not path.exists():
            return False
        path.unlink()
        return True
    return write_if_changed(path, render_conversation_file(conversation).encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> bool:
    """`write_atomically` unless the file already holds these bytes (an unchanged pull then
    touches nothing, so a commit shows only real changes); True when it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomically(path, data)
    return True


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` at `path` by renaming a complete temporary file over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_conversation_file(path: Path) -> ConversationFile:
    """The checked conversation of one file; any problem is a `ConfigError` with its line."""
    from site_gen.conversations.file_reader import read_conversation_file

    return read_conversation_file(Path(path), media_files(Path(path).parent / MEDIA_DIR))


def load_conversations(site_dir: Path) -> dict[str, ConversationFile]:
    """Every post's conversation by slug, checked; {} when the site has no such folder."""
    from site_gen.conversations.file_reader import read_conversation_file

    folder = conversations_dir(site_dir)
    if not folder.is_dir():
        return {}
    media = media_files(folder / MEDIA_DIR)
    paths = sorted(
        p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith(".")
    )
    return {p.name[: -len(SUFFIX)]: read_conversation_file(p, media) for p in paths}


class _Block(str):
    """A value written as a literal block (`|-`): HTML reads line by line in a diff."""

    __slots__ = ()


class _Time(str):
    """A time already in its ISO form, written plain (it reads back as a timestamp)."""

    __slots__ = ()


@functools.cache
def _dumper() -> type[Any]:
    """The dumper: libyaml's emitter when present, with the two styles above, no anchors."""
    import yaml

    base: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True  # never an anchor, even for equal values

    Dumper.add_representer(
        _Block, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style="|")
    )
    Dumper.add_representer(
        _Time, lambda d, v: d.represent_scalar("tag:yaml.org,2002:timestamp", str(v))
    )
    return Dumper
