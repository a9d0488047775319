"""Finding @user@domain mentions, and resolving them through the cache and real WebFinger."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from site_gen.content.mentions import MentionResolver, extract_mentions, normalize_handle
from site_gen.content.model import Mention


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Hello @bob@social.example!", ("@bob@social.example",)),
        ("(@Bob@Social.Example) and @bob@social.example.", ("@Bob@Social.Example",)),
        ("@a_b.c@x.y.example, @z@q.example", ("@a_b.c@x.y.example", "@z@q.example")),
        ("write to bob@social.example", ()),
        ("`@bob@social.example` in code", ()),
        ("```\n@bob@social.example\n```\nafter @c@d.example", ("@c@d.example",)),
        ("~~~python\nx = '@bob@social.example'\n~~~", ()),
        ("    @bob@social.example indented code", ()),
        ("[@bob@social.example](https://social.example/@bob)", ()),
        ("see https://social.example/@bob@social.example", ()),
        ("<https://x.example/@bob@social.example>", ()),
        ('<a href="x">@bob@social.example</a>', ()),
        ("@bob@localhost has no dot", ()),
        ("@bob@social.example@more", ()),
    ],
)
def test_extract_mentions(markdown: str, expected: tuple[str, ...]) -> None:
    assert extract_mentions(markdown) == expected


def test_normalize_handle() -> None:
    assert normalize_handle("Bob@Social.Example") == "@bob@social.example"
    assert normalize_handle(" @bob@social.example ") == "@bob@social.example"


# --- a WebFinger server of our own on 127.0.0.1 -----------------------------------------------


class _WebFinger(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        resource = parse_qs(parts.query).get("resource", [""])[0]
        type(self).requests.append(resource)
        origin = f"http://{self.headers['Host']}"
        user = resource.removeprefix("acct:").split("@")[0]
        if parts.path != "/.well-known/webfinger" or user == "nobody":
            self._send(404, b"{}")
        elif user == "huge":
            self._send(200, b'{"links": [' + b'{"rel": "x"},' * 200_000 + b'{"rel": "y"}]}')
        elif user == "garbage":
            self._send(200, b"<html>not json</html>")
        elif user == "noself":
            self._send(200, json.dumps({"subject": resource, "links": []}).encode())
        else:
            jrd = {
                "subject": resource,
                "links": [
                    {"rel": "http://webfinger.net/rel/profile-page", "href": f"{origin}/@{user}"},
                    {"rel": "self", "type": "text/html", "href": f"{origin}/wrong"},
                    {
                        "rel": "self",
                        "type": "application/activity+json",
                        "href": f"{origin}/users/{user}",
                    },
                ],
            }
            self._send(200, json.dumps(jrd).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/jrd+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def webfinger_origin() -> Iterator[str]:
    _WebFinger.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebFinger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as http:
        yield http


def _resolver(
    path: Path, origin: str, client: httpx.Client, *, offline: bool = False
) -> MentionResolver:
    domains = ("social.example", "other.example")
    return MentionResolver(
        path, offline=offline, client=client, origins=dict.fromkeys(domains, origin)
    )


def test_resolves_by_webfinger_and_caches_to_a_file(
    tmp_path: Path, webfinger_origin: str, client: httpx.Client
) -> None:
    cache = tmp_path / "mentions.json"
    resolver = _resolver(cache, webfinger_origin, client)
    found = resolver.resolve(["@Bob@Social.Example", "@bob@social.example"])
    assert found == {
        "@bob@social.example": Mention(
            "@Bob@Social.Example",
            f"{webfinger_origin}/users/bob",
            f"{webfinger_origin}/@bob",
        )
    }
    assert _WebFinger.requests == ["acct:bob@social.example"]
    assert resolver.warnings == []
    resolver.save()
    saved = cache.read_text(encoding="utf-8")
    assert json.loads(saved) == {
        "@bob@social.example": {
            "actor_id": f"{webfinger_origin}/users/bob",
            "profile_url": f"{webfinger_origin}/@bob",
        }
    }
    assert saved.endswith("}\n")

    # A later offline build finds it in the committed file without any request.
    again = MentionResolver(cache, offline=True)
    assert again.resolve(["@bob@social.example"])["@bob@social.example"].actor_id == (
        f"{webfinger_origin}/users/bob"
    )
    assert again.warnings == []
    assert len(_WebFinger.requests) == 1
    again.save()
    assert cache.read_text(encoding="utf-8") == saved


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("nobody", "HTTP 404"),
        ("huge", "larger than 1 MB"),
        ("garbage", "not JSON"),
        ("noself", "no ActivityPub self link"),
    ],
)
def test_unresolvable_mentions_are_warnings(
    tmp_path: Path, webfinger_origin: str, client: httpx.Client, user: str, reason: str
) -> None:
    resolver = _resolver(tmp_path / "mentions.json", webfinger_origin, client)
    found = resolver.resolve([f"@{user}@social.example"])
    assert found == {f"@{user}@social.example": Mention(f"@{user}@social.example", None)}
    assert len(resolver.warnings) == 1
    assert reason in resolver.warnings[0]
    resolver.save()
    assert json.loads((tmp_path / "mentions.json").read_text(encoding="utf-8")) == {}


def test_an_unreachable_server_is_a_warning(tmp_path: Path, client: httpx.Client) -> None:
    # Port 9 on loopback (discard) is closed here: the connection is refused at once.
    resolver = MentionResolver(
        tmp_path / "m.json",
        offline=False,
        client=client,
        origins={"x.example": "http://127.0.0.1:9"},
    )
    assert resolver.resolve(["@a@x.example"])["@a@x.example"].actor_id is None
    assert "request failed" in resolver.warnings[0]


def test_offline_without_cache_entry_warns_and_sends_nothing(tmp_path: Path) -> None:
    resolver = MentionResolver(tmp_path / "mentions.json", offline=True)
    found = resolver.resolve(["@bob@social.example"])
    assert found["@bob@social.example"].actor_id is None
    assert "offline" in resolver.warnings[0]


def test_https_is_required_for_real_domains(tmp_path: Path) -> None:
    # A JRD from a real https origin may not point at an http actor.
    resolver = MentionResolver(tmp_path / "m.json", offline=True)
    jrd = {"links": [{"rel": "self", "type": "application/activity+json", "href": "http://x/u"}]}
    assert resolver._entry_from_jrd("@u@x.example", jrd, allow_http=False) is None
    assert "no ActivityPub self link" in resolver.warnings[0]


def test_a_broken_cache_file_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    cache = tmp_path / "mentions.json"
    cache.write_text("{not json", encoding="utf-8")
    resolver = MentionResolver(cache, offline=True)
    assert resolver.resolve(["@a@b.example"])["@a@b.example"].actor_id is None
    assert "not a readable JSON file" in resolver.warnings[0]


def test_saved_file_is_public_and_not_rewritten_when_unchanged(tmp_path: Path) -> None:
    import os

    cache = tmp_path / "mentions.json"
    cache.write_text('{"@bob@social.example": {"actor_id": "https://social.example/u/bob"}}\n')
    old_umask = os.umask(0o022)
    try:
        resolver = MentionResolver(cache, offline=True)
        resolver.resolve(["@bob@social.example"])
        before = cache.stat()
        resolver.save()
        assert cache.stat().st_mtime_ns == before.st_mtime_ns
        assert cache.stat().st_ino == before.st_ino

        cache.unlink()
        resolver.save()
        assert cache.stat().st_mode & 0o777 == 0o644
        written = cache.stat()
        MentionResolver(cache, offline=True).save()
        assert cache.stat().st_mtime_ns == written.st_mtime_ns
    finally:
        os.umask(old_umask)
