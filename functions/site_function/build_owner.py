"""The owner's settings read from the deployed build, for the time before the first publish.

`site-gen publish` tells the function the owner's settings (`Store.get_owner_settings`). Until
it has, the function knows them only if it can see the build: with `SITE_GEN_DOCUMENTS_DIR`
it reads the actor document from that folder, with `SITE_GEN_DOCUMENTS_ORIGIN` it fetches it
from the static host. Otherwise they stay unknown, and the inbox then holds every Follow for
the owner's approval: never accept what the owner may want to approve.

Read on first need (the first Follow or Move), not at import: a cold start that answers a Like
or a health check does not pay for it. A document that cannot be read, or that is another
site's actor, counts as unknown and is tried again after `RETRY_AFTER`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from site_core.publish.owner_settings import OwnerSettings
from site_core.urls import UrlScheme, output_path_for_url

__all__ = ["RETRY_AFTER", "BuildOwnerSettings", "actor_file"]

log = logging.getLogger("site_function")
RETRY_AFTER = 60.0  # seconds before a failed read is tried again
_MAX_DOCUMENT = 4_000_000

Loader = Callable[[], Awaitable[dict[str, Any] | None]]


def actor_file(documents_dir: Path, urls: UrlScheme) -> Path:
    """Where the build wrote the actor document."""
    return documents_dir / output_path_for_url(urls.path_of(urls.actor))


def read_actor_file(path: Path) -> dict[str, Any] | None:
    """The actor document in the build folder, or None if absent or unreadable."""
    try:
        if path.stat().st_size > _MAX_DOCUMENT:
            return None
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


class BuildOwnerSettings:
    """The owner's settings from the build's actor document, loaded once (see the module)."""

    def __init__(
        self, urls: UrlScheme, load: Loader | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._actor_id = urls.actor
        self._load = load
        self._clock = clock
        self._found: OwnerSettings | None = None
        self._next_try = 0.0

    async def get(self) -> OwnerSettings | None:
        """The settings the build states, or None when there is no build to read."""
        if self._found is not None or self._load is None or self._clock() < self._next_try:
            return self._found
        document = await self._load()
        if document is None or document.get("id") != self._actor_id:
            if document is not None:
                log.warning("the build's actor is %r, not %s: its settings are not used",
                            document.get("id"), self._actor_id)  # fmt: skip
            self._next_try = self._clock() + RETRY_AFTER
            return None
        self._found = OwnerSettings.from_actor(document)
        return self._found
