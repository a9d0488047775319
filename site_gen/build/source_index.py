"""Which source files changed since the last build, from `stat` alone.

A rebuild of a large site must not read and parse every unchanged post again. The index
maps each file name to its (mtime, size, inode) when last read and the `PostEntry` made
from it; a file whose stamp is unchanged is taken from here without being opened. It is
valid for one post fingerprint (configuration, static files, drafts flag) only, lives in
the private cache folder and is written only here, so its pickle is trusted.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from site_gen.build.post_rendering import PostEntry

__all__ = ["SourceIndex", "Stamp", "scan_named", "scan_sources", "stamp_of"]

_VERSION = 3  # bump when PostEntry or Post changes shape


Stamp = tuple[int, int, int]


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _is_post_name(name: str) -> bool:
    return name.endswith(".md") and not name.startswith(".")


def scan_sources(folder: Path) -> list[tuple[str, str, Stamp]]:
    """Every post file (`*.md`, not hidden): name, path and stamp, sorted by name."""
    if not folder.is_dir():
        return []
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if _is_post_name(name) and entry.is_file():
                found.append((name, entry.path, stamp_of(entry.stat())))
    found.sort()
    return found


def scan_named(folder: Path, names: Iterable[str]) -> list[tuple[str, str, Stamp]]:
    """The post files among `names` in `folder` that exist, as `scan_sources` finds them."""
    found = []
    for name in names:
        path = os.path.join(folder, name)
        if not _is_post_name(name):
            continue
        try:
            stat = os.stat(path)
        except OSError:  # removed (or renamed away) since
            continue
        if S_ISREG(stat.st_mode):
            found.append((name, path, stamp_of(stat)))
    return found


@dataclass
class SourceIndex:
    """name -> PostEntry; saved as a base file plus a small file of changes since, so that
    a one-post rebuild of a large site does not rewrite megabytes of index."""

    fingerprint: str
    entries: dict[str, PostEntry] = field(default_factory=dict)
    _token: str = ""  # ties the file of changes to the base it applies to
    _changes: dict[str, PostEntry | None] = field(default_factory=dict)
    _saved: dict[str, PostEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> SourceIndex:
        """The saved index if it was made under `fingerprint`, else an empty one."""
        try:
            with path.open("rb") as handle:
                version, saved, token, entries = pickle.load(handle)  # noqa: S301 (private)
        except (OSError, ValueError, EOFError, TypeError, AttributeError, pickle.PickleError):
            return cls(fingerprint)
        if version != _VERSION or saved != fingerprint or not isinstance(entries, dict):
            return cls(fingerprint)
        changes: dict[str, PostEntry | None] = {}
        try:
            with _changes_path(path).open("rb") as handle:
                base_token, found = pickle.load(handle)  # noqa: S301 (private)
            if base_token == token and isinstance(found, dict):
                changes = found
        except (OSError, ValueError, EOFError, TypeError, AttributeError, pickle.PickleError):
            pass
        for name, entry in changes.items():
            if entry is None:
                entries.pop(name, None)
            else:
                entries[name] = entry
        return cls(fingerprint, entries, token, changes, dict(entries))

    def save(self, path: Path) -> None:
        """Write what changed since `load` (or everything, when the changes grow large)."""
        changes = dict(self._changes)
        for name, entry in self.entries.items():
            if self._saved.get(name) is not entry:
                changes[name] = entry
        changes.update((name, None) for name in self._saved.keys() - self.entries.keys())
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._token and len(changes) <= max(_MAX_CHANGES, len(self.entries) // 20):
            _dump(_changes_path(path), (self._token, changes))
        else:
            self._token = os.urandom(8).hex()
            _dump(path, (_VERSION, self.fingerprint, self._token, self.entries))
            _changes_path(path).unlink(missing_ok=True)
            changes = {}
        self._changes, self._saved = changes, dict(self.entries)


_MAX_CHANGES = 200


def _changes_path(path: Path) -> Path:
    return path.with_suffix(".changes")


def _dump(path: Path, value: object) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(value, handle, pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
