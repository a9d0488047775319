"""End to end on loopback: the conversation of a post, from remote servers to the repository.

The sample site (base_url https://alice.example) is built and published to the function
(uvicorn on 127.0.0.1, SQLite). Three accounts on servers of the test's own (two Mastodon-like,
one GoToSocial-like; real signatures; avatars served by their servers: a JPEG with EXIF and
GPS, a PNG, an animated GIF) reply, like and boost; one reply carries every hostile construct.
A first pull mirrors it all. Then the GoToSocial author deletes a reply, one Like is undone and
the owner blocks one account (`site-gen blocks add`); the second pull must write exactly the
files under golden/conversation/after-removals/. One reply is approved with `conversations
approve`, another rejected by editing its `status:` line and `conversations push`; the pull
after that writes golden/conversation/after-moderation/, and the function's states
(`conversations list`) agree with the files; one more pull changes nothing.

Deterministic by construction: fixed activity ids and `published` times, and one step clock
(`StepClock`) for the function and the remotes, so `received` times are fixed. Only the
remote servers' ports vary: `127.0.0.1:<port>` is written `<server>.example` before comparing,
and pulled.json (keyed by those URLs) is re-sorted after that. Regenerate the golden files with
`SITE_GEN_UPDATE_GOLDEN=1 pytest tests/e2e/test_conversation_e2e.py` and review the diff.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from conversation_remotes import Account, StepClock, start_time
from conversations.conversation_images import picture
from e2e_remotes import ServerThread, bound_socket
from site_function.app import create_app
from test_delivery_e2e import TOKEN, LoopbackOnly, make_site

from site_core.incoming_html import BIDI_CONTROLS, INCOMING_TAGS
from site_core.keys import public_key_pem
from site_gen.cli import cli
from site_gen.config import SiteConfig
from site_gen.conversations.data_files import conversation_path, load_conversation_file
from site_gen.serve.function_settings import settings_from_site
from site_remote.client import make_session

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).resolve().parent / "golden" / "conversation"
HOSTILE = (
    '<p dir="rtl" style="color:red" onclick="steal()">Lovely\u202e post!'
    "<script>alert('script')</script></p><style>p{display:none}</style>"
    '<p><a href="javascript:alert(1)" onmouseover="alert(2)">click me</a> '
    '<a href="https://example.org/ok" style="font-size:99px" class="mention x">a link</a> '
    '<img src="https://evil.example/x.png" onerror="alert(3)"></p>'
    '<iframe src="https://evil.example/frame"></iframe>'
    '<svg onload="alert(4)"><script>alert(5)</script><circle r="4"/></svg>'
    "<p>\u2066isolated\u2069 and \u200fmarked\u200e text</p>"
)


@dataclass
class Stage:
    config: SiteConfig
    url: str
    clock: StepClock
    http: httpx.Client
    ana: Account  # Mastodon, JPEG avatar with EXIF and GPS
    zork: Account  # GoToSocial, PNG avatar
    bob: Account  # another Mastodon server, animated GIF avatar; blocked later

    @property
    def site(self) -> Path:
        return self.config.root

    def post(self, slug: str) -> str:
        return self.config.urls.post_object(slug)

    def send(self, account: Account, activity: dict[str, Any]) -> None:
        self.clock.tick()  # each arrival a minute apart: `received` orders the files
        account.deliver(self.http, f"{self.url}/ap/inbox", activity)

    def cli(self, *args: str) -> Result:
        where = ["--site", str(self.site), "--function-url", self.url]
        result = CliRunner().invoke(
            cli, [*args, *where], env={"SITE_GEN_ADMIN_TOKEN": TOKEN}, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result

    def pull(self) -> str:
        return str(self.cli("conversations", "pull", "--allow-private-addresses").output)

    def normalised(self) -> dict[str, bytes]:
        """The conversations folder with each server's port replaced by its name."""
        folder = self.site / "conversations"
        files = {p.relative_to(folder).as_posix(): p.read_bytes()
                 for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip
        servers = {
            self.ana.port: "mastodon",
            self.zork.port: "gotosocial",
            self.bob.port: "mastodon-b",
        }
        for name, data in files.items():
            if name.endswith((".yaml", ".json")):
                text = data.decode("utf-8")
                for port, server in servers.items():
                    text = text.replace(f"127.0.0.1:{port}", f"{server}.example")
                if name == "pulled.json":  # keyed by URL: sorted again once the ports are gone
                    text = json.dumps(json.loads(text), indent=1, sort_keys=True) + "\n"
                files[name] = text.encode("utf-8")
        return files


def _account(kind: str, username: str, name: str, avatar: tuple[str, bytes], stage: Any) -> Account:
    pem, key_id, clock = stage
    return Account(kind, pem, key_id, clock, username=username, display_name=name, avatar=avatar)


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    for name in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_PRIVATE_KEY_FILE", "SITE_GEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = make_site(tmp_path / "site", "https://alice.example")
    # The sample site's own conversation files are not this function's: start without any.
    shutil.rmtree(config.root / "conversations", ignore_errors=True)
    clock = StepClock(start_time())
    settings = settings_from_site(
        config, {"SITE_GEN_ADMIN_TOKEN": TOKEN},
        database_url=f"sqlite:///{tmp_path / 'state.sqlite3'}", allow_private_addresses=True,
    )  # fmt: skip
    app = create_app(
        settings,
        session_factory=lambda s: make_session(s.client, resolver=LoopbackOnly()),
        clock=clock,
    )
    ours = (public_key_pem(settings.private_key), config.urls.key_id, clock)
    accounts = (
        _account(
            "mastodon", "ana", "Ana \u202eLopez", ("image/jpeg", picture("JPEG", gps=True)), ours
        ),
        _account("gotosocial", "zork", "Zork", ("image/png", picture("PNG", (300, 400))), ours),
        _account("mastodon", "bob", "Bob", ("image/gif", picture("GIF", (200, 200))), ours),
    )
    fn_sock = bound_socket()
    servers = [ServerThread(a.app(), a.sock) for a in accounts] + [ServerThread(app, fn_sock)]
    for server in servers:
        server.__enter__()
    try:
        with httpx.Client(timeout=20) as http:
            url = f"http://127.0.0.1:{fn_sock.getsockname()[1]}"
            yield Stage(config, url, clock, http, *accounts)
    finally:
        for server in reversed(servers):
            server.__exit__(None, None, None)


class _Markup(HTMLParser):
    """Every tag and attribute of an HTML text, as a browser's tokenizer reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def assert_harmless(html_text: str) -> None:
    markup = _Markup()
    markup.feed(html_text)
    markup.close()
    assert markup.tags <= INCOMING_TAGS, markup.tags
    for tag, name, value in markup.attributes:
        assert (tag, name) in {("a", "href"), ("a", "rel"), ("a", "class"), ("span", "class")}
        if name == "href":
            assert value.startswith(("https://", "http://")), value
    assert not set(html_text) & BIDI_CONTROLS
    for word in ("alert", "script", "javascript", "style", "iframe", "svg", "onclick", "<img"):
        assert word not in html_text.lower(), word


def compare_with_golden(stage: Stage, name: str) -> None:
    found = stage.normalised()
    golden = GOLDEN / name
    if os.environ.get("SITE_GEN_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        for path, data in found.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_bytes(data)
    expected = {p.relative_to(golden).as_posix(): p.read_bytes()
                for p in sorted(golden.rglob("*")) if p.is_file()}  # fmt: skip
    assert sorted(found) == sorted(expected)
    different = [path for path in found if found[path] != expected[path]]
    assert different == [], f"differs from {golden}: {different}"


def assert_avatars_reencoded(stage: Stage, count: int) -> None:
    """Each copy: a 96 x 96 WebP without EXIF, ICC or XMP, named by its own bytes."""
    from PIL import Image

    copies = sorted((stage.site / "conversations" / "media").iterdir())
    assert len(copies) == count
    for path in copies:
        data = path.read_bytes()
        assert path.name == hashlib.sha256(data).hexdigest()[:32] + ".webp"
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, image.size) == ("WEBP", (96, 96))
            assert not set(image.info) & {"exif", "icc_profile", "xmp"}, image.info
            assert len(image.getexif()) == 0
        assert b"Secret Camera" not in data
        assert b"Exif" not in data


def items_by_id(stage: Stage, slug: str) -> dict[str, Any]:
    path = conversation_path(stage.site, slug)
    return {item.id: item for item in load_conversation_file(path).items}


def function_states(stage: Stage) -> dict[str, str]:
    """id -> state, read from `conversations list` (two lines per interaction)."""
    lines = stage.cli("conversations", "list").output.splitlines()
    states = {}
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        states[second.rsplit("  id ", 1)[1]] = first.split()[1]
    return states


def file_states(stage: Stage) -> dict[str, str]:
    found = {}
    for slug in ("hello-fediverse", "spring-garden"):
        found.update({i: item.status for i, item in items_by_id(stage, slug).items()})
    return found


def set_status(stage: Stage, slug: str, item_id: str, status: str) -> None:
    """Edit the `status:` line of one item, as the owner does in a pull request."""
    path = conversation_path(stage.site, slug)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = lines.index(f"- id: {item_id}\n")
    at = next(i for i in range(start, len(lines)) if lines[i].startswith("  status: "))
    lines[at] = f"  status: {status}\n"
    path.write_text("".join(lines), encoding="utf-8")


def snapshot(stage: Stage) -> dict[str, tuple[bytes, int]]:
    folder = stage.site / "conversations"
    return {p.as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def converse(stage: Stage) -> dict[str, str]:
    """Replies, likes and boosts from the three accounts; the ids the test follows."""
    hello, garden = stage.post("hello-fediverse"), stage.post("spring-garden")
    ana, zork, bob = stage.ana, stage.zork, stage.bob
    at = "2026-01-15T08:{:02d}:00Z".format
    stage.send(ana, ana.reply(101, hello, HOSTILE, published=at(1), sensitive=True,
                              summary="Spoilers \u202eahead <b>now</b>"))  # fmt: skip
    stage.send(zork, zork.reply(201, hello, "<p>Tulips already?</p>", published=at(2)))
    stage.send(zork, zork.reply(202, hello, "<p>Oops, wrong post.</p>", published=at(3)))
    stage.send(bob, bob.reply(301, hello, "<p>Cheap watches here</p>", published=at(4)))
    stage.send(ana, ana.reply(102, zork.status(201), "<p>Yes, in March!</p>", published=at(5)))
    stage.send(ana, ana.reply(103, garden, "<p>What a garden.</p>", published=at(6)))
    likes = {account.username: account.like(1, hello) for account in (ana, zork, bob)}
    for number, account in enumerate((ana, zork, bob)):
        stage.send(account, likes[account.username])
        stage.send(account, account.announce(110 + number, hello, at(10 + number)))
    return {
        "hostile": ana.status(101), "approve": zork.status(201), "deleted": zork.status(202),
        "blocked": bob.status(301), "thread": ana.status(102), "garden": ana.status(103),
        "undone": likes["ana"]["id"], "kept like": likes["zork"]["id"],
    }  # fmt: skip


def test_pull_moderate_push_on_a_live_function(stage: Stage) -> None:
    assert "First publish" in stage.cli("publish", "--drain-for", "0").output
    ids = converse(stage)
    first = stage.pull()
    assert first.startswith("12 new (6 replies, 3 likes, 3 boosts), 3 images copied."), first
    hello = items_by_id(stage, "hello-fediverse")
    assert len(hello) == 11
    assert {ids["deleted"], ids["blocked"], ids["undone"], ids["thread"]} <= set(hello)
    assert hello[ids["thread"]].in_reply_to == ids["approve"]  # a thread under our post
    assert set(items_by_id(stage, "spring-garden")) == {ids["garden"]}
    assert_avatars_reencoded(stage, 3)

    # The GoToSocial author deletes a reply, Ana undoes her Like, the owner blocks Bob.
    stage.send(stage.zork, stage.zork.delete(ids["deleted"]))
    stage.send(stage.ana, stage.ana.undo(stage.ana.like(1, stage.post("hello-fediverse"))))
    stage.cli("blocks", "add", stage.bob.id, "--yes")
    second = stage.pull()
    assert second.startswith("5 removed."), second
    compare_with_golden(stage, "after-removals")
    hello = items_by_id(stage, "hello-fediverse")
    assert not {ids["deleted"], ids["blocked"], ids["undone"]} & set(hello)
    assert all(item.author.id != stage.bob.id for item in hello.values())
    assert ids["kept like"] in hello
    assert_avatars_reencoded(stage, 2)  # Bob's copy went with what he said
    hostile = hello[ids["hostile"]]
    assert hostile.content is not None
    assert "Lovely" in hostile.content
    assert_harmless(hostile.content)
    assert hostile.summary == "Spoilers ahead now"
    text = conversation_path(stage.site, "hello-fediverse").read_text("utf-8")
    assert not set(text) & BIDI_CONTROLS
    assert [a.avatar_fetches for a in (stage.ana, stage.zork, stage.bob)] == [1, 1, 1]

    moderate_and_push(stage, ids)


def moderate_and_push(stage: Stage, ids: dict[str, str]) -> None:
    """Approve with the CLI, reject by editing the file and pushing: function and files agree,
    and a pull after that changes nothing."""
    approved = stage.cli("conversations", "approve", ids["approve"]).output
    assert approved.strip() == f"approved {ids['approve']}"
    set_status(stage, "hello-fediverse", ids["hostile"], "rejected")
    assert stage.cli("conversations", "push").output.strip() == "rejected 1"
    synced = stage.pull()
    assert synced.startswith("1 updated."), synced  # the approval made on the function
    compare_with_golden(stage, "after-moderation")
    states = file_states(stage)
    assert states[ids["approve"]] == "approved"
    assert states[ids["hostile"]] == "rejected"
    # `conversations list` and the repository agree: neither shows the blocked account.
    assert function_states(stage) == states
    before = snapshot(stage)
    again = stage.pull()
    assert again.startswith("No changes"), again
    assert snapshot(stage) == before  # not one byte, not one file touched
    assert stage.cli("conversations", "push").output.startswith("Nothing to push")
