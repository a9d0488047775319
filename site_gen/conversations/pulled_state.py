"""`conversations/pulled.json`: what the last pull saw, so the next one fetches only changes.

For each item id: the post slug it went to (None when the post is not one of ours), the
function's version and state at that pull, the media files its entry refers to, and whether a
copy failed for a reason that may pass (then the next pull fetches the item again). For each
remote media URL ever copied: the file it became, or why it was refused for good, so each
distinct URL is fetched once. The recorded state is the base of the three-way status merge:
a `status:` in a data file that differs from it is the owner's decision, not yet pushed.

Machine-written, committed with the data files, stable sorted JSON; written atomically and
always last, so a crash before it only makes the next pull redo the same work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from site_core.errors import ConfigError
from site_gen.conversations.data_files import conversations_dir, write_if_changed

__all__ = [
    "PULLED_FILE",
    "MediaRecord",
    "MediaRole",
    "PulledItem",
    "PulledState",
    "load_pulled",
    "pulled_path",
    "render_pulled",
    "save_pulled",
]

PULLED_FILE = "pulled.json"
_FORMAT = 1
MediaRole = Literal["avatar", "image"]
_ROLES: tuple[MediaRole, ...] = ("avatar", "image")


@dataclass(frozen=True)
class PulledItem:
    """One item as the last pull saw it on the function."""

    post: str | None
    version: str
    state: str
    media: tuple[str, ...] = ()
    retry: bool = False


@dataclass(frozen=True)
class MediaRecord:
    """A remote URL's copy (`file`, as the data files write it) or its permanent refusal."""

    file: str | None = None
    width: int | None = None
    height: int | None = None
    refused: str | None = None


@dataclass
class PulledState:
    """The whole of pulled.json; `media` is keyed by role, then by remote URL."""

    items: dict[str, PulledItem] = field(default_factory=dict)
    media: dict[MediaRole, dict[str, MediaRecord]] = field(
        default_factory=lambda: {role: {} for role in _ROLES}
    )


def pulled_path(site_dir: Path) -> Path:
    return conversations_dir(site_dir) / PULLED_FILE


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, (), [], False)}


def render_pulled(state: PulledState) -> str:
    """The file's text: sorted keys, one level per line, so diffs stay small and stable."""
    document = {
        "format": _FORMAT,
        "items": {
            item_id: _compact({**vars(item), "media": list(item.media)})
            for item_id, item in state.items.items()
        },
        "media": {
            role: {url: _compact(vars(record)) for url, record in records.items()}
            for role, records in state.media.items()
        },
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _item(value: Any) -> PulledItem:
    return PulledItem(
        post=value.get("post"),
        version=str(value["version"]),
        state=str(value["state"]),
        media=tuple(str(name) for name in value.get("media", ())),
        retry=bool(value.get("retry", False)),
    )


def _parse(document: Any) -> PulledState:
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ValueError(f"not a pulled.json of format {_FORMAT}")
    items = {str(key): _item(value) for key, value in document.get("items", {}).items()}
    media_in = document.get("media", {})
    media: dict[MediaRole, dict[str, MediaRecord]] = {
        role: {url: MediaRecord(**record) for url, record in media_in.get(role, {}).items()}
        for role in _ROLES
    }
    return PulledState(items, media)


def load_pulled(site_dir: Path) -> PulledState:
    """The last pull's record; empty when there is none yet (a first pull)."""
    path = pulled_path(site_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PulledState()
    try:
        return _parse(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{exc.msg} (delete the file to pull everything again)", path,
                          exc.lineno) from None  # fmt: skip
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(
            f"unreadable ({exc}); delete the file to pull everything again", path
        ) from None


def save_pulled(site_dir: Path, state: PulledState) -> bool:
    """Write pulled.json (atomically); True when its content changed."""
    return write_if_changed(pulled_path(site_dir), render_pulled(state).encode("utf-8"))
