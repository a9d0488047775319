"""The pure helpers every backend and caller shares: domain and host normalisation."""

from __future__ import annotations

import pytest
from site_function.store.base import domain_candidates, host_of, normalize_domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM.", "example.com"),
        ("  bücher.example ", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("under_score.example", "under_score.example"),
        ("", ""),
    ],
)
def test_normalize_domain(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Mastodon.Example/inbox", "mastodon.example"),
        ("https://gts.example:8443/users/a/inbox", "gts.example:8443"),
        ("http://127.0.0.1:39001/inbox", "127.0.0.1:39001"),
        ("http://[::1]:8080/inbox", "[::1]:8080"),
        ("https://bücher.example/inbox", "xn--bcher-kva.example"),
    ],
)
def test_host_of_keeps_ports_apart(url: str, host: str) -> None:
    assert host_of(url) == host


def test_domain_candidates() -> None:
    assert domain_candidates("https://a.b.Example.com:443/users/x") == [
        "a.b.example.com",
        "b.example.com",
        "example.com",
        "com",
    ]
    assert domain_candidates("http://127.0.0.1:8000/users/x") == ["127.0.0.1"]
    assert domain_candidates("acct:someone") == []
