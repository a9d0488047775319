"""The media step of a pull: copy what is new, reuse what was copied, drop what is unused.

Each distinct remote URL (per role: an avatar and an image of the same URL are different
files) is fetched once, ever: pulled.json records its file, or why it was refused for good.
A failure that may pass (the server was down) records nothing, so the next pull tries again.
Copies run concurrently, bounded by the copier (`MediaCopier`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.conversations.data_files import MEDIA_DIR, conversations_dir
from site_gen.conversations.pulled_state import MediaRecord, MediaRole, PulledState

if TYPE_CHECKING:
    from site_gen.conversations.media import CopiedMedia

__all__ = [
    "MediaOutcome",
    "MediaSettings",
    "collect_unused_media",
    "copy_media",
    "media_reference",
]

# The names MediaCopier gives its files; nothing else in the folder is ever deleted.
_COPY_NAME = re.compile(r"^[0-9a-f]{32}\.webp$")


@dataclass(frozen=True)
class MediaSettings:
    """How a pull copies media: the site's URL (the copier's User-Agent), whether private
    addresses are allowed (tests on loopback only), how many copies at once."""

    site_url: str
    allow_private: bool = False
    concurrency: int = 16


@dataclass
class MediaOutcome:
    """The copies usable now, the URLs that failed for a reason that may pass, the count of
    new copies and the reasons of new refusals."""

    usable: dict[tuple[MediaRole, str], MediaRecord] = field(default_factory=dict)
    transient: set[tuple[MediaRole, str]] = field(default_factory=set)
    copied: int = 0
    refused: list[str] = field(default_factory=list)

    def lookup(self, role: MediaRole, url: str) -> MediaRecord | None:
        return self.usable.get((role, url))


def media_reference(file: str) -> str:
    """`media/<name>` as the data files write it, whichever form the copier answered."""
    name = file.rsplit("/", 1)[-1]
    return f"{MEDIA_DIR}/{name}"


def _still_there(site_dir: Path, record: MediaRecord) -> bool:
    return record.file is None or (conversations_dir(site_dir) / record.file).is_file()


async def _copy_all(
    site_dir: Path, settings: MediaSettings, wanted: list[tuple[MediaRole, str]]
) -> list[tuple[tuple[MediaRole, str], CopiedMedia]]:
    from site_gen.conversations.media import MediaCopier

    async with MediaCopier(
        site_dir,
        site_url=settings.site_url,
        allow_private=settings.allow_private,
        concurrency=settings.concurrency,
    ) as copier:
        copies = await asyncio.gather(*(copier.copy(url, role) for role, url in wanted))
    return list(zip(wanted, copies, strict=True))


def copy_media(
    site_dir: Path,
    settings: MediaSettings,
    wanted: Iterable[tuple[MediaRole, str]],
    pulled: PulledState,
) -> MediaOutcome:
    """Copy each wanted URL not yet copied (or whose file is gone); records every result
    that is final in `pulled.media`."""
    outcome = MediaOutcome()
    to_copy: list[tuple[MediaRole, str]] = []
    for role, url in sorted(set(wanted)):
        record = pulled.media[role].get(url)
        if record is not None and _still_there(site_dir, record):
            if record.file is not None:
                outcome.usable[(role, url)] = record
        else:
            to_copy.append((role, url))
    if not to_copy:
        return outcome
    for (role, url), copy in asyncio.run(_copy_all(site_dir, settings, to_copy)):
        if copy.file:
            record = MediaRecord(media_reference(copy.file), copy.width, copy.height)
            pulled.media[role][url] = outcome.usable[(role, url)] = record
            outcome.copied += 1
        elif copy.permanent:
            pulled.media[role][url] = MediaRecord(refused=str(copy.error))
            outcome.refused.append(str(copy.error))
        else:
            outcome.transient.add((role, url))
            outcome.refused.append(f"{copy.error} (tried again at the next pull)")
    return outcome


def collect_unused_media(site_dir: Path, pulled: PulledState) -> int:
    """Delete the copies a pull made that no pulled item refers to any more (a deleted
    reply's image must go) and forget their records; how many files were deleted. Files the
    owner put in the folder by hand are never the pull's to delete."""
    used = {name for item in pulled.items.values() for name in item.media}
    copied = {r.file for records in pulled.media.values() for r in records.values() if r.file}
    folder = conversations_dir(site_dir) / MEDIA_DIR
    deleted = 0
    for name in sorted(copied - used):
        path = folder / name.removeprefix(f"{MEDIA_DIR}/")
        if _COPY_NAME.match(path.name) and path.is_file():
            path.unlink()
            deleted += 1
    for records in pulled.media.values():
        for url in [url for url, r in records.items() if r.file and r.file not in used]:
            del records[url]
    return deleted
