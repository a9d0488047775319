"""Host configs: make each static host send the right Content-Type and reach the function.

`render_host_config(config, build_info)` is the one entry point; one module per target
family translates the shared tables of `routes` into that host's syntax.
"""

from __future__ import annotations

from site_gen.hosting.registry import hosting_warnings, render_host_config, write_site_files
from site_gen.hosting.routes import BuildInfo, HostArtifact, is_live_path

__all__ = [
    "BuildInfo",
    "HostArtifact",
    "hosting_warnings",
    "is_live_path",
    "render_host_config",
    "write_site_files",
]
