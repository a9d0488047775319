"""What the doctor checks and with what: the site's URLs, its key and its admin token.

Built once by the CLI (or a test) and passed to every check; the checks read nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from site_core.signatures import SigningKey
from site_core.urls import UrlScheme

__all__ = ["DoctorTarget"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DoctorTarget:
    """The deployed site as the owner knows it.

    `signing_key` (the site's private key) signs the inbox probe; `admin_token` lets the
    doctor try the admin API; `deleted_posts` are object URLs the owner deleted, which must
    answer 410; `bridging` says the owner asked for a Bluesky bridge (Bridgy Fed's rules
    then fail instead of informing).
    """

    urls: UrlScheme
    display_name: str = ""
    signing_key: SigningKey | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    deleted_posts: tuple[str, ...] = ()
    bridging: bool = False
    clock: Callable[[], datetime] = _utc_now

    @property
    def origin(self) -> str:
        parts = urlsplit(self.urls.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def function_base(self) -> str:
        """Where the live routes answer (function_url, else the site)."""
        return self.urls.fn

    def same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower() == self.origin
