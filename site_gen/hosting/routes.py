"""What every host must do, said once: typed paths, live routes and the artifact shape.

Each target module (Netlify, Vercel, nginx, ...) only translates these tables into its own
syntax, so the hosts and the preview server cannot drift apart. Media types are never
spelled here: they come from `media_type_for_path`, the one table the function uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from site_core.urls import media_type_for_path
from site_gen.config import SiteConfig

__all__ = [
    "ACTIVITY_PREFIX",
    "CORS_PATHS",
    "DEFAULT_FUNCTION_UPSTREAM",
    "LIVE_EXACT",
    "LIVE_PREFIXES",
    "MISSING_TO_FUNCTION_PREFIX",
    "TYPED_EXACT_PATHS",
    "BuildInfo",
    "HostArtifact",
    "is_live_path",
    "remote_function_origin",
    "typed_paths",
]

# Everything under /ap/ is an extension-less ActivityPub document
# (FEDERATION.md#activity-json).
ACTIVITY_PREFIX = "/ap/"
# Discovery documents with a fixed path; their types come from `media_type_for_path`.
TYPED_EXACT_PATHS = (
    "/.well-known/webfinger",
    "/.well-known/host-meta",
    "/.well-known/nodeinfo",
    "/nodeinfo/2.1",
    "/nodeinfo/2.0",
)
# Fetched by browsers and web clients from other origins (WebFinger among them).
CORS_PATHS = (ACTIVITY_PREFIX, *TYPED_EXACT_PATHS)

# Routes only the running function can answer (POST inbox, live followers and their partial
# collections per server (FEDERATION.md#follower-sync), the follow and reply forms' lookup, the
# owner's admin page and API, the quote and reply authorizations it grants).
LIVE_EXACT = (
    "/ap/inbox",
    "/ap/shared-inbox",
    "/ap/followers",
    "/ap/followers-synchronization",
    "/interact",
    "/healthz",
)
LIVE_PREFIXES = ("/admin/", "/ap/authorizations/")
# A post object that is not in the build was deleted: the function answers 410 + Tombstone
# (FEDERATION.md#tombstones), so hosts that can "proxy only when the file is missing" send it there.
MISSING_TO_FUNCTION_PREFIX = "/ap/posts/"

# Where a self-hosted web server reaches the function when both share the site's origin.
DEFAULT_FUNCTION_UPSTREAM = "http://127.0.0.1:8001"


@dataclass(frozen=True)
class HostArtifact:
    """One generated file: `location` says whether it belongs in the output or the site root.

    Output files (`_headers`, `.htaccess`) are published with the site; site files
    (`vercel.json`, `deploy/nginx.conf`) configure the host and must never be published.
    """

    path: str
    content: bytes
    location: Literal["output", "site"]


@dataclass(frozen=True)
class BuildInfo:
    """What the host config needs beyond `site.yaml`; every field has a production default.

    `document_root` is the absolute folder the web server reads the build from (default:
    the site's output folder); `function_upstream` is where nginx, Caddy or Apache reach the
    function when it runs on the site's own origin; `listen` overrides the address the
    self-hosted server listens on (tests, previews behind another proxy).
    """

    document_root: str | None = None
    function_upstream: str = DEFAULT_FUNCTION_UPSTREAM
    listen: tuple[str, int] | None = None


def typed_paths() -> list[tuple[str, str, bool]]:
    """(path, media type, is_prefix) for every path whose type the extension cannot give."""
    rows = [(ACTIVITY_PREFIX, _type_of(ACTIVITY_PREFIX + "actor"), True)]
    rows.extend((path, _type_of(path), False) for path in TYPED_EXACT_PATHS)
    return rows


def _type_of(path: str) -> str:
    media_type = media_type_for_path(path)
    if media_type is None:  # a bug in the tables above, not a user error
        raise AssertionError(f"media_type_for_path has no type for {path}")
    return media_type


def is_live_path(path: str) -> bool:
    """True for the routes the function must answer wherever the site is hosted."""
    return path in LIVE_EXACT or path.startswith(LIVE_PREFIXES)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def remote_function_origin(config: SiteConfig) -> str | None:
    """The function's base URL when it lives on another origin than the site, else None."""
    if config.function_url is None:
        return None
    if _origin(config.function_url) == _origin(config.base_url):
        return None
    return config.function_url.rstrip("/")
