"""`site-gen conversations pull` and `push` against a real function on 127.0.0.1.

Remote accounts of the tests' own sign replies, likes and boosts to the live function (SQLite
and PostgreSQL); their avatars and attached pictures are PNGs on a loopback server. The CLI
reaches the function over its admin API and, directly, on its database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sync_harness import (
    ADMIN_TOKEN,
    FakeFediverse,
    PictureActor,
    Pictures,
    RunningFunction,
    add_actor,
    database,
    publish_post,
    start_function,
)

from site_core.keys import generate_private_key
from site_gen.cli import cli
from site_gen.conversations.data_files import (
    ConversationFile,
    conversation_path,
    load_conversation_file,
)

POST = "https://alice.example/ap/posts/hello"
SECOND = "https://alice.example/ap/posts/second"


@pytest.fixture(scope="module")
def fediverse() -> Iterator[FakeFediverse]:
    with FakeFediverse() as server:
        yield server


@pytest.fixture(scope="module")
def pictures() -> Iterator[Pictures]:
    with Pictures().running() as server:
        yield server


@pytest.fixture(scope="module")
def our_key() -> Any:
    return generate_private_key()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fn(request: pytest.FixtureRequest, tmp_path: Path, our_key: Any) -> Iterator[RunningFunction]:
    with database(request.param, tmp_path) as url, start_function(url, our_key) as running:
        publish_post(running.store, POST)
        publish_post(running.store, SECOND)
        yield running


def make_site(folder: Path) -> Path:
    folder.mkdir()
    (folder / "site.yaml").write_text(
        "base_url: https://alice.example\nusername: alice\ndisplay_name: Alice\n"
    )
    return folder


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


def run(site: Path, fn: RunningFunction, command: str, *extra: str, where: str = "api") -> Result:
    place = ["--function-url", fn.url] if where == "api" else ["--database", fn.database_url]
    args = ["conversations", command, "--site", str(site), *place, *extra]
    if command == "pull":
        args.append("--allow-private-addresses")  # the pictures live on 127.0.0.1
    return CliRunner().invoke(cli, args, env={"SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN})


def snapshot(site: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under conversations/: its bytes and its modification time."""
    folder = site / "conversations"
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def contents(site: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _) in snapshot(site).items()}


def media_files(site: Path) -> set[str]:
    folder = site / "conversations" / "media"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def reply(fn: RunningFunction, actor: PictureActor, post: str, name: str, **extra: Any) -> str:
    note = {"id": f"{actor.id}/notes/{name}", "type": "Note", "attributedTo": actor.id,
            "inReplyTo": post, "content": f"<p>{name} from {actor.name}</p>", **extra}  # fmt: skip
    fn.send(actor, actor.activity("Create", note))
    return str(note["id"])


def react(fn: RunningFunction, actor: PictureActor, kind: str, post: str) -> dict[str, Any]:
    activity = actor.activity(kind, post)
    fn.send(actor, activity)
    return activity


def conversation(site: Path, slug: str) -> ConversationFile:
    return load_conversation_file(conversation_path(site, slug))


def by_id(site: Path, slug: str) -> dict[str, Any]:
    return {item.id: item for item in conversation(site, slug).items}


def set_status(site: Path, slug: str, item_id: str, status: str) -> None:
    """Edit the `status:` line of one item, as the owner does in a pull request."""
    path = conversation_path(site, slug)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = lines.index(f"- id: {item_id}\n")
    at = next(i for i in range(start, len(lines)) if lines[i].startswith("  status: "))
    lines[at] = f"  status: {status}\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize("where", ["api", "database"])
def test_pull_mirrors_then_removes_deleted_and_blocked(
    fn: RunningFunction, fediverse: FakeFediverse, pictures: Pictures, site: Path, where: str
) -> None:
    tag = f"{where}-{os.urandom(3).hex()}"
    fan = add_actor(fediverse, "talk.test", f"fan{tag}", pictures.add(f"fan{tag}", (200, 0, 0)))
    pal = add_actor(fediverse, "pal.test", f"pal{tag}", pictures.add(f"pal{tag}", (0, 200, 0)))
    troll = add_actor(fediverse, "troll.test", f"tr{tag}", pictures.add(f"tr{tag}", (0, 0, 200)))
    photo = pictures.add(f"photo{tag}", (9, 9, 9))
    attachment = {"type": "Document", "mediaType": "image/png", "url": photo, "name": "A bike"}
    kind_words = reply(fn, fan, POST, "1", attachment=[attachment])
    like = react(fn, fan, "Like", POST)
    boost = react(fn, pal, "Announce", POST)
    elsewhere = reply(fn, pal, SECOND, "2")
    rude = reply(fn, troll, POST, "3")

    first = run(site, fn, "pull", where=where)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("5 new (3 replies, 1 like, 1 boost), 4 images copied."), (
        first.output
    )
    hello = by_id(site, "hello")
    assert set(hello) == {kind_words, like["id"], boost["id"], rude}
    assert set(by_id(site, "second")) == {elsewhere}
    assert {item.status for item in hello.values()} == {"pending"}
    assert hello[boost["id"]].kind == "boost"
    words = hello[kind_words]
    assert words.author.id == fan.id
    assert words.author.name == fan.name.title()
    assert words.author.avatar is not None
    assert words.content == "<p>1 from " + fan.name + "</p>"
    (copied,) = words.attachments
    assert (copied.url, copied.alt, copied.width, copied.height) == (photo, "A bike", 120, 80)
    assert copied.file is not None
    assert (site / "conversations" / copied.file).is_file()
    assert len(media_files(site)) == 4
    assert (site / "conversations" / "pulled.json").is_file()

    before = snapshot(site)
    again = run(site, fn, "pull", "--json", where=where)
    assert again.exit_code == 0, again.output
    assert '"changed": false' in again.output
    assert snapshot(site) == before  # not one byte, not one file touched

    # The author deletes the reply with the picture; the owner blocks the troll.
    fn.send(fan, fan.activity("Delete", {"id": kind_words, "type": "Tombstone"}))
    assert fn.admin("POST", "/blocks", json={"target": troll.id, "comment": ""}).status_code < 300
    third = run(site, fn, "pull", "--verbose", where=where)
    assert third.exit_code == 0, third.output
    assert third.output.splitlines()[:2] == ["2 removed.", "  hello: 2 removed"], third.output
    assert set(by_id(site, "hello")) == {like["id"], boost["id"]}
    assert copied.file.rsplit("/", 1)[-1] not in media_files(site)  # the deleted picture: gone
    assert len(media_files(site)) == 2  # the avatars of fan (still likes) and pal
    assert "troll" not in (site / "conversations" / "hello.yaml").read_text("utf-8")
    assert all(pictures.fetched[name] == 1 for name in (f"fan{tag}", f"pal{tag}", f"photo{tag}"))


def test_push_sends_edited_statuses_and_pull_keeps_local_edits(
    fn: RunningFunction, fediverse: FakeFediverse, pictures: Pictures, site: Path
) -> None:
    fan = add_actor(fediverse, "push.test", f"fan{os.urandom(3).hex()}", None)
    first, second = reply(fn, fan, POST, "1"), reply(fn, fan, POST, "2")
    like = react(fn, fan, "Like", SECOND)["id"]
    assert run(site, fn, "pull").exit_code == 0
    set_status(site, "hello", first, "approved")
    set_status(site, "second", like, "rejected")

    # A pull before the push keeps the owner's decisions (the function still says pending).
    kept = run(site, fn, "pull")
    assert kept.exit_code == 0, kept.output
    assert by_id(site, "hello")[first].status == "approved"
    assert fn.store.get_interaction(first).state == "pending"
    # ... also when the item changed on the function meanwhile (the author edited it).
    edited = {"id": first, "type": "Note", "attributedTo": fan.id, "inReplyTo": POST,
              "content": "<p>edited</p>"}  # fmt: skip
    fn.send(fan, fan.activity("Update", edited))
    updated = run(site, fn, "pull")
    assert updated.output.startswith("1 updated."), updated.output
    assert by_id(site, "hello")[first].content == "<p>edited</p>"
    assert by_id(site, "hello")[first].status == "approved"

    pushed = run(site, fn, "push")
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.strip() == "approved 1, rejected 1"
    assert fn.store.get_interaction(first).state == "approved"
    assert fn.store.get_interaction(like).state == "rejected"
    assert fn.store.get_interaction(second).state == "pending"

    files = contents(site)
    after = run(site, fn, "pull")
    assert after.exit_code == 0, after.output
    assert after.output.startswith("No changes"), after.output
    assert {k: v for k, v in contents(site).items() if k != "pulled.json"} == {
        k: v for k, v in files.items() if k != "pulled.json"
    }
    before = snapshot(site)
    assert run(site, fn, "pull").output.startswith("No changes")
    assert snapshot(site) == before
    assert run(site, fn, "push").output.strip().startswith("Nothing to push")


def test_push_reports_items_gone_and_stops_on_a_bad_file(
    fn: RunningFunction, fediverse: FakeFediverse, site: Path
) -> None:
    fan = add_actor(fediverse, "gone.test", f"fan{os.urandom(3).hex()}", None)
    first, second = reply(fn, fan, POST, "1"), reply(fn, fan, POST, "2")
    assert run(site, fn, "pull").exit_code == 0
    set_status(site, "hello", first, "approved")
    set_status(site, "hello", second, "rejected")
    fn.send(fan, fan.activity("Delete", second))
    pushed = run(site, fn, "push", "--database", fn.database_url)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.strip() == "approved 1, 1 no longer on the function"

    path = conversation_path(site, "hello")
    text = path.read_text("utf-8")
    set_status(site, "hello", first, "maybe")
    line = path.read_text("utf-8").splitlines().index("  status: maybe") + 1
    refused = run(site, fn, "push")
    assert refused.exit_code == 1
    assert f"hello.yaml:{line}:" in refused.output, refused.output
    assert fn.store.get_interaction(first).state == "approved"  # nothing was sent
    path.write_text(text, encoding="utf-8")


def test_push_without_conversations_needs_no_function(tmp_path: Path) -> None:
    site = make_site(tmp_path / "plain")
    done = CliRunner().invoke(cli, ["conversations", "push", "--site", str(site)], env={})
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Nothing to push")


def test_a_crash_before_pulled_json_then_a_pull_equals_one_clean_pull(
    fn: RunningFunction,
    fediverse: FakeFediverse,
    pictures: Pictures,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from site_gen.conversations import pull as pull_module

    tag = os.urandom(3).hex()
    fan = add_actor(fediverse, "crash.test", f"fan{tag}", pictures.add(f"crash{tag}", (1, 2, 3)))
    for number in range(3):
        reply(fn, fan, POST, f"h{number}")
        reply(fn, fan, SECOND, f"s{number}")
    react(fn, fan, "Like", POST)
    crashed, clean = make_site(tmp_path / "crashed"), make_site(tmp_path / "clean")
    real_writer = pull_module.write_conversation_file
    written: list[str] = []

    def writer_that_dies(site_dir: Path, conversation: ConversationFile) -> bool:
        if written:
            raise RuntimeError("the machine went down")
        written.append(conversation.post)
        return real_writer(site_dir, conversation)

    monkeypatch.setattr(pull_module, "write_conversation_file", writer_that_dies)
    died = run(crashed, fn, "pull")
    assert isinstance(died.exception, RuntimeError)
    assert written == ["hello"]
    assert not (crashed / "conversations" / "pulled.json").exists()
    monkeypatch.setattr(pull_module, "write_conversation_file", real_writer)

    redone = run(crashed, fn, "pull")
    assert redone.exit_code == 0, redone.output
    assert run(clean, fn, "pull").exit_code == 0
    assert contents(crashed) == contents(clean)
    assert len(conversation(crashed, "hello").items) == 4  # no duplicate
