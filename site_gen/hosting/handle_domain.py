"""What the handle's domain must serve when the handle is not on the site's host.

Mastodon resolves `@alice@example.com` by asking `https://example.com/.well-known/webfinger`
and follows redirects; its own documented setup for a handle on another domain (WEB_DOMAIN) is a
301 from there to the server that holds the accounts. So the build writes, into
`deploy/handle-domain/` of the site folder, a redirect rule for each common host and, for a host
that cannot redirect, a `static/` folder to copy holding the same JRD and host-meta the site
serves (FEDERATION.md#handle-domain). None of it is published with the site: these files
belong on the other host.
"""

from __future__ import annotations

import json

from site_core.serialize import serialize
from site_gen.config import SiteConfig
from site_gen.federation.discovery import build_host_meta, build_webfinger
from site_gen.hosting.routes import HostArtifact

__all__ = ["HANDLE_DOMAIN_FOLDER", "handle_domain_line", "render_handle_domain_files"]

HANDLE_DOMAIN_FOLDER = "deploy/handle-domain"
_PATHS = ("/.well-known/webfinger", "/.well-known/host-meta")


def render_handle_domain_files(config: SiteConfig) -> list[HostArtifact]:
    """The files for the handle's domain, as "site" artifacts; none when the handle is on the
    site's own host. No I/O: the bytes depend only on site.yaml."""
    urls = config.urls
    if not urls.split_handle:
        return []
    origin = config.base_url
    files = {
        "README.txt": _readme(config),
        "nginx.conf": _nginx(origin),
        "Caddyfile": _caddy(origin),
        ".htaccess": _apache(origin),
        "_redirects": "".join(f"{path}  {origin}{path}  301\n" for path in _PATHS),
        "vercel.json": _vercel(origin),
        # The same bytes as the site's own documents, so either answer is the same JRD.
        "static/.well-known/webfinger": serialize(build_webfinger(config)).decode(),
        "static/.well-known/host-meta": build_host_meta(config),
        "static/_headers": _static_headers(),
    }
    return [
        HostArtifact(f"{HANDLE_DOMAIN_FOLDER}/{name}", text.encode(), "site")
        for name, text in files.items()
    ]


def handle_domain_line(config: SiteConfig) -> str | None:
    """The one line `site-gen build` prints about the handle's domain, or None."""
    urls = config.urls
    if not urls.split_handle:
        return None
    return (
        f"Handle {urls.handle}: make {urls.handle_host} redirect /.well-known/webfinger to "
        f"{urls.webfinger} (rules in {HANDLE_DOMAIN_FOLDER}/, or copy its static/ folder there); "
        "'site-gen doctor' checks it."
    )


def _json(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _nginx(origin: str) -> str:
    blocks = [
        f"location = {path} {{\n"
        "    add_header Access-Control-Allow-Origin * always;\n"
        f"    return 301 {origin}$request_uri;\n}}\n"
        for path in _PATHS
    ]
    return "# Inside the server block of the handle's domain.\n" + "".join(blocks)


def _caddy(origin: str) -> str:
    lines = [f"redir {path} {origin}{{uri}} 301\n" for path in _PATHS]
    return "# Inside the site block of the handle's domain.\n" + "".join(lines)


def _apache(origin: str) -> str:
    # No `?` in the target: mod_rewrite passes the query string (the `resource`) on.
    return (
        "RewriteEngine On\n"
        f"RewriteRule ^\\.well-known/(webfinger|host-meta)$ {origin}/.well-known/$1 [R=301,L]\n"
    )


def _vercel(origin: str) -> str:
    redirects = [
        {"source": path, "destination": f"{origin}{path}", "statusCode": 301} for path in _PATHS
    ]
    return _json({"redirects": redirects})


def _static_headers() -> str:
    return (
        "/.well-known/webfinger\n"
        "  Content-Type: application/jrd+json\n"
        "  Access-Control-Allow-Origin: *\n"
        "/.well-known/host-meta\n"
        "  Content-Type: application/xrd+xml\n"
    )


def _readme(config: SiteConfig) -> str:
    urls = config.urls
    return f"""Your handle is {urls.handle}; your site is {config.base_url}.
Fediverse servers look the handle up at {urls.handle_webfinger}
so {urls.handle_host} must answer it, in one of two ways.

1. A redirect (preferred: Mastodon follows it, and the site's WebFinger stays the only copy).
   Add the rule for the host of {urls.handle_host}:
     nginx.conf   nginx (inside its server block)
     Caddyfile    Caddy (inside its site block)
     .htaccess    Apache
     _redirects   Netlify, Cloudflare Pages (at the root of the published folder)
     vercel.json  Vercel
   Remove any .well-known/webfinger file that {urls.handle_host} publishes itself.

2. A copy, for a host that cannot redirect: publish the files of static/ at the root of
   {urls.handle_host} (.well-known/webfinger served as application/jrd+json with
   Access-Control-Allow-Origin: *; _headers does it on Netlify and Cloudflare Pages).
   That file answers every WebFinger query on {urls.handle_host}: do not use it if other
   accounts have handles there. Copy it again when a build changes it.

Then run 'site-gen doctor': it checks the round trip both ways.
"""
