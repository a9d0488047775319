"""Where `site-gen serve` listens, and which origin its preview answers as.

A site on loopback (`base_url: http://localhost:8000`) is previewed AS that origin: same
host name, by default the same port, listening on the matching loopback address. The
actor a follower on this machine looks up then has the id the build gives it, and
`site-gen publish` (which reads `public/`, built for that origin) talks to a function
that owns those ids. A public site (`https://example.com`) cannot be answered as, so its
preview uses the local address it listens on, as its `base_url`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlsplit

from site_core.loopback import is_loopback_host
from site_gen.config import SiteConfig

__all__ = ["PREVIEW_OUTPUT", "PreviewAddress", "choose_address", "preview_config"]

PREVIEW_OUTPUT = ".site-gen/preview"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 - names to recognise, nothing is bound here


@dataclass(frozen=True)
class PreviewAddress:
    """The socket's address, and the host name the preview's URLs carry."""

    listen_host: str
    port: int  # 0: the system picks one, and the URLs carry the one it picked
    url_host: str  # as written in a URL: IPv6 literals in brackets
    as_site: bool  # True: answering as the site's own (loopback) origin

    def base_url(self, bound_port: int) -> str:
        return f"http://{self.url_host}:{bound_port}"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _loopback_listen_host(hostname: str) -> str:
    """The address a loopback name is reached on: ::1 for itself, 127.0.0.1 for the rest
    (`localhost` and `*.localhost` resolve there everywhere)."""
    return "::1" if hostname == "::1" else DEFAULT_HOST


def choose_address(config: SiteConfig, host: str | None, port: int | None) -> PreviewAddress:
    """The address for `serve`; an explicit `host` or `port` wins over what base_url says."""
    parts = urlsplit(config.base_url)
    hostname = parts.hostname or ""
    if is_loopback_host(hostname):
        default_port = parts.port or (443 if parts.scheme == "https" else 80)
        return PreviewAddress(
            listen_host=host or _loopback_listen_host(hostname),
            port=default_port if port is None else port,
            url_host=_url_host(hostname),
            as_site=True,
        )
    listen = host or DEFAULT_HOST
    shown = "localhost" if listen in _ANY_ADDRESS else listen
    return PreviewAddress(
        listen_host=listen,
        port=DEFAULT_PORT if port is None else port,
        url_host=_url_host(shown),
        as_site=False,
    )


def preview_config(config: SiteConfig, address: PreviewAddress, bound_port: int) -> SiteConfig:
    """The site's config as the preview sees it: its own base URL, same-origin function,
    output in `.site-gen/preview/` so the real output folder is never overwritten."""
    return dataclasses.replace(
        config,
        base_url=address.base_url(bound_port),
        function_url=None,
        output=PREVIEW_OUTPUT,
    )
