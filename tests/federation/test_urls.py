"""The URL scheme: ids are stable, distinct from HTML URLs, and map to files and media types."""

from __future__ import annotations

import pytest

from site_core.urls import (
    ACTIVITY_JSON,
    JRD_JSON,
    UrlScheme,
    media_type_for_path,
    output_path_for_url,
)


def test_ids_and_pages() -> None:
    urls = UrlScheme("https://example.com/", "alice")
    assert urls.actor == "https://example.com/ap/actor"
    assert urls.key_id == "https://example.com/ap/actor#main-key"
    assert urls.handle == "@alice@example.com"
    assert urls.acct == "acct:alice@example.com"
    assert urls.post_object("hello") == "https://example.com/ap/posts/hello"
    assert urls.post_page("hello") == "https://example.com/posts/hello/"
    assert urls.index_page(1) == "https://example.com/"
    assert urls.index_page(3) == "https://example.com/page/3/"
    assert urls.tag_page("Python") == "https://example.com/tags/python/"
    # FEDERATION.md#hashtags: Mastodon folds Latin accents, so `Café` shares the page of `cafe`
    assert urls.tag_page("Café") == "https://example.com/tags/cafe/"
    assert urls.tag_page("日本語") == "https://example.com/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E/"
    # FEDERATION.md#url-is-not-id: the HTML profile and the JSON actor are different URLs
    assert urls.profile != urls.actor


def test_function_routes_default_to_the_site_host() -> None:
    urls = UrlScheme("https://example.com", "alice")
    assert urls.inbox == "https://example.com/ap/inbox"
    assert urls.followers_page(2) == "https://example.com/ap/followers?page=2"


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/", "index.html"),
        ("/posts/x/", "posts/x/index.html"),
        ("/tags/caf%C3%A9/", "tags/café/index.html"),
        ("/ap/actor", "ap/actor"),
        ("/feed.xml", "feed.xml"),
        ("/.well-known/webfinger", ".well-known/webfinger"),
    ],
)
def test_output_paths(path: str, file: str) -> None:
    assert output_path_for_url(path) == file


def test_media_types() -> None:
    assert media_type_for_path("/ap/posts/x") == ACTIVITY_JSON
    assert media_type_for_path("/.well-known/webfinger") == JRD_JSON
    assert media_type_for_path("/nodeinfo/2.1").startswith("application/json; profile=")
    assert media_type_for_path("/posts/x/") is None
