"""Finding @user@domain mentions, and resolving them through the cache and real WebFinger.

WebFinger goes through the guarded outgoing client: a lookup of a server on a private or
loopback address is refused before any connection, unless the site itself is on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from site_gen.content.mention_lookup import LookupSettings, entry_from_jrd
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
        # The quick check tries each '@': the first ones here start no handle.
        ("@dataclass, me@x.example, @@, then @c@d.example", ("@c@d.example",)),
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
        # The client may stop reading (the 1 MB cap): that is what the test is about.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
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


def _on_loopback(origin: str) -> LookupSettings:
    """Lookups as a site on loopback makes them: loopback servers allowed."""
    domains = ("social.example", "other.example")
    return LookupSettings(allow_private_addresses=True, origins=dict.fromkeys(domains, origin))


def _resolver(path: Path, origin: str, *, offline: bool = False) -> MentionResolver:
    return MentionResolver(path, offline=offline, lookups=_on_loopback(origin))


def test_resolves_by_webfinger_and_caches_to_a_file(tmp_path: Path, webfinger_origin: str) -> None:
    cache = tmp_path / "mentions.json"
    resolver = _resolver(cache, webfinger_origin)
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
    tmp_path: Path, webfinger_origin: str, user: str, reason: str
) -> None:
    resolver = _resolver(tmp_path / "mentions.json", webfinger_origin)
    found = resolver.resolve([f"@{user}@social.example"])
    assert found == {f"@{user}@social.example": Mention(f"@{user}@social.example", None)}
    assert len(resolver.warnings) == 1
    assert reason in resolver.warnings[0]
    resolver.save()
    assert json.loads((tmp_path / "mentions.json").read_text(encoding="utf-8")) == {}


def test_many_handles_are_looked_up_together(tmp_path: Path, webfinger_origin: str) -> None:
    resolver = _resolver(tmp_path / "mentions.json", webfinger_origin)
    handles = [f"@user{n}@social.example" for n in range(20)] + ["@nobody@other.example"]
    found = resolver.resolve(handles)
    assert all(found[f"@user{n}@social.example"].actor_id for n in range(20))
    assert found["@nobody@other.example"].actor_id is None
    assert sorted(_WebFinger.requests) == sorted(f"acct:{h[1:]}" for h in handles)
    assert len(resolver.warnings) == 1


def test_an_unreachable_server_is_a_warning(tmp_path: Path) -> None:
    # Port 9 on loopback (discard) is closed here: the connection is refused at once.
    lookups = LookupSettings(
        allow_private_addresses=True, origins={"x.example": "http://127.0.0.1:9"}
    )
    resolver = MentionResolver(tmp_path / "m.json", offline=False, lookups=lookups)
    assert resolver.resolve(["@a@x.example"])["@a@x.example"].actor_id is None
    assert "request failed" in resolver.warnings[0]


def test_offline_without_cache_entry_warns_and_sends_nothing(tmp_path: Path) -> None:
    resolver = MentionResolver(tmp_path / "mentions.json", offline=True)
    found = resolver.resolve(["@bob@social.example"])
    assert found["@bob@social.example"].actor_id is None
    assert "offline" in resolver.warnings[0]


def test_https_is_required_for_real_domains(tmp_path: Path) -> None:
    # A JRD from a real https origin may not point at an http actor.
    jrd = {"links": [{"rel": "self", "type": "application/activity+json", "href": "http://x/u"}]}
    assert entry_from_jrd(jrd, allow_http=False) == "WebFinger answer has no ActivityPub self link"
    assert entry_from_jrd(jrd, allow_http=True) == {"actor_id": "http://x/u"}


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


# --- the address guard: no lookup reaches an internal address from a public site ----------


class _MappedResolver(AbstractResolver):
    """Answers every name with one chosen address, without DNS."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(hostname=host, host=self.address, port=port, family=socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
        ]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.fixture
def connect_attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every connection any event loop is asked to make (the lookups run their own loop);
    each one fails the test."""
    attempts: list[Any] = []

    async def refuse_sock_connect(self: Any, sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        pytest.fail(f"a connection to {address} was attempted")

    async def refuse_create_connection(self: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append((args, kwargs))
        pytest.fail("a connection was attempted")

    monkeypatch.setattr(
        asyncio.selector_events.BaseSelectorEventLoop, "sock_connect", refuse_sock_connect
    )
    monkeypatch.setattr(
        asyncio.base_events.BaseEventLoop, "create_connection", refuse_create_connection
    )
    return attempts


def test_a_handle_on_a_private_address_is_refused_before_any_connection(
    tmp_path: Path, connect_attempts: list[Any]
) -> None:
    dns = _MappedResolver("10.0.0.1")
    resolver = MentionResolver(tmp_path / "m.json", offline=False, lookups=LookupSettings(dns=dns))
    found = resolver.resolve(["@bob@evil.example"])
    assert found["@bob@evil.example"] == Mention("@bob@evil.example", None)
    assert dns.asked == ["evil.example"]
    assert connect_attempts == []
    [warning] = resolver.warnings
    assert "mention @bob@evil.example could not be resolved" in warning
    assert "refused to connect to evil.example (10.0.0.1): private address" in warning
    assert "unless the site's base_url is itself on loopback" in warning
    resolver.save()
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8")) == {}


@pytest.mark.parametrize("handle", ["@bob@10.0.0.1", "@bob@127.0.0.1", "@bob@169.254.169.254"])
def test_a_handle_on_an_address_literal_is_refused(
    tmp_path: Path, connect_attempts: list[Any], handle: str
) -> None:
    dns = _MappedResolver("93.184.215.14")
    resolver = MentionResolver(tmp_path / "m.json", offline=False, lookups=LookupSettings(dns=dns))
    assert resolver.resolve([handle])[handle].actor_id is None
    assert "refused to connect" in resolver.warnings[0]
    assert dns.asked == []
    assert connect_attempts == []


def test_a_loopback_server_is_asked_only_by_a_site_on_loopback(
    tmp_path: Path, webfinger_origin: str
) -> None:
    origins = {"social.example": webfinger_origin}
    public = LookupSettings.for_site("https://alice.example", origins=origins)
    assert not public.allow_private_addresses
    resolver = MentionResolver(tmp_path / "a.json", offline=False, lookups=public)
    assert resolver.resolve(["@bob@social.example"])["@bob@social.example"].actor_id is None
    assert "loopback address" in resolver.warnings[0]
    assert _WebFinger.requests == []

    local = LookupSettings.for_site("http://localhost:8000", origins=origins)
    assert local.allow_private_addresses
    assert local.user_agent.endswith("(+http://localhost:8000)")
    resolver = MentionResolver(tmp_path / "b.json", offline=False, lookups=local)
    found = resolver.resolve(["@bob@social.example"])
    assert found["@bob@social.example"].actor_id == f"{webfinger_origin}/users/bob"
    assert resolver.warnings == []
    assert _WebFinger.requests == ["acct:bob@social.example"]


def test_a_build_refuses_loopback_lookups_unless_the_site_is_on_loopback(
    tmp_path: Path, webfinger_origin: str
) -> None:
    from site_gen.build.pipeline import build_site
    from site_gen.config import load_config

    repo = Path(__file__).resolve().parents[2]
    site = tmp_path / "site"
    shutil.copytree(repo / "content", site, ignore=shutil.ignore_patterns(".site-gen", "public"))
    shutil.copy(repo / "tests/build/keys/test-public-key.pem", site / "public-key.pem")
    post = site / "posts" / "2024-04-01-hello-dave.md"
    post.write_text("---\ntitle: Hello Dave\ndate: 2024-04-01\n---\nHi @dave@social.example!\n")
    origins = {"social.example": webfinger_origin}

    config_file = site / "site.yaml"
    local_yaml = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        local_yaml.replace("base_url: http://localhost:8000", "base_url: https://alice.example")
    )
    report = build_site(load_config(site), jobs=1, webfinger_origins=origins)
    [warning] = [w for w in report.warnings if "@dave@social.example" in w]
    assert "refused to connect" in warning
    assert "loopback address" in warning
    assert _WebFinger.requests == []

    config_file.write_text(local_yaml)
    report = build_site(load_config(site), jobs=1, webfinger_origins=origins)
    assert [w for w in report.warnings if "mention" in w] == []
    assert _WebFinger.requests == ["acct:dave@social.example"]
    cache = json.loads((site / "mentions.json").read_text(encoding="utf-8"))
    assert cache["@dave@social.example"]["actor_id"] == f"{webfinger_origin}/users/dave"
