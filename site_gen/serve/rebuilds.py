"""Watch the site's sources and rebuild on change, then tell open pages to reload.

The build runs in a worker thread so the server keeps answering (it serves the previous
output until the build swaps the new one in). A failed build keeps the old output and
sends the error to the pages' consoles and to the terminal; the next save tries again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable
from pathlib import Path

from site_core.errors import SiteGenError
from site_gen.config import CONFIG_FILENAME, SiteConfig
from site_gen.conversations.data_files import conversations_dir
from site_gen.serve.live_reload import ReloadChannel

__all__ = ["rebuild_once", "watch_and_rebuild", "watched_paths"]

Written = Callable[[], None]
Rebuild = Callable[[set[Path] | None, Written], object]  # changed paths (None: unknown)
Report = Callable[[str], None]


def watched_paths(config: SiteConfig) -> list[Path]:
    """posts/, conversations/, static/, templates/ and site.yaml, those that exist
    (watchfiles needs that)."""
    candidates = [
        config.posts_dir,
        conversations_dir(config.root),
        config.static_dir,
        config.templates_dir,
        config.root / CONFIG_FILENAME,
    ]
    return [path for path in candidates if path.exists()]


async def rebuild_once(
    rebuild: Rebuild, channel: ReloadChannel, report: Report, changed: set[Path] | None = None
) -> bool:
    """Run one build in a thread and publish the outcome; True when it succeeded.

    Open pages are told to reload as soon as the build has written the output (its
    `written` call), not after it has saved its caches for the next build.
    """
    loop = asyncio.get_running_loop()
    published: list[concurrent.futures.Future[None]] = []

    def written() -> None:  # called from the build's thread
        if not published:
            published.append(asyncio.run_coroutine_threadsafe(channel.publish(), loop))

    started = time.perf_counter()
    try:
        await asyncio.to_thread(rebuild, changed, written)
    except SiteGenError as exc:
        report(f"build failed: {exc}")
        await channel.publish(error=str(exc))
        return False
    report(f"rebuilt in {time.perf_counter() - started:.3f} s; reloading open pages")
    if published:
        await asyncio.wrap_future(published[0])
    else:
        await channel.publish()
    return True


async def watch_and_rebuild(
    paths: list[Path],
    rebuild: Rebuild,
    channel: ReloadChannel,
    report: Report,
    stop: asyncio.Event,
) -> None:
    """Rebuild after each batch of changes under `paths` until `stop` is set."""
    from watchfiles import awatch

    # step: a save is one burst of events; 20 ms of quiet ends it (50 ms cost every edit
    # 30 ms of waiting, a sixth of the preview's budget at 10,000 posts).
    async for changes in awatch(*paths, stop_event=stop, debounce=300, step=20):
        changed = {Path(path) for _change, path in changes}
        names = sorted({path.name for path in changed})
        report(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
        await rebuild_once(rebuild, channel, report, changed)
