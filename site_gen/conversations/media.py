"""Copies of remote avatars and images into `conversations/media/`, for pages that never
make a reader's browser contact another server.

Each copy is fetched through the guarded client (no private or loopback address unless
told, bounded size), re-encoded off the event loop (`image_encoding`) and stored as
`<sha256 of the WebP, 32 hex>.webp`: the same picture is one file however often it is
copied, and an existing file is reused, never rewritten. A refusal is a value that says
whether trying again later could help (`permanent`): a server error may pass, a file that
is not an image will not.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from site_gen.conversations.data_files import MEDIA_DIR, conversations_dir, write_atomically
from site_gen.conversations.image_encoding import EncodedImage, Role, encode_image

if TYPE_CHECKING:
    import aiohttp
    from aiohttp.abc import AbstractResolver

__all__ = ["MAX_BYTES", "CopiedMedia", "MediaCopier"]

MAX_BYTES: dict[Role, int] = {"avatar": 2 * 1024 * 1024, "image": 10 * 1024 * 1024}
_ACCEPT = "image/webp, image/png, image/jpeg, image/gif;q=0.9, */*;q=0.1"
# What a later attempt cannot change: the server said the file is gone, or our guard refused.
_PERMANENT_OUTCOMES = frozenset({"gone", "refused", "too_large"})


@dataclass(frozen=True)
class CopiedMedia:
    """A copy (`file` is "media/<name>.webp") or a refusal (`error`, and whether it is final)."""

    file: str | None
    width: int | None
    height: int | None
    error: str | None
    permanent: bool

    @classmethod
    def refused(cls, error: str, *, permanent: bool) -> CopiedMedia:
        return cls(None, None, None, error, permanent)


class MediaCopier:
    """Copies media into one site's `conversations/media/`; an async context manager that
    owns one guarded session and a thread pool for the re-encoding."""

    def __init__(
        self,
        site_dir: Path,
        *,
        site_url: str,
        allow_private: bool = False,
        concurrency: int = 16,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.folder = conversations_dir(site_dir) / MEDIA_DIR
        self._site_url = site_url
        self._allow_private = allow_private
        self._resolver = resolver  # tests map names to chosen addresses, without DNS
        self._limit = asyncio.Semaphore(concurrency)
        self._session: aiohttp.ClientSession | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._copies: dict[tuple[str, Role], asyncio.Task[CopiedMedia]] = {}

    async def __aenter__(self) -> MediaCopier:
        from site_remote import ClientSettings, make_session, user_agent_for

        settings = ClientSettings(
            user_agent=user_agent_for(self._site_url),
            allow_private_addresses=self._allow_private,
            total_timeout=30.0,
        )
        self._session = make_session(settings, resolver=self._resolver)
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in self._copies.values():
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._session, self._pool = None, None

    async def copy(self, url: str, role: Role) -> CopiedMedia:
        """The copy of `url` as an avatar or an image; each URL is fetched once per copier."""
        key = (url, role)
        task = self._copies.get(key)
        if task is None:
            task = asyncio.ensure_future(self._copy(url, role))
            self._copies[key] = task
        return await asyncio.shield(task)

    async def _copy(self, url: str, role: Role) -> CopiedMedia:
        from site_remote.media_fetch import fetch_bytes

        assert self._session is not None, "use `async with`"
        assert self._pool is not None, "use `async with`"
        async with self._limit:
            fetched = await fetch_bytes(
                self._session, url, max_bytes=MAX_BYTES[role], accept=_ACCEPT
            )
        if not fetched.ok or fetched.body is None:
            reason = f"{fetched.outcome}" + (f" ({fetched.detail})" if fetched.detail else "")
            if fetched.status is not None and fetched.outcome == "http_error":
                reason = f"HTTP {fetched.status}"
            return CopiedMedia.refused(
                f"{url}: {reason}", permanent=fetched.outcome in _PERMANENT_OUTCOMES
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._store, url, fetched.body, role)

    def _store(self, url: str, body: bytes, role: Role) -> CopiedMedia:
        """Re-encode and write (in a worker thread): the file is named by its bytes."""
        encoded = encode_image(body, role)
        if not isinstance(encoded, EncodedImage):
            return CopiedMedia.refused(f"{url}: {encoded}", permanent=True)
        name = hashlib.sha256(encoded.data).hexdigest()[:32] + ".webp"
        path = self.folder / name
        if not path.is_file():
            write_atomically(path, encoded.data)
        return CopiedMedia(f"{MEDIA_DIR}/{name}", encoded.width, encoded.height, None, False)
