"""The conversation store: each data file's checked model and summary, one row per file.

Checking a data file (libyaml, then every value) costs most of a millisecond, and a large
site has ten thousand of them. Each file that passed is kept in the build's cache folder
(`conversations.sqlite3`), keyed by its name and (size, mtime_ns), under a header that
names the reader version, the media folder listing, the `--allow-missing-media` choice and
the site's URLs: anything else and the row is checked again. A row holds two pickles: the
small summary the main process plans with, and the whole checked model, which only the
worker rendering that post reads. A file that fails is never kept, so its error is always
the exact one of its current bytes. Rows are written only here, so their pickles are
trusted; deleting the file is always safe.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from site_gen.build.conversation_summary import ConversationSummary
from site_gen.conversations.data_files import ConversationFile

__all__ = ["STORE_NAME", "ConversationStore", "Row", "Stamp"]

STORE_NAME = "conversations.sqlite3"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, header TEXT NOT NULL, "
    "size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, summary BLOB NOT NULL, "
    "model BLOB NOT NULL)"
)
_BUSY_MS = 60_000  # the checking workers take turns writing their batches
_UNPICKLE_ERRORS = (pickle.UnpicklingError, AttributeError, EOFError, ImportError, TypeError)

Stamp = tuple[int, int]  # (size, mtime_ns)
Row = tuple[str, Stamp, ConversationSummary, ConversationFile]  # name, stamp, summary, model


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=_BUSY_MS / 1000)
    db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")  # a cache: a crash costs a slower build only
    db.execute(_SCHEMA)
    return db


class ConversationStore:
    """The rows of one cache folder; open it after forking, never before."""

    def __init__(self, path: Path, header: str) -> None:
        self.header = header
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = _connect(path)
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):  # damaged: only a slower build
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self._db = _connect(path)

    def summaries(self) -> dict[str, tuple[Stamp, ConversationSummary]]:
        """The summary of each row written under this header."""
        found: dict[str, tuple[Stamp, ConversationSummary]] = {}
        rows = self._db.execute(
            "SELECT name, size, mtime_ns, summary FROM files WHERE header = ?", (self.header,)
        )
        for name, size, mtime_ns, blob in rows:
            summary = _loads(blob)
            if isinstance(summary, ConversationSummary):
                found[name] = ((size, mtime_ns), summary)
        return found

    def model(self, name: str) -> ConversationFile | None:
        """The checked model of the file `name`, if its row is of this header."""
        row = self._db.execute(
            "SELECT model FROM files WHERE name = ? AND header = ?", (name, self.header)
        ).fetchone()
        model = _loads(row[0]) if row is not None else None
        return model if isinstance(model, ConversationFile) else None

    def put_many(self, rows: Iterable[Row]) -> None:
        dump = pickle.HIGHEST_PROTOCOL
        values = [
            (name, self.header, *stamp, pickle.dumps(summary, dump), pickle.dumps(model, dump))
            for name, stamp, summary, model in rows
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", values)

    def keep_only(self, names: Sequence[str]) -> None:
        """Forget the rows of files that are gone (or of another header)."""
        kept = set(names)
        stale = [
            (name,)
            for name, header in self._db.execute("SELECT name, header FROM files")
            if name not in kept or header != self.header
        ]
        if stale:
            with self._db:
                self._db.executemany("DELETE FROM files WHERE name = ?", stale)

    def close(self) -> None:
        self._db.close()


def _loads(blob: bytes) -> Any:
    try:
        return pickle.loads(blob)  # noqa: S301 (our own private cache)
    except _UNPICKLE_ERRORS:
        return None  # written by another version: checked again
