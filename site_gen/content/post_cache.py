"""Rendered posts cached by content hash in `.site-gen/cache/posts.sqlite3`.

Rendering Markdown (with Pygments) is most of the cost of a build; a post whose source file,
configuration and mention resolutions did not change is taken from here instead, which is
what makes a one-post rebuild of a large site fast. The worker processes of a build write
and read it concurrently (WAL mode), so the main process never holds the posts' HTML. The
cache lives in the site's private state folder and is written only by this module, so its
pickles are trusted; deleting the file is always safe.

Next to each post, its entry of the outbox (the canonical JSON of its Create), made where
its object is built: an outbox page joins its entries without reading the posts' HTML or
building their objects again. An entry is stored only after the post in its row, and
rewriting a post clears it, so an entry is always that of the post beside it.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from site_gen.content.model import Post

__all__ = ["PostCache", "post_key"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rendered_posts"
    " (key TEXT PRIMARY KEY, post BLOB NOT NULL, outbox_item BLOB)"
)
_OLD_TABLE = "DROP TABLE IF EXISTS posts"  # the cache of versions without outbox entries
_BATCH = 500
_BUSY_MS = 60_000  # two workers writing batches take turns, they never fail on the lock


def post_key(fingerprint: str, name: str, data: bytes) -> str:
    """The cache key of a source file under one configuration (see `pipeline.fingerprint`).

    The file name is part of it: the slug comes from it, so two files with the same bytes
    are two different posts.
    """
    digest = hashlib.sha256(fingerprint.encode())
    digest.update(b"\0" + name.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=_BUSY_MS / 1000)
    db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
    # Set before the file has its first table (after that it is kept): a row (a post and its
    # outbox entry, ~18 KB at 1,000 posts) spans two pages, not five; a sixth less CPU
    # writing the rows of a cold build.
    db.execute("PRAGMA page_size = 16384")
    db.execute("PRAGMA journal_mode = WAL")
    # A cache: no fsync (a crash of the machine may lose or damage it, which only costs a
    # slower build; a damaged file is detected and started over).
    db.execute("PRAGMA synchronous = OFF")
    db.execute(_OLD_TABLE)
    db.execute(_SCHEMA)
    return db


class PostCache:
    """A key -> (Post, outbox entry) store shared by the processes of one build."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = _connect(path)
        except sqlite3.DatabaseError:
            # A damaged cache is only a slower build: start over.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self._db = _connect(path)

    def _column_of(self, column: str, keys: Sequence[str]) -> Iterator[tuple[str, Any]]:
        """(key, value of `column`) for the stored rows of `keys`, a batch of marks at a time."""
        for start in range(0, len(keys), _BATCH):
            batch = list(keys[start : start + _BATCH])
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, {column} FROM rendered_posts WHERE key IN ({marks})"  # noqa: S608 (a fixed column, '?' marks)
            yield from self._db.execute(query, batch)

    def get_many(self, keys: Sequence[str]) -> dict[str, Post]:
        found: dict[str, Post] = {}
        for key, blob in self._column_of("post", keys):
            try:
                found[key] = pickle.loads(blob)  # noqa: S301 (our own private cache)
            except (pickle.UnpicklingError, AttributeError, EOFError, TypeError):
                continue  # written by another version: render again
        return found

    def put_many(self, entries: Iterable[tuple[str, Post]]) -> None:
        self.put_with_items(entries, ())

    def put_with_items(
        self, entries: Iterable[tuple[str, Post]], items: Iterable[tuple[str, bytes]]
    ) -> None:
        """`put_many(entries)` then `put_outbox_items(items)`, in one transaction, a new post
        written once with its entry: rewriting a row with its large post costs as much again."""
        entry_of = dict(items)
        rows = [
            (key, pickle.dumps(post, protocol=pickle.HIGHEST_PROTOCOL), entry_of.pop(key, None))
            for key, post in entries
        ]
        updates = [(item, key) for key, item in entry_of.items()]
        if rows or updates:
            with self._db:
                if rows:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO rendered_posts VALUES (?, ?, ?)", rows
                    )
                if updates:
                    self._db.executemany(
                        "UPDATE rendered_posts SET outbox_item = ? WHERE key = ?", updates
                    )

    def outbox_items(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored outbox entries of `keys` (a key without one is left out)."""
        return {key: item for key, item in self._column_of("outbox_item", keys) if item}

    def put_outbox_items(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store each post's outbox entry beside it (a key whose post is not stored is skipped)."""
        self.put_with_items((), items)

    def prune(self, keep: Iterable[str]) -> None:
        """Forget entries not used by the latest build, once they outnumber the used ones."""
        kept = set(keep)
        (count,) = self._db.execute("SELECT count(*) FROM rendered_posts").fetchone()
        if count <= 2 * len(kept) + 100:
            return
        stale = [
            (k,) for (k,) in self._db.execute("SELECT key FROM rendered_posts") if k not in kept
        ]
        with self._db:
            self._db.executemany("DELETE FROM rendered_posts WHERE key = ?", stale)

    def close(self) -> None:
        self._db.close()
