"""The local preview: the build and the function on one port, with live reload."""

from __future__ import annotations

from site_gen.serve.server import PreviewServer, preview_config

__all__ = ["PreviewServer", "preview_config"]
