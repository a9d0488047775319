"""Checking the conversation files that changed since the last build, on every core.

Each file is read and checked where it is summarized: in a worker process when there are
many (a first build of a large site), in the calling process when there are few. A worker
writes its files' rows into the conversation store itself and sends back the summaries
alone, so no process but the one rendering a post ever holds its items. Errors travel
back as values; the one of the first file by name is raised, as a serial check would.

The cyclic garbage collector is paused while a chunk is read: a file is a few hundred YAML
nodes that live until its walk ends, and the collections they set off (each one walking
every object the process holds) cost a fifth of the check. Nodes and models hold no cycles;
refcounting frees them, and whatever else is left goes at the next collection.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from site_core.errors import ConfigError
from site_core.urls import UrlScheme
from site_gen.build.conversation_cache import ConversationStore, Row, Stamp
from site_gen.build.conversation_summary import ConversationSummary, summarize
from site_gen.conversations.file_reader import read_conversation_file

__all__ = ["CheckSettings", "check_files"]

POOL_THRESHOLD = 200  # fewer files are checked in-process: a pool would cost more
_CHUNK = 50

Outcome = tuple[str, ConversationSummary | None, tuple[str, str | None, int | None] | None]


@dataclass(frozen=True)
class CheckSettings:
    """What checking a file needs; inherited by the workers on fork."""

    folder: Path
    media: frozenset[str]
    allow_missing_media: bool
    urls: UrlScheme
    store_path: Path
    header: str


def check_files(
    settings: CheckSettings, files: Sequence[tuple[str, Stamp]], jobs: int
) -> dict[str, ConversationSummary]:
    """The summary of each file of `files` (name, stamp), its row stored; the first bad
    file by name is a `ConfigError` with its line."""
    if jobs > 1 and len(files) >= POOL_THRESHOLD:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
        with context.Pool(jobs, initializer=_init, initargs=(settings,)) as pool:
            outcomes = [o for done in pool.imap_unordered(_check_chunk, chunks) for o in done]
    else:
        _init(settings)
        outcomes = _check_chunk(files)
    summaries: dict[str, ConversationSummary] = {}
    for name, summary, error in sorted(outcomes, key=lambda outcome: outcome[0]):
        if error is not None:
            raise ConfigError(*error)
        assert summary is not None
        summaries[name] = summary
    return summaries


_settings: CheckSettings | None = None


def _init(settings: CheckSettings) -> None:
    global _settings
    _settings = settings


def _check_chunk(files: Sequence[tuple[str, Stamp]]) -> list[Outcome]:
    """Check, summarize and store a few files; a bad one is an outcome, not an exception."""
    settings = _settings
    assert settings is not None
    outcomes: list[Outcome] = []
    rows: list[Row] = []
    with _collector_paused():
        for name, stamp in files:
            _check_one(settings, name, stamp, outcomes, rows)
    if rows:
        store = ConversationStore(settings.store_path, settings.header)
        try:
            store.put_many(rows)
        finally:
            store.close()
    return outcomes


def _check_one(
    settings: CheckSettings, name: str, stamp: Stamp, outcomes: list[Outcome], rows: list[Row]
) -> None:
    """Read, check and summarize one file into `outcomes` (and `rows` when it passed)."""
    missing: list[str] | None = [] if settings.allow_missing_media else None
    try:
        model = read_conversation_file(settings.folder / name, settings.media, missing)
    except ConfigError as exc:
        where = str(exc.path) if exc.path is not None else None
        outcomes.append((name, None, (exc.message, where, exc.line)))
        return
    summary = summarize(model, settings.urls, tuple(missing or ()))
    rows.append((name, stamp, summary, model))
    outcomes.append((name, summary, None))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (as it was, after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
