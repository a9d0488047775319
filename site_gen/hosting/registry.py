"""Pick the host config for `config.hosting`: the one call the build pipeline makes.

The pipeline writes "output" artifacts with its own writer (into the folder it swaps in)
and "site" artifacts with `write_site_files`, which leaves a file alone when its bytes
are unchanged so a rebuild does not touch the site folder needlessly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from site_gen.config import SiteConfig
from site_gen.hosting.apache import render_apache
from site_gen.hosting.caddy import render_caddy
from site_gen.hosting.github_pages import render_github_pages
from site_gen.hosting.netlify_cloudflare import render_cloudflare, render_netlify
from site_gen.hosting.nginx import render_nginx
from site_gen.hosting.routes import BuildInfo, HostArtifact, remote_function_origin
from site_gen.hosting.vercel import render_vercel

__all__ = ["hosting_warnings", "render_host_config", "write_site_files"]

_Renderer = Callable[[SiteConfig, BuildInfo], list[HostArtifact]]

_RENDERERS: dict[str, _Renderer] = {
    "netlify": lambda config, _info: render_netlify(config),
    "cloudflare": lambda config, _info: render_cloudflare(config),
    "vercel": lambda config, _info: render_vercel(config),
    "nginx": render_nginx,
    "caddy": render_caddy,
    "apache": render_apache,
    "github-pages": lambda config, _info: render_github_pages(config),
}


def render_host_config(
    config: SiteConfig, build_info: BuildInfo | None = None
) -> list[HostArtifact]:
    """The host's config files for `config.hosting`, as artifacts; no I/O.

    `build_info` (default `BuildInfo()`) carries what site.yaml does not say: the server's
    document root, the local function upstream and a listen address. Each artifact's
    `location` is "output" (published with the site, e.g. `_headers`) or "site" (the site
    folder, e.g. `vercel.json`, `deploy/nginx.conf`). The bytes depend only on the inputs.
    """
    renderer = _RENDERERS[config.hosting]
    return renderer(config, build_info or BuildInfo())


def hosting_warnings(config: SiteConfig) -> tuple[str, ...]:
    """Things the chosen host cannot do with this config, for `build` and `check` to print."""
    remote = remote_function_origin(config)
    if config.hosting in ("netlify", "cloudflare") and remote is None:
        return (
            f"hosting '{config.hosting}' cannot run the Python function on the site's own "
            "origin: set function_url in site.yaml to where the function runs, or the inbox "
            "and followers URLs will not answer",
        )
    if config.hosting == "cloudflare":
        return (
            "Cloudflare Pages cannot proxy to another origin: deleted posts answer 404 "
            "instead of 410 Gone (see the README, Deploying)",
        )
    if config.hosting == "github-pages":
        return (
            "GitHub Pages cannot set Content-Type: Mastodon rejects /ap/ documents served "
            "from it; point base_url at the function, which serves them "
            "(see the README, Deploying)",
        )
    return ()


def write_site_files(root: Path, artifacts: Iterable[HostArtifact]) -> list[Path]:
    """Write the "site" artifacts under `root`; returns the files that changed."""
    changed = []
    for artifact in artifacts:
        if artifact.location != "site":
            continue
        target = root / artifact.path
        if target.is_file() and target.read_bytes() == artifact.content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.content)
        changed.append(target)
    return changed
