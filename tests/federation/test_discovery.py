"""WebFinger, host-meta and NodeInfo, including the round trip over real HTTP
(FEDERATION.md#webfinger-round-trip)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from documents_sample import SITE_YAML, config, posts, public_key_pem
from fixtures_path import FIXTURES

from site_core.errors import ConfigError
from site_core.serialize import serialize
from site_core.urls import media_type_for_path, output_path_for_url
from site_gen.federation.actor import build_actor
from site_gen.federation.discovery import (
    build_host_meta,
    build_nodeinfo,
    build_nodeinfo_links,
    build_webfinger,
)


def test_webfinger_jrd_has_subject_self_link_aliases_and_profile_page() -> None:
    cfg = config()
    jrd = build_webfinger(cfg)
    assert jrd["subject"] == "acct:alice@blog.example.org"
    assert jrd["aliases"] == [cfg.urls.actor, cfg.urls.profile]
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links == [
        {"rel": "self", "type": "application/activity+json", "href": cfg.urls.actor}
    ]
    profile = [
        link for link in jrd["links"] if link["rel"] == "http://webfinger.net/rel/profile-page"
    ]
    assert profile == [
        {
            "rel": "http://webfinger.net/rel/profile-page",
            "type": "text/html",
            "href": cfg.urls.profile,
        }
    ]


def test_webfinger_has_the_shape_of_mastodons() -> None:
    fixture = FIXTURES / "mastodon"
    theirs = json.loads((fixture / "webfinger_spec_fixture.json").read_text(encoding="utf-8"))
    ours = build_webfinger(config())
    assert set(ours) == set(theirs)
    mastodon_self = next(link for link in theirs["links"] if link["rel"] == "self")
    assert set(next(link for link in ours["links"] if link["rel"] == "self")) == set(mastodon_self)


def _round_trip(jrd_bytes: bytes, actor_bytes: bytes) -> None:
    """Mastodon's check_webfinger! (FEDERATION.md#webfinger-round-trip), on the bytes a server
    would receive."""
    actor = json.loads(actor_bytes)
    jrd = json.loads(jrd_bytes)
    expected_subject = f"acct:{actor['preferredUsername']}@{urlsplit(actor['id']).netloc}"
    assert jrd["subject"] == expected_subject
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link["href"].encode() == actor["id"].encode()
    assert actor["webfinger"] == expected_subject.removeprefix("acct:")


@pytest.mark.parametrize(
    "base_url",
    ["https://blog.example.org", "https://blog.example.org/", "http://localhost:8000"],
)
def test_webfinger_actor_round_trip_holds_byte_for_byte(base_url: str) -> None:
    cfg = config(SITE_YAML.replace("https://blog.example.org", base_url))
    _round_trip(
        serialize(build_webfinger(cfg)), serialize(build_actor(cfg, public_key_pem(), posts()))
    )


class _StaticHandler(SimpleHTTPRequestHandler):
    """A static host: ignores the query string, sets Content-Type as media_type_for_path says."""

    def guess_type(self, path: str | Path) -> str:
        url_path = "/" + Path(path).relative_to(self.directory).as_posix()
        return media_type_for_path(url_path) or super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _StaticHandler(*a, directory=str(tmp_path))
    )
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    cfg = config(SITE_YAML.replace("https://blog.example.org", origin))
    files = {
        cfg.urls.webfinger: serialize(build_webfinger(cfg)),
        cfg.urls.actor: serialize(build_actor(cfg, public_key_pem(), posts())),
        cfg.urls.host_meta: build_host_meta(cfg).encode(),
    }
    for url, body in files.items():
        target = tmp_path / output_path_for_url(cfg.urls.path_of(url))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_round_trip_over_http_from_a_static_host(static_site: str) -> None:
    host = urlsplit(static_site).netloc
    with httpx.Client(base_url=static_site, timeout=5, trust_env=False) as client:
        # Any resource query gets the same JRD (FEDERATION.md#webfinger-any-resource), the lrdd
        # template too (FEDERATION.md#host-meta).
        answers = [
            client.get("/.well-known/webfinger", params={"resource": resource})
            for resource in (f"acct:alice@{host}", f"acct:ALICE@{host}", f"{static_site}/ap/actor")
        ]
        assert {answer.content for answer in answers} == {answers[0].content}
        assert answers[0].headers["content-type"] == "application/jrd+json"
        href = next(link for link in answers[0].json()["links"] if link["rel"] == "self")["href"]
        actor = client.get(href, headers={"Accept": "application/activity+json"})
        assert actor.headers["content-type"] == "application/activity+json"
        assert actor.json()["id"] == href == str(actor.url)  # FEDERATION.md#id-is-url
        _round_trip(answers[0].content, actor.content)
        host_meta = ElementTree.fromstring(client.get("/.well-known/host-meta").content)
        template = host_meta[0].attrib["template"]
        lrdd = client.get(template.replace("{uri}", f"acct:alice@{host}"))
        assert lrdd.content == answers[0].content


def test_host_meta_is_xrd_with_an_lrdd_template() -> None:
    root = ElementTree.fromstring(build_host_meta(config()))
    assert root.tag == "{http://docs.oasis-open.org/ns/xri/xrd-1.0}XRD"
    (link,) = list(root)
    assert link.attrib == {
        "rel": "lrdd",
        "template": "https://blog.example.org/.well-known/webfinger?resource={uri}",
    }


def test_nodeinfo_links_point_at_both_versions() -> None:
    links = build_nodeinfo_links(config())["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://blog.example.org/nodeinfo/2.1",
        },
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": "https://blog.example.org/nodeinfo/2.0",
        },
    ]


@pytest.mark.parametrize("version", ["2.1", "2.0"])
def test_nodeinfo_has_every_required_field(version: str) -> None:
    info = json.loads(serialize(build_nodeinfo(version, config(), posts())))
    assert set(info) == {
        "version",
        "software",
        "protocols",
        "services",
        "openRegistrations",
        "usage",
        "metadata",
    }
    assert info["version"] == version
    assert re.fullmatch(r"[a-z0-9-]+", info["software"]["name"])
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", info["software"]["version"])
    # The 2.0 schema allows only name and version in `software`.
    assert set(info["software"]) <= {"name", "version", "repository", "homepage"}
    if version == "2.0":
        assert set(info["software"]) == {"name", "version"}
    assert info["protocols"] == ["activitypub"]
    assert set(info["services"]) == {"inbound", "outbound"}
    assert info["openRegistrations"] is False
    assert info["usage"]["users"] == {"total": 1, "activeMonth": 1, "activeHalfyear": 1}
    assert info["usage"]["localPosts"] == 3  # the draft does not count
    assert info["metadata"]["nodeName"] == "Alice Example"


def test_nodeinfo_refuses_unknown_versions_and_bad_names() -> None:
    with pytest.raises(ValueError, match="version"):
        build_nodeinfo("1.0", config(), ())
    from dataclasses import replace

    with pytest.raises(ConfigError, match="a-z0-9"):
        build_nodeinfo("2.1", replace(config(), software_name="Site Gen"), ())
