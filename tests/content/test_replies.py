"""Replies to remote posts: the author found through a real HTTP server of our own on 127.0.0.1.

The server serves a real Mastodon status (`mastodon/note.json`), its author's actor and their
WebFinger; the build must address and tag the author (FEDERATION.md#reply-addressing), warn and go
on when the post cannot be read, and build the same bytes offline from `replies.json`.
"""

from __future__ import annotations

import copy
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures_path import FIXTURES

from site_gen.content.mention_lookup import LookupSettings
from site_gen.content.model import Mention, RepliedPost
from site_gen.content.replies import ReplyResolver

NOTE = json.loads((FIXTURES / "mastodon/note.json").read_text(encoding="utf-8"))
STATUS = NOTE["id"]  # https://mastodon.madrid/users/felix/statuses/107224289116410645
AUTHOR = NOTE["attributedTo"]  # https://mastodon.madrid/users/felix
STATUS_PATH = urlsplit(STATUS).path
DOMAINS = ("mastodon.madrid", "madrid.example")  # other.example: never asked


def _actor() -> dict[str, Any]:
    doc = copy.deepcopy(json.loads((FIXTURES / "mastodon/actor.json").read_text()))
    doc.update(id=AUTHOR, preferredUsername="felix", url="https://mastodon.madrid/@felix")
    return doc


def _jrd(subject: str, actor_id: str) -> dict[str, Any]:
    jrd = copy.deepcopy(json.loads((FIXTURES / "mastodon/webfinger_spec_fixture.json").read_text()))
    jrd["subject"] = subject
    for link in jrd["links"]:
        if link.get("rel") == "self":
            link["href"] = actor_id
    return jrd


class _Remote(BaseHTTPRequestHandler):
    """mastodon.madrid (and the other test domains, told apart by the Host header)."""

    requests: ClassVar[list[str]] = []
    status: ClassVar[dict[str, Any]] = {}
    subject: ClassVar[str] = "acct:felix@mastodon.madrid"
    confirms: ClassVar[bool] = True  # does madrid.example point back at the actor?

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        type(self).requests.append(self.path)
        resource = parse_qs(parts.query).get("resource", [""])[0]
        if parts.path == STATUS_PATH:
            self._send(200, self.status, "application/activity+json; charset=utf-8")
        elif parts.path == "/users/felix":
            self._send(200, _actor(), "application/activity+json; charset=utf-8")
        elif resource == "acct:felix@mastodon.madrid":
            self._send(200, _jrd(self.subject, AUTHOR), "application/jrd+json")
        elif resource == "acct:felix@madrid.example":
            actor = AUTHOR if self.confirms else "https://madrid.example/users/someone-else"
            self._send(200, _jrd("acct:felix@madrid.example", actor), "application/jrd+json")
        else:
            self._send(404, {}, "application/json")

    def _send(self, status: int, document: dict[str, Any], media_type: str) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def remote() -> Iterator[str]:
    _Remote.requests = []
    _Remote.status = copy.deepcopy(NOTE)
    _Remote.subject = "acct:felix@mastodon.madrid"
    _Remote.confirms = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Remote)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _lookups(origin: str) -> LookupSettings:
    return LookupSettings(allow_private_addresses=True, origins=dict.fromkeys(DOMAINS, origin))


FELIX = Mention("@felix@mastodon.madrid", AUTHOR, "https://mastodon.madrid/@felix")


def test_the_author_is_found_and_cached(tmp_path: Path, remote: str) -> None:
    cache = tmp_path / "replies.json"
    resolver = ReplyResolver(cache, offline=False, lookups=_lookups(remote))
    assert resolver.resolve([("reply.md", STATUS)]) == {STATUS: RepliedPost(FELIX, None)}
    assert resolver.warnings == []
    resolver.save()
    assert json.loads(cache.read_text()) == {
        STATUS: {"actor_id": AUTHOR, "handle": FELIX.handle, "profile_url": FELIX.profile_url}
    }
    asked = list(_Remote.requests)
    assert asked[0] == STATUS_PATH
    assert asked[1] == "/users/felix"

    again = ReplyResolver(cache, offline=True)
    assert again.resolve([("reply.md", STATUS)]) == {STATUS: RepliedPost(FELIX, None)}
    assert _Remote.requests == asked  # offline: from the cache, nothing asked


def test_a_handle_on_another_domain_must_point_back(tmp_path: Path, remote: str) -> None:
    _Remote.subject = "acct:felix@madrid.example"
    resolver = ReplyResolver(tmp_path / "r.json", offline=False, lookups=_lookups(remote))
    [found] = resolver.resolve([("reply.md", STATUS)]).values()
    assert found.author.handle == "@felix@madrid.example"

    _Remote.confirms = False
    resolver = ReplyResolver(tmp_path / "r2.json", offline=False, lookups=_lookups(remote))
    [found] = resolver.resolve([("reply.md", STATUS)]).values()
    assert found.author.handle == "@felix@mastodon.madrid"


def test_the_thread_context_is_kept(tmp_path: Path, remote: str) -> None:
    _Remote.status["context"] = "https://mastodon.madrid/contexts/107224244380204526"
    resolver = ReplyResolver(tmp_path / "r.json", offline=False, lookups=_lookups(remote))
    [found] = resolver.resolve([("reply.md", STATUS)]).values()
    assert found.context == "https://mastodon.madrid/contexts/107224244380204526"


@pytest.mark.parametrize(
    ("author", "reason"),
    [
        ("https://other.example/users/mallory", "not on the server that served the post"),
        (None, "names no author"),
        ("javascript:alert(1)", "names no author"),
    ],
)
def test_an_author_that_cannot_be_trusted_is_a_warning(
    tmp_path: Path, remote: str, author: str | None, reason: str
) -> None:
    _Remote.status["attributedTo"] = author
    resolver = ReplyResolver(tmp_path / "r.json", offline=False, lookups=_lookups(remote))
    assert resolver.resolve([("reply.md", STATUS)]) == {}
    [warning] = resolver.warnings
    assert warning.startswith(f"reply.md: in_reply_to {STATUS}: ")
    assert reason in warning
    resolver.save()
    assert not (tmp_path / "r.json").exists()  # nothing learned, nothing written


def test_an_unreachable_post_is_a_warning(tmp_path: Path) -> None:
    lookups = LookupSettings(
        allow_private_addresses=True, origins={"mastodon.madrid": "http://127.0.0.1:9"}
    )
    resolver = ReplyResolver(tmp_path / "r.json", offline=False, lookups=lookups)
    assert resolver.resolve([("a.md", STATUS), ("b.md", STATUS)]) == {}
    assert [w.split(":")[0] for w in resolver.warnings] == ["a.md", "b.md"]
    assert "the post request failed" in resolver.warnings[0]
    assert "inReplyTo only" in resolver.warnings[0]


def test_offline_without_cache_entry_warns_and_asks_nothing(tmp_path: Path) -> None:
    resolver = ReplyResolver(tmp_path / "r.json", offline=True)
    assert resolver.resolve([("a.md", STATUS)]) == {}
    [warning] = resolver.warnings
    assert "offline" in warning
    assert STATUS in warning


# --- the build -------------------------------------------------------------------------------


def _site(tmp_path: Path, body: str = "Thinkpads forever.") -> Path:
    repo = Path(__file__).resolve().parents[2]
    site = tmp_path / "site"
    shutil.copytree(repo / "content", site, ignore=shutil.ignore_patterns(".site-gen", "public"))
    shutil.copy(repo / "tests/build/keys/test-public-key.pem", site / "public-key.pem")
    post = site / "posts" / "2024-05-01-re-thinkpad.md"
    post.write_text(f"---\ndate: 2024-05-01\nin_reply_to: {STATUS}\n---\n{body}\n")
    return site


def _object(output: Path, slug: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((output / "ap/posts" / slug).read_text())
    return document


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_built_reply_names_its_author_and_builds_the_same_offline(
    tmp_path: Path, remote: str
) -> None:
    from site_gen.build.pipeline import build_site
    from site_gen.config import load_config

    site = _site(tmp_path)
    origins = dict.fromkeys(DOMAINS, remote)
    report = build_site(load_config(site), jobs=1, webfinger_origins=origins)
    assert [w for w in report.warnings if "in_reply_to" in w] == []
    note = _object(report.output, "re-thinkpad")
    assert note["inReplyTo"] == STATUS
    assert note["cc"] == [load_config(site).urls.followers, AUTHOR]
    assert {"type": "Mention", "href": AUTHOR, "name": "@felix@mastodon.madrid"} in note["tag"]
    page = (report.output / "posts/re-thinkpad/index.html").read_text()
    assert (
        f'In reply to <a href="{STATUS}" class="u-in-reply-to">@felix@mastodon.madrid</a>' in page
    )
    online = _tree(report.output)

    # As in a fresh clone: no private state, no output, no network; only replies.json.
    shutil.rmtree(site / ".site-gen")
    shutil.rmtree(report.output)
    asked = len(_Remote.requests)
    clean = build_site(load_config(site), jobs=1, offline=True)
    assert len(_Remote.requests) == asked
    assert _tree(clean.output) == online
    assert [w for w in clean.warnings if "in_reply_to" in w] == []


def test_a_mentioned_author_is_tagged_once(tmp_path: Path, remote: str) -> None:
    from site_gen.build.pipeline import build_site
    from site_gen.config import load_config

    site = _site(tmp_path, "@felix@mastodon.madrid Thinkpads forever.")
    (site / "mentions.json").write_text(
        json.dumps({"@felix@mastodon.madrid": {"actor_id": AUTHOR}}), encoding="utf-8"
    )
    origins = dict.fromkeys(DOMAINS, remote)
    report = build_site(load_config(site), jobs=1, webfinger_origins=origins)
    note = _object(report.output, "re-thinkpad")
    assert note["cc"].count(AUTHOR) == 1
    assert [t["href"] for t in note["tag"] if t["type"] == "Mention"] == [AUTHOR]


def test_an_unreachable_reply_warns_and_the_build_goes_on(tmp_path: Path, remote: str) -> None:
    from site_gen.build.pipeline import build_site
    from site_gen.config import load_config

    site = _site(tmp_path)
    report = build_site(
        load_config(site), jobs=1, webfinger_origins={"mastodon.madrid": "http://127.0.0.1:9"}
    )
    [warning] = [w for w in report.warnings if "in_reply_to" in w]
    assert "2024-05-01-re-thinkpad.md" in warning
    assert STATUS in warning
    note = _object(report.output, "re-thinkpad")
    assert note["inReplyTo"] == STATUS
    assert AUTHOR not in note["cc"]
    assert [t for t in note["tag"] if t["type"] == "Mention"] == []
    assert not (site / "replies.json").read_text().count("mastodon.madrid")

    # Reachable at the next build: the unchanged post is read again, now addressed.
    report = build_site(load_config(site), jobs=1, webfinger_origins=dict.fromkeys(DOMAINS, remote))
    assert [w for w in report.warnings if "in_reply_to" in w] == []
    assert AUTHOR in _object(report.output, "re-thinkpad")["cc"]
