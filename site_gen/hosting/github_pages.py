"""GitHub Pages: nothing to configure, because nothing can be configured.

GitHub Pages cannot set a Content-Type per path, so it serves /ap/actor as
`application/octet-stream` and Mastodon throws it away
(FEDERATION.md#activity-json, FEDERATION.md#type-per-path). The only
file written is `.nojekyll`, without which Jekyll drops `.well-known/`; the ActivityPub
documents must come from the function (README.md, "GitHub Pages").
"""

from __future__ import annotations

from site_gen.config import SiteConfig
from site_gen.hosting.routes import HostArtifact

__all__ = ["render_github_pages"]


def render_github_pages(config: SiteConfig) -> list[HostArtifact]:
    """GitHub Pages: an empty `.nojekyll` so dot-folders are published."""
    return [HostArtifact(".nojekyll", b"", "output")]
