"""`handle_domain` in site.yaml: a bare domain, the site's own host as a no-op
(FEDERATION.md#handle-domain)."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_core.errors import ConfigError
from site_core.urls import UrlScheme
from site_gen.config import parse_config

BASE = "base_url: https://blog.example.com\nusername: alice\ndisplay_name: Alice\n"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("social.example.co.uk", "social.example.co.uk"),
        ("xn--caf-dma.example", "xn--caf-dma.example"),
        ("127.0.0.1:8001", "127.0.0.1:8001"),  # loopback with a port: local tests only
        ("localhost:3000", "localhost:3000"),
    ],
)
def test_a_bare_domain_is_the_handle_domain(value: str, stored: str) -> None:
    config = parse_config(BASE + f"handle_domain: {value}\n", Path("/site/site.yaml"))
    assert config.handle_domain == stored
    assert config.urls.handle == f"@alice@{stored}"
    assert config.urls.acct == f"acct:alice@{stored}"
    assert config.urls.site_acct == "acct:alice@blog.example.com"
    assert config.urls.actor == "https://blog.example.com/ap/actor"  # ids stay on the site


def test_the_sites_own_host_is_a_no_op() -> None:
    config = parse_config(BASE + "handle_domain: blog.example.com\n", Path("/site/site.yaml"))
    assert not config.urls.split_handle
    assert config.urls.handle == "@alice@blog.example.com"


def test_no_handle_domain_keeps_the_sites_host() -> None:
    urls = parse_config(BASE, Path("/site/site.yaml")).urls
    assert (urls.handle, urls.split_handle) == ("@alice@blog.example.com", False)


def test_the_handle_origin_is_https_except_on_loopback() -> None:
    assert _urls("example.com").handle_webfinger == "https://example.com/.well-known/webfinger"
    assert _urls("127.0.0.1:8001").handle_origin == "http://127.0.0.1:8001"


def _urls(domain: str) -> UrlScheme:
    return parse_config(BASE + f"handle_domain: {domain}\n", Path("/site/site.yaml")).urls


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com",
        "example.com/path",
        "alice@example.com",
        "'@example.com'",
        "example",
        "example.com:443",
        "exa mple.com",
        "-example.com",
        "example.123",
        "''",
        "[example.com]",
        "42",
    ],
)
def test_anything_but_a_bare_domain_is_refused_with_its_line(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + f"handle_domain: {value}\n", Path("/site/site.yaml"))
    message = str(caught.value)
    assert "site.yaml:4" in message
    assert "'handle_domain' must be a bare domain such as example.com" in message
