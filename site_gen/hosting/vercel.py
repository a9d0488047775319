"""`vercel.json` for Vercel: per-path headers and rewrites to the function.

Vercel serves a file when one exists and applies `rewrites` only after that, so a rewrite
of /ap/posts/* reaches the function only for deleted posts (FEDERATION.md#tombstones). The reverse
also holds: a placeholder file at /ap/followers would hide a same-origin rewrite, which is
why the live routes point at the function's own origin when it has one. Vercel reserves
/.well-known for rewrites, but headers there work. `trailingSlash` stays unset on purpose:
`true` would redirect the extension-less /ap/actor to /ap/actor/ and break every id
(FEDERATION.md#id-is-url, FEDERATION.md#no-redirects).
"""

from __future__ import annotations

import json
from typing import Any

from site_gen.config import SiteConfig
from site_gen.hosting.routes import (
    CORS_PATHS,
    LIVE_EXACT,
    LIVE_PREFIXES,
    MISSING_TO_FUNCTION_PREFIX,
    HostArtifact,
    remote_function_origin,
    typed_paths,
)

__all__ = ["VERCEL_FUNCTION_PATH", "render_vercel", "vercel_document"]

# The Python entry point of a same-project function (functions/README.md: api/index.py).
VERCEL_FUNCTION_PATH = "/api/index"


def _header_rules() -> list[dict[str, Any]]:
    rules = []
    for path, media_type, is_prefix in typed_paths():
        headers = [{"key": "Content-Type", "value": media_type}]
        if path in CORS_PATHS:
            headers.append({"key": "Access-Control-Allow-Origin", "value": "*"})
        rules.append({"source": f"{path}:path*" if is_prefix else path, "headers": headers})
    rules.append(
        {"source": "/(.*)", "headers": [{"key": "X-Content-Type-Options", "value": "nosniff"}]}
    )
    return rules


def _rewrites(config: SiteConfig) -> list[dict[str, str]]:
    function = remote_function_origin(config)

    def target(path: str) -> str:
        # Same project: the Python function sees the original URL of a rewritten request.
        return f"{function}{path}" if function else VERCEL_FUNCTION_PATH

    rewrites = [{"source": path, "destination": target(path)} for path in LIVE_EXACT]
    rewrites.extend(
        {"source": f"{prefix}:path*", "destination": target(f"{prefix}:path*")}
        for prefix in LIVE_PREFIXES
    )
    prefix = MISSING_TO_FUNCTION_PREFIX
    rewrites.append({"source": f"{prefix}:slug", "destination": target(f"{prefix}:slug")})
    return rewrites


def vercel_document(config: SiteConfig) -> dict[str, Any]:
    """The `vercel.json` content as a dict (tests parse and check it)."""
    return {
        "$schema": "https://openapi.vercel.sh/vercel.json",
        "outputDirectory": config.output,
        "headers": _header_rules(),
        "rewrites": _rewrites(config),
    }


def render_vercel(config: SiteConfig) -> list[HostArtifact]:
    """Vercel: `vercel.json` at the project (site) root."""
    text = json.dumps(vercel_document(config), indent=2, ensure_ascii=False) + "\n"
    return [HostArtifact("vercel.json", text.encode(), "site")]
