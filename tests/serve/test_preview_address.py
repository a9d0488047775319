"""Which origin the preview answers as: the site's own on loopback, the local address else."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import httpx
import pytest

from site_core.loopback import is_loopback_host, is_loopback_url
from site_core.urls import ACTIVITY_JSON
from site_gen.config import SiteConfig, load_config
from site_gen.serve import PreviewServer
from site_gen.serve.preview_address import choose_address


def _with_base(config: SiteConfig, base_url: str) -> SiteConfig:
    return dataclasses.replace(config, base_url=base_url)


def _set_base_url(site: Path, base_url: str) -> None:
    config_file = site / "site.yaml"
    text = config_file.read_text("utf-8").replace("http://localhost:8000", base_url)
    config_file.write_text(text, "utf-8")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("blog.localhost", True),
        ("localhost.example.com", False),
        ("example.com", False),
        ("10.0.0.1", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_loopback_urls() -> None:
    assert is_loopback_url("http://localhost:8000")
    assert is_loopback_url("http://[::1]:8000/")
    assert not is_loopback_url("https://alice.example")
    assert not is_loopback_url("http://[::1:8000")  # malformed: not a URL to answer as
    assert not is_loopback_url(None)


def test_a_loopback_site_is_answered_as_itself(site: Path) -> None:
    config = load_config(site)  # init writes http://localhost:8000
    address = choose_address(config, None, None)
    assert (address.listen_host, address.port, address.as_site) == ("127.0.0.1", 8000, True)
    assert address.base_url(8000) == "http://localhost:8000"
    # An explicit port wins, and the URLs carry it; so does an explicit listen address.
    assert choose_address(config, None, 9000).base_url(9000) == "http://localhost:9000"
    everywhere = choose_address(config, "0.0.0.0", None)
    assert (everywhere.listen_host, everywhere.base_url(8000)) == (
        "0.0.0.0",
        "http://localhost:8000",
    )
    named = choose_address(_with_base(config, "http://blog.localhost:4000"), None, None)
    assert (named.listen_host, named.base_url(4000)) == ("127.0.0.1", "http://blog.localhost:4000")
    ipv6 = choose_address(_with_base(config, "http://[::1]:8080"), None, None)
    assert (ipv6.listen_host, ipv6.port, ipv6.base_url(8080)) == ("::1", 8080, "http://[::1]:8080")
    no_port = choose_address(_with_base(config, "http://127.0.0.1"), None, None)
    assert (no_port.port, no_port.base_url(80)) == (80, "http://127.0.0.1:80")


def test_a_public_site_is_previewed_at_the_local_address(site: Path) -> None:
    config = _with_base(load_config(site), "https://alice.example")
    address = choose_address(config, None, None)
    assert (address.listen_host, address.port, address.as_site) == ("127.0.0.1", 8000, False)
    assert address.base_url(8000) == "http://127.0.0.1:8000"
    assert choose_address(config, "0.0.0.0", 0).base_url(5555) == "http://localhost:5555"
    assert choose_address(config, "::1", 0).base_url(5555) == "http://[::1]:5555"


def test_the_preview_listens_on_base_urls_port_and_answers_as_its_origin(site: Path) -> None:
    port = _free_port()
    _set_base_url(site, f"http://localhost:{port}")
    server = PreviewServer(load_config(site), watch=False, env={}, report=lambda _: None)
    server.start()
    try:
        assert server.port == port
        assert server.url == f"http://localhost:{port}"
        actor = httpx.get(f"http://localhost:{port}/ap/actor", timeout=5)
        assert actor.headers["content-type"] == ACTIVITY_JSON
        assert actor.json()["id"] == f"http://localhost:{port}/ap/actor"
        finger = httpx.get(
            f"http://127.0.0.1:{port}/.well-known/webfinger",
            params={"resource": f"acct:alice@localhost:{port}"},
            timeout=5,
        ).json()
        assert finger["subject"] == f"acct:alice@localhost:{port}"
    finally:
        server.stop()
    # The preview never writes the real output folder.
    assert not (site / "public").exists()


def test_a_public_site_keeps_the_local_address(site: Path) -> None:
    _set_base_url(site, "https://alice.example")
    server = PreviewServer(load_config(site), port=0, watch=False, env={}, report=lambda _: None)
    server.start()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}"
        actor = httpx.get(f"{server.url}/ap/actor", timeout=5).json()
        assert actor["id"] == f"{server.url}/ap/actor"
    finally:
        server.stop()


def test_a_localhost_subdomain_is_a_valid_local_base_url(site: Path) -> None:
    _set_base_url(site, "http://blog.localhost:4000")
    config = load_config(site)
    assert config.base_url == "http://blog.localhost:4000"
    assert choose_address(config, None, None).as_site
