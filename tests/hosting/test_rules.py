"""The generated files parsed back: every typed path gets exactly one type, from one table."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from requirements import require

from site_core.urls import media_type_for_path
from site_gen.config import HOSTING_TARGETS
from site_gen.hosting import (
    BuildInfo,
    hosting_warnings,
    is_live_path,
    render_host_config,
    write_site_files,
)
from site_gen.hosting.routes import TYPED_EXACT_PATHS

from . import servers
from .conftest import make_config


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Netlify/Cloudflare `_headers`: a path line, then indented `Name: value` lines."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line[0].isspace():
            name, _, value = line.strip().partition(":")
            rules[-1][1].append((name.strip(), value.strip()))
        else:
            rules.append((line.strip(), []))
    return rules


def matches(pattern: str, path: str) -> bool:
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


@pytest.mark.parametrize("target", ["netlify", "cloudflare"])
def test_headers_file_gives_each_path_one_content_type(tmp_path: Path, target: str) -> None:
    config = make_config(tmp_path, hosting=target, function_url="https://fn.example.net")
    files = {a.path: a for a in render_host_config(config)}
    assert files["_headers"].location == "output"
    rules = parse_headers_file(files["_headers"].content.decode())
    probes = ["/ap/actor", "/ap/posts/x", "/ap/outbox-pages/2", *TYPED_EXACT_PATHS]
    for path in probes:
        types = [
            value
            for pattern, headers in rules
            if matches(pattern, path)
            for name, value in headers
            if name == "Content-Type"
        ]
        # Both hosts join the values of every matching rule: exactly one may set it.
        assert types == [media_type_for_path(path)], path
        cors = [v for p, h in rules if matches(p, path) for n, v in h if n.startswith("Access")]
        assert cors == ["*"], path
    html_types = [n for p, h in rules if matches(p, "/posts/x/") for n, _ in h]
    assert "Content-Type" not in html_types


def test_netlify_redirects_force_live_routes_but_not_post_objects(tmp_path: Path) -> None:
    config = make_config(tmp_path, hosting="netlify", function_url="https://fn.example.net")
    text = {a.path: a for a in render_host_config(config)}["_redirects"].content.decode()
    rules = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    by_source = {rule[0]: rule[1:] for rule in rules}
    assert by_source["/ap/inbox"] == ["https://fn.example.net/ap/inbox", "200!"]
    assert by_source["/ap/followers"] == ["https://fn.example.net/ap/followers", "200!"]
    assert by_source["/interact"] == ["https://fn.example.net/interact", "200!"]
    assert by_source["/admin/*"] == ["https://fn.example.net/admin/:splat", "200!"]
    # Unforced: Netlify applies it only when no file matches, i.e. for deleted posts.
    assert by_source["/ap/posts/*"] == ["https://fn.example.net/ap/posts/:splat", "200"]


def test_netlify_without_a_remote_function_proxies_nothing_and_warns(tmp_path: Path) -> None:
    config = make_config(tmp_path, hosting="netlify")
    text = {a.path: a for a in render_host_config(config)}["_redirects"].content.decode()
    assert [line for line in text.splitlines() if line and not line.startswith("#")] == []
    assert any("function_url" in warning for warning in hosting_warnings(config))


def test_cloudflare_writes_no_redirects(tmp_path: Path) -> None:
    config = make_config(tmp_path, hosting="cloudflare", function_url="https://fn.example.net")
    assert [a.path for a in render_host_config(config)] == ["_headers"]
    assert any("410" in warning for warning in hosting_warnings(config))


def _vercel(tmp_path: Path, **changes: str) -> dict:
    config = make_config(tmp_path, hosting="vercel", **changes)
    (artifact,) = render_host_config(config)
    assert (artifact.path, artifact.location) == ("vercel.json", "site")
    return json.loads(artifact.content)


def _path_to_regexp(source: str) -> re.Pattern[str]:
    """The subset of path-to-regexp that vercel.json uses here: `:name`, `:name*`, `(.*)`."""
    pattern = re.escape(source).replace(r"\(\.\*\)", "(.*)")
    pattern = re.sub(r":[a-z]+\\\*", ".*", pattern)
    pattern = re.sub(r":[a-z]+", "[^/]+", pattern)
    return re.compile(f"^{pattern}$")


def test_vercel_headers_and_rewrites(tmp_path: Path) -> None:
    document = _vercel(tmp_path, function_url="https://fn.example.net")
    # true would redirect /ap/actor (FEDERATION.md#no-redirects)
    assert "trailingSlash" not in document
    assert document["outputDirectory"] == "public"
    for path in ["/ap/actor", "/ap/posts/x", *TYPED_EXACT_PATHS, "/posts/x/"]:
        types = [
            header["value"]
            for rule in document["headers"]
            if _path_to_regexp(rule["source"]).match(path)
            for header in rule["headers"]
            if header["key"] == "Content-Type"
        ]
        expected = media_type_for_path(path)
        assert types == ([expected] if expected else []), path
    rewrites = {rule["source"]: rule["destination"] for rule in document["rewrites"]}
    assert rewrites["/ap/inbox"] == "https://fn.example.net/ap/inbox"
    assert rewrites["/interact"] == "https://fn.example.net/interact"
    assert rewrites["/ap/posts/:slug"] == "https://fn.example.net/ap/posts/:slug"
    assert not any(source.startswith("/.well-known") for source in rewrites)  # reserved


def test_vercel_same_origin_rewrites_to_the_project_function(tmp_path: Path) -> None:
    document = _vercel(tmp_path)
    assert {rule["destination"] for rule in document["rewrites"]} == {"/api/index"}


@pytest.mark.parametrize("target", HOSTING_TARGETS)
def test_every_target_renders_deterministically(tmp_path: Path, target: str) -> None:
    config = make_config(tmp_path, hosting=target)
    first = render_host_config(config)
    assert first == render_host_config(dataclasses.replace(config))
    for artifact in first:
        assert b"PRIVATE KEY" not in artifact.content
        assert not artifact.path.startswith("/")
        assert ".." not in artifact.path


def test_github_pages_keeps_dot_folders(tmp_path: Path) -> None:
    config = make_config(tmp_path, hosting="github-pages")
    assert [(a.path, a.content) for a in render_host_config(config)] == [(".nojekyll", b"")]
    assert hosting_warnings(config)


def test_write_site_files_writes_only_site_artifacts_and_only_changes(tmp_path: Path) -> None:
    config = make_config(tmp_path, hosting="nginx")
    artifacts = render_host_config(config)
    assert write_site_files(config.root, artifacts) == [config.root / "deploy/nginx.conf"]
    assert write_site_files(config.root, artifacts) == []


def test_live_paths() -> None:
    assert is_live_path("/ap/inbox")
    assert is_live_path("/admin/api/blocks")
    assert is_live_path("/admin/followers")
    assert not is_live_path("/ap/actor")
    assert not is_live_path("/ap/inbox/x")


def _binary_or_skip(path: str | None, name: str) -> str:
    require(path and Path(path).exists(), f"{name} is not installed")
    assert path is not None
    return path


def test_production_caddyfile_validates(tmp_path: Path) -> None:
    caddy = _binary_or_skip(servers.caddy_binary(), "caddy")
    config = make_config(tmp_path, hosting="caddy")
    config = dataclasses.replace(config, base_url="https://example.com")
    (artifact,) = render_host_config(config, BuildInfo(document_root="/srv/site"))
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_bytes(artifact.content)
    result = subprocess.run(
        [caddy, "validate", "--config", str(caddyfile), "--adapter", "caddyfile"],
        capture_output=True,
        timeout=60,
        env=servers.caddy_env(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_htaccess_passes_apache_configtest(tmp_path: Path, output_dir: Path) -> None:
    _binary_or_skip(servers.APACHE, "apache2")
    scratch = servers.scratch_dir()
    try:
        root = servers.copy_output(output_dir, scratch)
        config = make_config(tmp_path, hosting="apache")
        (artifact,) = render_host_config(config)
        # `-t` does not read .htaccess files: check the same text inside <Directory>.
        conf = servers.apache_conf(scratch, root, 8080)
        conf.write_text(
            conf.read_text() + f"<Directory {root}>\n{artifact.content.decode()}</Directory>\n"
        )
        result = subprocess.run(
            servers.apache_command(scratch, conf, "-t"),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.nginx
def test_production_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    _binary_or_skip(servers.NGINX, "nginx")
    scratch = servers.scratch_dir()
    try:
        config = make_config(tmp_path, hosting="nginx", function_url="https://127.0.0.1")
        (artifact,) = render_host_config(config, BuildInfo(document_root=str(scratch)))
        site_conf = scratch / "site.conf"
        site_conf.write_bytes(artifact.content.replace(b"listen 8000;", b"listen 127.0.0.1:8000;"))
        conf = servers.nginx_main_conf(scratch, site_conf)
        command = [servers.NGINX, "-t", "-p", str(scratch), "-c", str(conf)]
        result = subprocess.run(command, capture_output=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr.decode()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
