"""The generated configs, served by the real nginx, Caddy and Apache on 127.0.0.1.

Each server gets the same assembled build and the same checks: Mastodon's Accept header
at the actor gets `application/activity+json`, WebFinger gets JRD with CORS, NodeInfo its
profile types, pages HTML, a missing page the 404 page, and the live routes and a deleted
post reach a loopback stand-in for the function.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from requirements import require

from site_core.urls import (
    ACTIVITY_JSON,
    JRD_JSON,
    NODEINFO_20_JSON,
    NODEINFO_21_JSON,
    media_type_for_path,
)
from site_gen.config import SiteConfig
from site_gen.hosting import BuildInfo, render_host_config

from . import servers
from .conftest import Upstream, free_port, make_config

MASTODON_ACCEPT = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    ", text/html;q=0.1"
)


def _need(path: str | None, name: str) -> str:
    require(path and Path(path).exists(), f"{name} is not installed")
    assert path is not None
    return path


@contextmanager
def serve_with(target: str, config: SiteConfig, output: Path, upstream: str) -> Iterator[str]:
    """Render `target`'s config for `output`, start the server, yield its base URL."""
    scratch = servers.scratch_dir()
    try:
        root = servers.copy_output(output, scratch)
        port = free_port()
        config = dataclasses.replace(config, hosting=target)
        info = BuildInfo(
            document_root=str(root), function_upstream=upstream, listen=("127.0.0.1", port)
        )
        artifacts = {a.path: a for a in render_host_config(config, info)}
        log = scratch / "error.log"
        if target == "nginx":
            site_conf = scratch / "site.conf"
            site_conf.write_bytes(artifacts["deploy/nginx.conf"].content)
            conf = servers.nginx_main_conf(scratch, site_conf)
            with servers.running(servers.nginx_command(scratch, conf), port, log):
                yield f"http://127.0.0.1:{port}"
        elif target == "caddy":
            text = artifacts["deploy/Caddyfile"].content.decode()
            conf = servers.caddy_main_conf(scratch, text)
            caddy = _need(servers.caddy_binary(), "caddy")
            command = [caddy, "run", "--config", str(conf), "--adapter", "caddyfile"]
            with servers.running(command, port, log, env=servers.caddy_env(scratch)):
                yield f"http://127.0.0.1:{port}"
        else:
            (root / ".htaccess").write_bytes(artifacts[".htaccess"].content)
            conf = servers.apache_conf(scratch, root, port)
            command = servers.apache_command(scratch, conf, "-DFOREGROUND")
            with servers.running(command, port, log):
                yield f"http://127.0.0.1:{port}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


TARGETS = [
    pytest.param("nginx", marks=pytest.mark.nginx),
    pytest.param("caddy"),
    pytest.param("apache"),
]


def _require(target: str) -> None:
    if target == "nginx":
        _need(servers.NGINX, "nginx")
    elif target == "caddy":
        _need(servers.caddy_binary(), "caddy")
    else:
        _need(servers.APACHE, "apache2")


@pytest.mark.parametrize("target", TARGETS)
def test_documents_get_their_media_types(
    target: str, tmp_path: Path, output_dir: Path, upstream: Upstream
) -> None:
    _require(target)
    config = make_config(tmp_path)
    with (
        serve_with(target, config, output_dir, upstream.url) as base,
        httpx.Client(base_url=base, timeout=5) as client,
    ):
        actor = client.get("/ap/actor", headers={"Accept": MASTODON_ACCEPT})
        assert actor.status_code == 200
        assert actor.headers["content-type"] == ACTIVITY_JSON
        assert actor.json()["type"] == "Person"

        finger = client.get(
            "/.well-known/webfinger",
            params={"resource": "acct:alice@127.0.0.1:8000"},
            headers={"Accept": "application/jrd+json, application/json"},
        )
        assert finger.status_code == 200
        assert finger.headers["content-type"] == JRD_JSON
        assert finger.headers["access-control-allow-origin"] == "*"

        for path in ("/.well-known/host-meta", "/.well-known/nodeinfo", "/ap/outbox"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"] == media_type_for_path(path), path
        assert client.get("/nodeinfo/2.1").headers["content-type"] == NODEINFO_21_JSON
        assert client.get("/nodeinfo/2.0").headers["content-type"] == NODEINFO_20_JSON

        for path in ("/", "/posts/hello-world/"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html"), path
        assert client.get("/style.css").headers["content-type"].startswith("text/css")

        missing = client.get("/no/such/page/")
        assert missing.status_code == 404
        assert "nothing here" in missing.text
        assert missing.headers["content-type"].startswith("text/html")
    assert upstream.requests == []  # nothing above is a live route


@pytest.mark.parametrize("target", TARGETS)
def test_live_routes_and_deleted_posts_reach_the_function(
    target: str, tmp_path: Path, output_dir: Path, upstream: Upstream
) -> None:
    _require(target)
    config = make_config(tmp_path)
    body = b'{"type": "Follow", "actor": "https://remote.example/users/bob"}'
    with (
        serve_with(target, config, output_dir, upstream.url) as base,
        httpx.Client(base_url=base, timeout=5) as client,
    ):
        posted = client.post(
            "/ap/inbox", content=body, headers={"Content-Type": ACTIVITY_JSON, "Date": "x"}
        )
        assert posted.status_code == 202
        followers = client.get("/ap/followers", params={"page": "2"})
        assert followers.json()["totalItems"] == 3  # the function, not the placeholder file
        gone = client.get("/ap/posts/deleted-post")
        assert gone.status_code == 410
        assert gone.json()["type"] == "Tombstone"
        kept = client.get("/ap/posts/hello-world")
        assert kept.status_code == 200
        assert kept.headers["content-type"] == ACTIVITY_JSON
        assert client.get("/healthz").status_code == 200
        assert client.get("/interact", params={"handle": "@bob@x.example"}).status_code == 200
        assert client.get("/admin/api/followers").status_code == 200
    seen = [(r["method"], r["path"]) for r in upstream.requests]
    assert seen == [
        ("POST", "/ap/inbox"),
        ("GET", "/ap/followers?page=2"),
        ("GET", "/ap/posts/deleted-post"),
        ("GET", "/healthz"),
        ("GET", "/interact?handle=%40bob%40x.example"),
        ("GET", "/admin/api/followers"),
    ]
    inbox = upstream.requests[0]
    assert inbox["body"] == body
    headers = {k.lower(): v for k, v in inbox["headers"].items()}  # type: ignore[union-attr]
    # The signed Host reaches the function, directly or as X-Forwarded-Host
    # (FEDERATION.md#raw-request).
    assert base.removeprefix("http://") in (headers["host"], headers.get("x-forwarded-host"))


@pytest.mark.nginx
def test_nginx_proxies_to_a_function_on_another_origin(
    tmp_path: Path, output_dir: Path, upstream: Upstream
) -> None:
    _need(servers.NGINX, "nginx")
    config = make_config(tmp_path, function_url=upstream.url)
    with serve_with("nginx", config, output_dir, "http://127.0.0.1:9") as base:
        response = httpx.post(f"{base}/ap/shared-inbox", content=b"{}", timeout=5)
    assert response.status_code == 202
    headers = {k.lower(): v for k, v in upstream.requests[0]["headers"].items()}  # type: ignore[union-attr]
    assert headers["host"] == upstream.url.removeprefix("http://")
    assert headers["x-forwarded-host"] == base.removeprefix("http://")


@pytest.mark.parametrize("target", TARGETS[:2])
def test_the_alternate_link_header_on_post_pages(
    target: str, tmp_path: Path, output_dir: Path, upstream: Upstream
) -> None:
    _require(target)
    config = make_config(tmp_path)
    with serve_with(target, config, output_dir, upstream.url) as base:
        page = httpx.get(f"{base}/posts/hello-world/", timeout=5)
    assert page.status_code == 200
    assert page.headers["link"] == (
        '<http://127.0.0.1:8000/ap/posts/hello-world>; rel="alternate"; '
        'type="application/activity+json"'
    )
