"""What a pull or a push changed, as values, as the lines people read and as JSON.

A pull says "3 new (1 reply, 2 likes), 1 updated, 2 removed, 4 images copied" (per post with
`--verbose`); a push "approved 3, rejected 1, 2 no longer on the function". The same text is
the body of the pull request the workflow opens.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from site_gen.text import plural

__all__ = ["PostChanges", "PullReport", "PushReport"]

_KIND_WORDS = {"reply": ("reply", "replies"), "like": ("like", "likes"),
               "boost": ("boost", "boosts")}  # fmt: skip


@dataclass
class PostChanges:
    """What changed in one post's conversation file."""

    new: Counter[str] = field(default_factory=Counter)
    updated: int = 0
    removed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.new) or bool(self.updated) or bool(self.removed)

    def words(self) -> list[str]:
        """["3 new (1 reply, 2 likes)", "1 updated", ...]: only what happened."""
        parts: list[str] = []
        total = sum(self.new.values())
        if total:
            kinds = ", ".join(
                plural(self.new[kind], *_KIND_WORDS[kind]) for kind in _KIND_WORDS if self.new[kind]
            )
            parts.append(f"{total} new ({kinds})")
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return parts

    def as_json(self) -> dict[str, Any]:
        return {"new": dict(sorted(self.new.items())), "updated": self.updated,
                "removed": self.removed}  # fmt: skip


@dataclass
class PullReport:
    """A pull's outcome; `items` is how many the function lists for us now."""

    items: int = 0
    posts: dict[str, PostChanges] = field(default_factory=dict)
    media_copied: int = 0
    media_refused: list[str] = field(default_factory=list)
    media_deleted: int = 0
    skipped: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)

    def post(self, slug: str) -> PostChanges:
        return self.posts.setdefault(slug, PostChanges())

    @property
    def changed(self) -> bool:
        return bool(self.files_written) or any(p.any for p in self.posts.values())

    def summary(self) -> str:
        total = PostChanges()
        for changes in self.posts.values():
            total.new.update(changes.new)
            total.updated += changes.updated
            total.removed += changes.removed
        parts = total.words()
        if self.media_copied:
            parts.append(f"{plural(self.media_copied, 'image')} copied")
        if not parts:
            return f"No changes ({plural(self.items, 'item')} on the function, as last pulled)."
        return ", ".join(parts) + "."

    def lines(self, *, verbose: bool) -> list[str]:
        """The summary, then with `verbose` one line per post, refused media, skipped items."""
        lines = [self.summary()]
        if verbose:
            lines += [f"  {slug}: {', '.join(changes.words())}"
                      for slug, changes in sorted(self.posts.items()) if changes.any]  # fmt: skip
        lines += [f"  not copied: {reason}" for reason in self.media_refused]
        lines += [f"  skipped (not on one of our posts): {item}" for item in self.skipped]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "items": self.items,
            "posts": {slug: c.as_json() for slug, c in sorted(self.posts.items()) if c.any},
            "media_copied": self.media_copied,
            "media_refused": self.media_refused,
            "media_deleted": self.media_deleted,
            "skipped": self.skipped,
            "files_written": sorted(self.files_written),
        }


@dataclass
class PushReport:
    """A push's outcome: the decisions sent, by the state they set, and those the function
    no longer has (deleted or blocked since the pull)."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{state} {len(ids)}" for state, ids in sorted(self.sent.items()) if ids]
        if self.missing:
            parts.append(f"{len(self.missing)} no longer on the function")
        return ", ".join(parts) if parts else "Nothing to push: every status is as last pulled."

    def as_json(self) -> dict[str, Any]:
        return {"sent": {state: sorted(ids) for state, ids in sorted(self.sent.items())},
                "missing": sorted(self.missing)}  # fmt: skip
