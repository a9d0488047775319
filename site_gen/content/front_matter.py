"""A post's YAML front matter, validated key by key into a frozen `FrontMatter`.

Every error names the file and the line (from the YAML node marks, as `site_gen.config`
does) because a typo in a key that silently does nothing is the worst bug a writer can meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from site_core.errors import ContentError
from site_core.hashtags import hashtag_key
from site_core.interaction_policy import QuoteChoice, quote_choice
from site_core.urls import SLUG_PATTERN
from site_gen.yaml_errors import explain_yaml_error

__all__ = [
    "FrontMatter",
    "ImageSpec",
    "image_line",
    "parse_front_matter",
    "slug_from_filename",
    "split_source",
]

_FENCE = "---"
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
# A tag names its page, /tags/<tag>/: no '/', '\\', '?' or '%', which would move the page
# away from its URL (FEDERATION.md#hashtags: the Hashtag's href must be that page), and at
# least one letter or digit, so '.' and '..' never become folders.
_TAG = re.compile(r"^[^\s#,/\\?%]{1,64}$")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


@dataclass(frozen=True)
class ImageSpec:
    """An image as written in front matter: `src` is relative to the site's static/ folder."""

    src: str
    alt: str
    width: int | None
    height: int | None
    index: int  # position in the list, to find its line when reporting an error
    caption: str | None = None  # shown under the image on its page, not a substitute for alt


class FrontMatter(NamedTuple):
    """The validated keys of one post, defaults applied; dates are aware UTC."""

    title: str | None
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]
    slug: str | None
    draft: bool
    lang: str | None
    content_warning: str | None
    sensitive: bool
    kind: str
    images: tuple[ImageSpec, ...]
    pinned: bool
    in_reply_to: str | None
    summary: str | None
    quotes: QuoteChoice | None = None  # overrides site.yaml's `quotes` for this post


def split_source(text: str, path: Path) -> tuple[str, str, int]:
    """Split a post into (front matter YAML, Markdown body, line number where the body starts)."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _FENCE:
        raise ContentError("a post must start with '---' and YAML front matter", path, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() == _FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise ContentError("front matter is not closed by a '---' line", path, 1)


def slug_from_filename(path: Path) -> str:
    """The slug a file name gives: the stem, lower-cased, without a leading `YYYY-MM-DD-`.

    `2024-05-01-hello-world.md` -> `hello-world`; `post-7.md` -> `post-7`.
    """
    return _DATE_PREFIX.sub("", path.stem).lower()


# --- value checks: each returns the clean value or raises ValueError with a message ---------


def _date(value: Any, key: str) -> datetime:
    """A naive date-time means UTC; a bare date means midnight UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"'{key}' is not a date: {value!r} (use 2024-05-01 or 2024-05-01 14:30:00)"
            ) from None
    else:
        raise ValueError(f"'{key}' must be a date such as 2024-05-01, not {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' must be a non-empty string")
    return value.strip()


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false, not {value!r}")
    return value


def _tags(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list such as [gardens, bicycles]")
    tags: list[str] = []
    for item in value:
        tag = str(item).strip().lstrip("#") if isinstance(item, str | int) else None
        if not tag or not _TAG.match(tag) or not any(char.isalnum() for char in tag):
            raise ValueError(
                f"'{key}' has an invalid tag {item!r} (letters and digits; no spaces, '#',"
                " commas, slashes, '?' or '%')"
            )
        if hashtag_key(tag) not in (hashtag_key(t) for t in tags):
            tags.append(tag)
    return tuple(tags)


def _slug(value: Any, key: str) -> str:
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        raise ValueError(f"'{key}' must be lowercase letters, digits and dashes, not {value!r}")
    return value


def _lang(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise ValueError(f"'{key}' must be a language tag such as en or pt-BR")
    return value


def _kind(value: Any, key: str) -> str:
    if value not in ("note", "article"):
        raise ValueError(f"'{key}' must be note or article, not {value!r}")
    return str(value)


def _https_url(value: Any, key: str) -> str:
    if isinstance(value, str):
        parts = urlsplit(value.strip())
        if parts.scheme == "https" and parts.netloc:
            return value.strip()
    raise ValueError(f"'{key}' must be an https URL")


_CHECKS = {
    "title": _text,
    "date": _date,
    "updated": _date,
    "tags": _tags,
    "slug": _slug,
    "draft": _bool,
    "lang": _lang,
    "content_warning": _text,
    "sensitive": _bool,
    "type": _kind,
    "pinned": _bool,
    "in_reply_to": _https_url,
    "summary": _text,
    "quotes": quote_choice,
}
_ALL_KEYS = (*_CHECKS, "images")


class _Problem(ValueError):
    """A wrong value, located later (only on this error path) by composing the YAML."""

    def __init__(self, message: str, key: str, item: int | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.item = item


def _images(value: Any) -> tuple[ImageSpec, ...]:
    if not isinstance(value, list):
        raise _Problem("'images' must be a list of {src, alt}", "images")
    specs = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise _Problem("each image needs 'src' and 'alt'", "images", index)
        for key in entry:
            if key not in ("src", "alt", "width", "height", "caption"):
                raise _Problem(
                    f"unknown key 'images.{key}' (expected src, alt, width, height, caption)",
                    "images",
                    index,
                )
        if not isinstance(entry.get("src"), str) or not entry["src"].strip():
            raise _Problem("image needs 'src' (a path under static/)", "images", index)
        if not isinstance(entry.get("alt"), str) or not entry["alt"].strip():
            raise _Problem(
                "image needs 'alt' (text that describes the image for people who cannot see it)",
                "images",
                index,
            )
        for key in ("width", "height"):
            size = entry.get(key)
            if size is not None and (
                isinstance(size, bool) or not isinstance(size, int) or size < 1
            ):
                raise _Problem(f"'images.{key}' must be a positive whole number", "images", index)
        caption = entry.get("caption")
        if caption is not None and not isinstance(caption, str):
            raise _Problem("'images.caption' must be text", "images", index)
        specs.append(
            ImageSpec(
                entry["src"].strip().lstrip("/"),
                entry["alt"].strip(),
                entry.get("width"),
                entry.get("height"),
                index,
                (caption.strip() or None) if caption else None,
            )
        )
    return tuple(specs)


def _suggest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line_of(text: str, problem: _Problem) -> int:
    """The line (in the file) of the key, or of the image, that `problem` is about."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value != problem.key:
                continue
            # item -1: the key's own line; None: the value's line; N: the N-th list entry.
            node = key_node if problem.item == -1 else value_node
            if problem.item is not None and problem.item >= 0:
                node = value_node.value[problem.item]
            return int(node.start_mark.line) + 2
    return 1


def image_line(text: str, index: int) -> int:
    """The line in the file of the `index`-th image of this front matter."""
    return _line_of(text, _Problem("", "images", index))


def _bad_timestamp(text: str, path: Path, exc: ValueError) -> ContentError:
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    constructor = yaml.SafeLoader("")
    for key_node, value_node in getattr(root, "value", []):
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":timestamp"):
            try:
                constructor.construct_yaml_timestamp(value_node)
            except ValueError:
                return ContentError(
                    f"'{key_node.value}' is not a date: {value_node.value!r} ({exc})",
                    path,
                    value_node.start_mark.line + 2,
                )
    return ContentError(f"front matter holds an impossible date ({exc})", path, 1)


def _loaded(text: str, path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        explained = explain_yaml_error(text, first_line=2)
        if explained is not None:
            raise ContentError(
                f"front matter is {explained.message}", path, explained.line
            ) from None
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"front matter is not valid YAML: {problem}", path, line) from None
    except ValueError as exc:  # a timestamp-shaped value that is no date (2024-13-45)
        raise _bad_timestamp(text, path, exc) from None
    if data is None:
        raise ContentError("front matter needs at least a 'date'", path, 1)
    if not isinstance(data, dict):
        raise ContentError("front matter must be 'key: value' lines", path, 2)
    seen: dict[str, int] = {}
    for number, line_text in enumerate(text.split("\n"), start=2):
        match = _TOP_KEY.match(line_text)
        if match:
            key = match.group(1)
            if key in seen:
                raise ContentError(
                    f"key '{key}' appears twice (first on line {seen[key]})", path, number
                )
            seen[key] = number
    return data


def parse_front_matter(text: str, path: Path) -> FrontMatter:
    """Validate the YAML between the `---` lines; errors give the line in the file.

    The fast path loads with libyaml and validates plain values; only an error composes the
    YAML again (pure Python, slow) to find the line to report.
    """
    data = _loaded(text, path)
    try:
        return _validated(data)
    except _Problem as problem:
        raise ContentError(str(problem), path, _line_of(text, problem)) from None


def _validated(data: dict[str, Any]) -> FrontMatter:
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key == "images":
            values["images"] = _images(raw) if raw is not None else ()
            continue
        if key not in _CHECKS:
            raise _Problem(f"unknown front matter key '{key}'{_suggest(str(key))}", str(key), -1)
        if raw is None:
            continue
        try:
            values[key] = _CHECKS[key](raw, key)
        except ValueError as exc:
            raise _Problem(str(exc), key) from None

    if "date" not in values:
        raise _Problem("missing required key 'date'", "date")
    # The kind follows from the title when not given: a titled post is an article
    # (FEDERATION.md#note-by-default: Note is the default; FEDERATION.md#article-fields: an Article
    # is opt-in and needs a name).
    kind = values.get("type") or ("article" if "title" in values else "note")
    if kind == "article" and "title" not in values:
        raise _Problem("an article needs a 'title'", "type", -1)
    if kind == "note" and "title" in values:
        raise _Problem("a note has no title: remove 'title' or set 'type: article'", "title", -1)
    return FrontMatter(
        title=values.get("title"),
        date=values["date"],
        updated=values.get("updated"),
        tags=values.get("tags", ()),
        slug=values.get("slug"),
        draft=values.get("draft", False),
        lang=values.get("lang"),
        content_warning=values.get("content_warning"),
        sensitive=values.get("sensitive", False) or "content_warning" in values,
        kind=kind,
        images=values.get("images", ()),
        pinned=values.get("pinned", False),
        in_reply_to=values.get("in_reply_to"),
        summary=values.get("summary"),
        quotes=values.get("quotes"),
    )
