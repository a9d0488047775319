"""Where the build benches put their sites, and what a new file costs there.

A build writes hundreds to tens of thousands of new files, so the folder it writes into is
part of what is measured. The benches make their sites under `bench/.scratch/` (ignored by
git), on the disk the repository (and so, usually, a user's site) lives on, not in the
system's temporary folder: that may be a RAM disk on one machine, and on the machine these
benches were first run on, new files under /tmp cost 0.1-0.35 ms of kernel time each (inode
allocation in a nearly full block group) against 0.016-0.08 ms elsewhere on the same disk.
`SITE_GEN_BENCH_DIR` names another parent folder. Each bench prints the cost of a new file
in its folder, so a figure can be read with the disk it was measured on.

Between runs, a run's output is set aside (renamed into the scratch folder's `.set-aside/`)
rather than deleted, and the set-aside folders are removed when the bench ends. On an ext4
without a journal (the machine these benches were first run on), the allocator skips every
inode freed in the last 60 to 300 seconds (`recently_deleted` in the kernel), so deleting one
build's files just before the next makes each new file search past them: the series measured
its own deletions, more with every run. A journaled ext4, the usual laptop's, and a fresh CI
checkout do not pay that; both tools under comparison are treated alike either way. Between
two benches on such a disk, wait a few minutes (the last one's removal is still recent), or run
a series with `SITE_GEN_BENCH_SET_ASIDE=keep` and delete `.set-aside/` after the last one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def scratch_folder(prefix: str) -> Path:
    """A new, empty folder for one bench run (the caller removes it unless asked to keep it)."""
    parent = Path(os.environ.get("SITE_GEN_BENCH_DIR") or BENCH / ".scratch")
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def new_file_cost(folder: Path, folders: int = 100, files: int = 7) -> str:
    """The CPU time of making a new file in `folder` (a post's folder and its seven files, a
    hundred times, as a build does), as a line to print beside the figures."""
    probe = Path(tempfile.mkdtemp(prefix=".new-file-probe-", dir=folder))
    payload = b"x" * 4096
    try:
        before, started = os.times(), time.perf_counter()
        for number in range(folders):
            post = probe / f"post-{number}"
            post.mkdir()
            for name in range(files):
                (post / f"{name}.html").write_bytes(payload)
        after, wall = os.times(), time.perf_counter() - started
    finally:
        set_aside(probe)
    count = folders * files
    cpu = (after.user - before.user) + (after.system - before.system)
    return (
        f"a new file in {folder} costs {cpu / count * 1e6:.0f} us CPU, "
        f"{wall / count * 1e6:.0f} us wall (4 KiB, {count} files in {folders} folders)"
    )


def _set_aside_folder() -> Path:
    return Path(os.environ.get("SITE_GEN_BENCH_DIR") or BENCH / ".scratch") / ".set-aside"


def set_aside(path: Path) -> None:
    """Take `path` out of the way by a rename (its inodes stay in use until the bench ends);
    deleted outright where the set-aside folder is on another file system."""
    if not path.exists():
        return
    folder = _set_aside_folder()
    folder.mkdir(parents=True, exist_ok=True)
    if os.stat(path).st_dev != os.stat(folder).st_dev:
        shutil.rmtree(path, ignore_errors=True)
        return
    os.rename(path, folder / uuid.uuid4().hex)


def empty_set_aside() -> None:
    """Remove what the bench set aside, once nothing more is measured (unless a series of
    benches keeps it for the end: `SITE_GEN_BENCH_SET_ASIDE=keep`)."""
    if os.environ.get("SITE_GEN_BENCH_SET_ASIDE") != "keep":
        shutil.rmtree(_set_aside_folder(), ignore_errors=True)
