"""Where a site's conversation data files and their media live.

Apart from `data_files` (the model, its reading and writing) so that a build can ask whether
a site has conversations at all without loading the model: most sites have none.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "CONVERSATIONS_DIR",
    "MEDIA_DIR",
    "SUFFIX",
    "conversation_path",
    "conversations_dir",
    "media_files",
    "media_names",
]

CONVERSATIONS_DIR = "conversations"
MEDIA_DIR = "media"
SUFFIX = ".yaml"


def conversations_dir(site_dir: Path) -> Path:
    """`<site>/conversations`, next to site.yaml."""
    return Path(site_dir) / CONVERSATIONS_DIR


def conversation_path(site_dir: Path, slug: str) -> Path:
    """The data file of the post `slug`."""
    return conversations_dir(site_dir) / f"{slug}{SUFFIX}"


def media_names(site_dir: Path) -> frozenset[str]:
    """The files of the site's `conversations/media/` (what data files may name)."""
    return media_files(conversations_dir(site_dir) / MEDIA_DIR)


def media_files(folder: Path) -> frozenset[str]:
    """The regular files of the media folder (read once for all the files of a site)."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.is_file(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return frozenset()
