"""Rendered posts cached by content hash in `.site-gen/cache/posts.sqlite3`.

Rendering Markdown (with Pygments) is most of the cost of a build; a post whose source file,
configuration and mention resolutions did not change is taken from here instead, which is
what makes a one-post rebuild of a large site fast. The cache lives in the site's private
state folder and is written only by this module, so its pickles are trusted; deleting the
file is always safe.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from site_gen.content.model import Post

__all__ = ["PostCache", "post_key"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS posts (key TEXT PRIMARY KEY, post BLOB NOT NULL)"
_BATCH = 500


def post_key(fingerprint: str, data: bytes) -> str:
    """The cache key of a source file under one configuration (see `pipeline.fingerprint`)."""
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(data)
    return digest.hexdigest()


class PostCache:
    """A key -> Post store; `path=None` gives an empty, memory-only cache (for `check`)."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path is not None else ":memory:")
        try:
            self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError:
            # A damaged cache is only a slower build: start over.
            self._db.close()
            assert path is not None
            path.unlink(missing_ok=True)
            self._db = sqlite3.connect(str(path))
            self._db.execute(_SCHEMA)

    def get_many(self, keys: Sequence[str]) -> dict[str, Post]:
        found: dict[str, Post] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT key, post FROM posts WHERE key IN ({marks})", batch)  # noqa: S608 (only '?' marks)
            for key, blob in rows:
                try:
                    found[key] = pickle.loads(blob)  # noqa: S301 (our own private cache)
                except (pickle.UnpicklingError, AttributeError, EOFError, TypeError):
                    continue  # written by another version: render again
        return found

    def put_many(self, entries: Iterable[tuple[str, Post]]) -> None:
        rows = [
            (key, pickle.dumps(post, protocol=pickle.HIGHEST_PROTOCOL)) for key, post in entries
        ]
        if rows:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?)", rows)

    def prune(self, keep: Iterable[str]) -> None:
        """Forget entries not used by the latest build, once they outnumber the used ones."""
        kept = set(keep)
        (count,) = self._db.execute("SELECT count(*) FROM posts").fetchone()
        if count <= 2 * len(kept) + 100:
            return
        stale = [(k,) for (k,) in self._db.execute("SELECT key FROM posts") if k not in kept]
        with self._db:
            self._db.executemany("DELETE FROM posts WHERE key = ?", stale)

    def close(self) -> None:
        self._db.close()
