"""The checks of a conversation file: whatever was typed into it, the build gets clean values
or stops with the file, the line and the reason.

A data file may be edited by hand, or by anyone who can open a pull request: it is read as
hostile. The text is composed into nodes by libyaml (faster than PyYAML's own loading, and
every node keeps its line), then walked against the schema here: unknown keys (with a
did-you-mean), wrong types, values outside the lists, ids and links that are not http(s)
URLs, media paths outside `conversations/media/`, duplicate ids. Aliases are refused: a
node met twice is an alias, and a few of them nested are the "billion laughs" that would
make a walk exponential. Content is sanitized again with the allow-list it was stored
with, and every text with `plain_text`: no file can put script, styles or bidi controls on
a page.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from site_core.errors import ConfigError
from site_core.ids import is_http_url
from site_core.incoming_html import plain_text, sanitize_incoming_html
from site_gen.conversations.data_files import (
    ATTACHMENT_KEYS,
    AUTHOR_KEYS,
    ITEM_KEYS,
    KINDS,
    MEDIA_DIR,
    STATUSES,
    SUFFIX,
    Attachment,
    Author,
    ConversationFile,
    ConversationItem,
    sort_key,
)
from site_gen.conversations.yaml_nodes import compose_nodes

__all__ = ["MAX_FILE_BYTES", "read_conversation_file"]

MAX_FILE_BYTES = 32 * 1024 * 1024
_T = TypeVar("_T")
_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT = f"{_TAG}str", f"{_TAG}null", f"{_TAG}bool", f"{_TAG}int"
_TIME = f"{_TAG}timestamp"
_MEDIA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9]+)?\Z")
_COUNT = re.compile(r"[0-9]{1,6}\Z")
_REQUIRED_ITEM_KEYS = ("id", "kind", "status", "received", "author")
_FILE_KEYS = frozenset({"post", "items"})
_ITEM_KEYS, _AUTHOR_KEYS = frozenset(ITEM_KEYS), frozenset(AUTHOR_KEYS)
_ATTACHMENT_KEYS = frozenset(ATTACHMENT_KEYS)
_ORDER = ("post", "items", *ITEM_KEYS, *AUTHOR_KEYS, *ATTACHMENT_KEYS)  # for messages


def read_conversation_file(
    path: Path, media: frozenset[str], missing_media: list[str] | None = None
) -> ConversationFile:
    """The checked conversation of `path`; `media` names the files of its media folder.

    A picture missing from that folder is an error, unless `missing_media` is a list (the
    owner passed `--allow-missing-media`): then it is left out and a warning naming the file
    and line goes into the list.
    """
    text = _read_text(path)
    root = _compose(text, path)
    # An alias is written `*name`: a file without a star has none to look for.
    reader = _FileReader(path, media, text if "*" in text else None)
    reader.missing_media = missing_media
    return reader.conversation(root)


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError("not UTF-8 text", path, line) from None


def _compose(text: str, path: Path) -> Any:
    """The node tree, by libyaml when present; a syntax error in plain words, with its line."""
    import yaml

    from site_gen.yaml_errors import explain_yaml_error

    try:
        return compose_nodes(text)
    except yaml.YAMLError as exc:
        explained = explain_yaml_error(text, first_line=1)
        if explained is not None:
            raise ConfigError(explained.message, path, explained.line) from None
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"not valid YAML: {exc}", path, line) from None


class _FileReader:
    """One file's walk: where errors point, the media files, the nodes already met."""

    def __init__(self, path: Path, media: frozenset[str], text_with_star: str | None) -> None:
        self.path = path
        self.media = media
        self.text_with_star = text_with_star  # None: no alias can be in the file
        self.seen: set[int] = set()
        self.missing_media: list[str] | None = None  # a list: missing pictures are warnings
        self.item_checks: dict[str, Callable[[Any, str], Any]] = {
            "id": self.url, "kind": self.kind, "status": self.status, "received": self.time,
            "author": self.author, "url": self.url, "in_reply_to": self.url,
            "published": self.time, "updated": self.time, "language": self.text,
            "sensitive": self.flag, "truncated": self.flag, "summary": self.text,
            "attachments": self.attachments, "content": self.content,
        }  # fmt: skip

    def fail(self, message: str, node: Any) -> NoReturn:
        raise ConfigError(message, self.path, node.start_mark.line + 1)

    def conversation(self, root: Any) -> ConversationFile:
        if root is None:
            raise ConfigError("empty: a conversation file holds 'post:' and 'items:'", self.path, 1)
        fields = self.mapping(root, _FILE_KEYS, "", "a mapping of post: and items:")
        if "post" not in fields:
            self.fail("missing 'post:' (the slug of the post, as in the file name)", root)
        post_node = fields["post"]
        slug = self.text(post_node, "post", plain=False)
        expected = self.path.name.removesuffix(SUFFIX)
        if slug != expected:
            self.fail(
                f"'post: {slug}' does not match the file name {self.path.name} "
                f"(the file of the post '{slug}' is {slug}{SUFFIX})",
                post_node,
            )
        items = self.items(fields["items"]) if "items" in fields else ()
        return ConversationFile(slug, items)

    def visit(self, node: Any) -> None:
        """Refuse a node met before: only an alias (`*name`) can bring one back."""
        if self.text_with_star is None:
            return
        if id(node) in self.seen:
            self.fail_alias(self.text_with_star)
        self.seen.add(id(node))

    def fail_alias(self, text: str) -> NoReturn:
        """Point at the first alias: the node met again carries the line of its anchor."""
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        alias = next(t for t in yaml.scan(text, Loader=loader) if isinstance(t, yaml.AliasToken))
        self.fail(
            f"an alias (*{alias.value}) repeats an earlier value: aliases are not allowed", alias
        )

    def mapping(self, node: Any, keys: frozenset[str], prefix: str, shape: str) -> dict[str, Any]:
        """Key -> value node of a mapping of known keys; null values left out."""
        self.visit(node)
        if type(node) is not MappingNode:
            self.fail(f"{prefix or 'the file'} must be {shape}", node)
        found: dict[str, Any] = {}
        named: set[str] = set()
        for key_node, value_node in node.value:  # 40,000 mappings in a large site: kept lean
            key = key_node.value
            if type(key_node) is not ScalarNode or key not in keys or key in named:
                self.bad_key(node, key_node, keys, prefix)
            named.add(key)
            if value_node.tag != _NULL:
                found[key] = value_node
        return found

    def bad_key(self, node: Any, key_node: Any, keys: frozenset[str], prefix: str) -> NoReturn:
        """The error for a key that is unknown, or given twice."""
        self.visit(key_node)
        key = key_node.value if type(key_node) is ScalarNode else key_node.tag
        if key in keys:
            first = next(k for k, _v in node.value if k.value == key)
            line = first.start_mark.line + 1
            self.fail(f"key '{prefix}{key}' appears twice (first on line {line})", key_node)
        close = difflib.get_close_matches(str(key), keys, n=1)
        hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
        expected = ", ".join(k for k in _ORDER if k in keys)
        self.fail(f"unknown key '{prefix}{key}'{hint} (expected {expected})", key_node)

    def items(self, node: Any) -> tuple[ConversationItem, ...]:
        self.visit(node)
        if type(node) is not SequenceNode:
            self.fail("'items' must be a list of items (each starting with '- id:')", node)
        items = [self.item(child) for child in node.value]
        first: dict[str, int] = {}
        for item, child in zip(items, node.value, strict=True):
            if item.id in first:
                self.fail(f"duplicate id {item.id} (first on line {first[item.id]})", child)
            first[item.id] = child.start_mark.line + 1
        return tuple(sorted(items, key=sort_key))

    def item(self, node: Any) -> ConversationItem:
        fields = self.mapping(node, _ITEM_KEYS, "", "an item: a mapping of id, kind, status, ...")
        for key in _REQUIRED_ITEM_KEYS:
            if key not in fields:
                self.fail(f"an item needs '{key}'", node)
        checks = self.item_checks
        values = {key: checks[key](value, key) for key, value in fields.items()}
        return ConversationItem(**values)

    def kind(self, node: Any, key: str) -> str:
        return self.choice(node, key, KINDS)

    def status(self, node: Any, key: str) -> str:
        return self.choice(node, key, STATUSES)

    def content(self, node: Any, key: str) -> str:
        return sanitize_incoming_html(self.text(node, key, plain=False))

    def author(self, node: Any, _key: str = "author") -> Author:
        fields = self.mapping(node, _AUTHOR_KEYS, "author.", "a mapping of id, name, handle, ...")
        if "id" not in fields:
            self.fail("'author' needs 'id' (the URL of the account)", node)
        values: dict[str, Any] = {k: self.author_value(k, v) for k, v in fields.items()}
        return Author(**values)

    def author_value(self, key: str, node: Any) -> str | None:
        if key in ("id", "url"):
            return self.url(node, f"author.{key}")
        if key == "avatar":
            return self.media_file(node, "author.avatar")
        return self.text(node, f"author.{key}")

    def attachments(self, node: Any, _key: str = "attachments") -> tuple[Attachment, ...]:
        self.visit(node)
        if type(node) is not SequenceNode:
            self.fail("'attachments' must be a list (each starting with '- url:')", node)
        return tuple(self.attachment(child) for child in node.value)

    def attachment(self, node: Any) -> Attachment:
        shape = "an attachment: a mapping of url, media_type, alt, ..."
        fields = self.mapping(node, _ATTACHMENT_KEYS, "attachments.", shape)
        if "url" not in fields:
            self.fail("an attachment needs 'url'", node)
        values: dict[str, Any] = {}
        for key, value in fields.items():
            where = f"attachments.{key}"
            if key == "url":
                values[key] = self.url(value, where)
            elif key == "file":
                values[key] = self.media_file(value, where)
            elif key in ("width", "height"):
                values[key] = self.count(value, where)
            else:
                values[key] = self.text(value, where)
        return Attachment(**values)

    # Scalars: each checks its node's resolved tag, then its value.

    def scalar(self, node: Any, key: str, tags: Iterable[str], kind: str) -> str:
        self.visit(node)
        if type(node) is not ScalarNode or node.tag not in tags:
            self.fail(f"'{key}' must be {kind}", node)
        value: str = node.value
        return value

    def text(self, node: Any, key: str, *, plain: bool = True) -> str:
        value = self.scalar(node, key, (_STR,), "text (put it in quotes)")
        return plain_text(value) if plain else value

    def url(self, node: Any, key: str) -> str:
        value = self.scalar(node, key, (_STR,), "an http(s) URL")
        if len(value) > 2048 or not is_http_url(value):
            self.fail(f"'{key}' must be an http(s) URL, not {value[:80]!r}", node)
        return value

    def time(self, node: Any, key: str) -> datetime:
        example = "a time such as 2024-05-01T10:00:00Z"
        value = self.scalar(node, key, (_TIME, _STR), example)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"'{key}' must be {example}", node)
        if parsed.tzinfo is None:
            self.fail(f"'{key}' must say its time zone: {example}", node)
        return parsed.astimezone(UTC)

    def flag(self, node: Any, key: str) -> bool:
        value = self.scalar(node, key, (_BOOL,), "true or false")
        return value.lower() in ("true", "yes", "on", "y")

    def count(self, node: Any, key: str) -> int:
        value = self.scalar(node, key, (_INT,), "a whole number of pixels")
        if not _COUNT.match(value) or int(value) == 0:
            self.fail(f"'{key}' must be a whole number of pixels, from 1 to 999999", node)
        return int(value)

    def choice(self, node: Any, key: str, choices: tuple[_T, ...]) -> _T:
        if type(node) is ScalarNode and node.tag == _STR and node.value in choices:
            self.visit(node)
            return choices[choices.index(node.value)]  # the common case: no message to build
        listed = ", ".join(str(c) for c in choices[:-1]) + f" or {choices[-1]}"
        value = self.scalar(node, key, (_STR,), listed)
        close = difflib.get_close_matches(value, [str(c) for c in choices], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        self.fail(f"'{key}' must be {listed}, not {value[:40]!r}{hint}", node)

    def media_file(self, node: Any, key: str) -> str | None:
        value = self.scalar(node, key, (_STR,), f"a file such as {MEDIA_DIR}/<name>.webp")
        folder, _, name = value.partition("/")
        if folder != MEDIA_DIR or not _MEDIA_NAME.match(name):
            self.fail(
                f"'{key}' must name a file of conversations/{MEDIA_DIR}/ as "
                f"{MEDIA_DIR}/<name>, not {value[:80]!r}",
                node,
            )
        if name not in self.media:
            message = f"'{key}': {value} not found in conversations/{MEDIA_DIR}/"
            if self.missing_media is None:
                self.fail(message, node)
            line = node.start_mark.line + 1
            self.missing_media.append(f"{self.path}:{line}: {message}; shown without it")
            return None
        return value
