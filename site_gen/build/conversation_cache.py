"""The checked conversations of the last build, kept so an unchanged file is not parsed again.

Checking a data file (libyaml, then every value) costs about 1.7 s for 20,000 items, and
every build would pay it. The result of each file that passed is kept in the build's cache
folder, keyed by the file's (name, size, mtime_ns); the whole cache is valid only for the
same media folder listing, the same `--allow-missing-media` choice and the same reader
version. A file that fails is never kept: it is read again, so its error is always the
exact one of its current bytes. The cache is written only here, so its pickle is trusted;
deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from site_gen.conversations.data_files import (
    SUFFIX,
    ConversationFile,
    conversations_dir,
    media_names,
    write_atomically,
)
from site_gen.conversations.file_reader import read_conversation_file

__all__ = ["CACHE_NAME", "load_checked_conversations"]

CACHE_NAME = "conversations.pickle"
_VERSION = "1"  # bump when the reader's checks or the model change

Entry = tuple[tuple[int, int], ConversationFile, tuple[str, ...]]  # stamp, file, warnings


def _data_files(folder: Path) -> list[tuple[str, tuple[int, int]]]:
    """(name, (size, mtime_ns)) of each data file, sorted by name."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                stat = entry.stat()
                found.append((entry.name, (stat.st_size, stat.st_mtime_ns)))
    return sorted(found)


def _header(media: frozenset[str], allow_missing_media: bool) -> str:
    listing = "\n".join(sorted(media)).encode()
    return f"{_VERSION}|{allow_missing_media}|{hashlib.blake2b(listing).hexdigest()}"


def _load(path: Path | None, header: str) -> dict[str, Entry]:
    if path is None:
        return {}
    try:
        with path.open("rb") as stream:
            kept: Any = pickle.load(stream)  # noqa: S301 (our own cache file)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return {}
    if not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != header:
        return {}
    entries: dict[str, Entry] = kept[1]
    return entries


def load_checked_conversations(
    site_dir: Path, *, allow_missing_media: bool = False, cache_dir: Path | None = None
) -> tuple[dict[str, ConversationFile], tuple[str, ...]]:
    """Every post's checked conversation by slug, and the warnings of reading them."""
    folder = conversations_dir(site_dir)
    if not folder.is_dir():
        return {}, ()
    media = media_names(site_dir)
    header = _header(media, allow_missing_media)
    cache_path = cache_dir / CACHE_NAME if cache_dir is not None else None
    cached = _load(cache_path, header)
    fresh: dict[str, Entry] = {}
    changed = False
    for name, stamp in _data_files(folder):
        entry = cached.get(name)
        if entry is None or entry[0] != stamp:
            changed = True
            missing: list[str] | None = [] if allow_missing_media else None
            conversation = read_conversation_file(folder / name, media, missing)
            entry = (stamp, conversation, tuple(missing or ()))
        fresh[name] = entry
    if cache_path is not None and (changed or fresh.keys() != cached.keys()):
        write_atomically(cache_path, pickle.dumps((header, fresh), pickle.HIGHEST_PROTOCOL))
    files = {name[: -len(SUFFIX)]: entry[1] for name, entry in fresh.items()}
    warnings = tuple(w for entry in fresh.values() for w in entry[2])
    return files, warnings
