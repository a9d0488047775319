"""The conversation data files: a valid one round-trips byte for byte; a hostile or mistyped
one stops with the file, the line and the reason; nothing in one can reach a page unsanitized."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from site_core.errors import ConfigError
from site_core.incoming_html import BIDI_CONTROLS
from site_gen.conversations.data_files import (
    Author,
    ConversationFile,
    ConversationItem,
    conversation_path,
    load_conversation_file,
    load_conversations,
    render_conversation_file,
    write_conversation_file,
)

FILES = Path(__file__).resolve().parent / "conversation_files"
NAME = "hello-fediverse.yaml"
VALID = (FILES / NAME).read_text("utf-8")
AVATAR = "media/5b0f3bd4a5d1e02a1c1b7bde6d5a0c11.webp"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A site's conversations/ folder holding the valid file and its media."""
    target = tmp_path / "conversations"
    shutil.copytree(FILES, target)
    return target


def _error(folder: Path, text: str, name: str = NAME) -> str:
    (folder / name).write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_conversation_file(folder / name)
    return str(caught.value).replace(f"{folder}/", "")


def _line(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.split("\n"), 1) if needle in line]
    return lines[occurrence - 1]


def test_a_valid_file_loads_and_renders_back_byte_for_byte(folder: Path) -> None:
    conversation = load_conversation_file(folder / NAME)
    assert render_conversation_file(conversation) == VALID
    assert [item.kind for item in conversation.items] == ["reply", "like", "boost"]
    reply = conversation.items[0]
    assert reply.author.avatar == AVATAR
    assert reply.published == datetime(2024, 3, 2, 9, 59, 30, 250000, tzinfo=UTC)
    assert reply.attachments[1].file is None
    # Written again, the file is unchanged and reported so.
    assert write_conversation_file(folder.parent, conversation) is False
    assert load_conversations(folder.parent) == {"hello-fediverse": conversation}


def test_written_files_are_sorted_and_an_empty_conversation_removes_its_file(
    tmp_path: Path,
) -> None:
    def item(number: int, second: int) -> ConversationItem:
        received = datetime(2024, 1, 1, 0, 0, second, tzinfo=UTC)
        author = Author(f"https://a.example/u/{number}")
        return ConversationItem(f"https://a.example/{number}", "like", "pending", received, author)

    conversation = ConversationFile("post", (item(2, 5), item(1, 5), item(3, 1)))
    assert write_conversation_file(tmp_path, conversation) is True
    loaded = load_conversation_file(conversation_path(tmp_path, "post"))
    assert [i.id.rsplit("/", 1)[1] for i in loaded.items] == ["3", "1", "2"]
    assert write_conversation_file(tmp_path, ConversationFile("post", ())) is True
    assert not conversation_path(tmp_path, "post").exists()
    assert write_conversation_file(tmp_path, ConversationFile("post", ())) is False
    assert load_conversations(tmp_path / "elsewhere") == {}


CASES = {
    "wrong status": (
        ("  status: approved", "  status: aproved"),
        "  status: aproved",
        "'status' must be pending, approved or rejected, not 'aproved' (did you mean approved?)",
    ),
    "the function's kind": (
        ("  kind: boost", "  kind: announce"),
        "  kind: announce",
        "'kind' must be reply, like or boost, not 'announce'",
    ),
    "unknown key": (
        ("  language: en", "  langauge: en"),
        "langauge",
        "unknown key 'langauge' (did you mean 'language'?)",
    ),
    "unknown author key": (
        ("    name: Ana", "    nmae: Ana"),
        "nmae",
        "unknown key 'author.nmae' (did you mean 'author.name'?)",
    ),
    "avatar up and out": (
        (f"    avatar: {AVATAR}", "    avatar: media/../../site.yaml"),
        "avatar: media/../",
        "'author.avatar' must name a file of conversations/media/ as media/<name>, "
        "not 'media/../../site.yaml'",
    ),
    "absolute file": (
        (f"    file: {AVATAR}", "    file: /etc/passwd"),
        "file: /etc",
        "'attachments.file' must name a file of conversations/media/ as media/<name>, "
        "not '/etc/passwd'",
    ),
    "another folder": (
        (f"    file: {AVATAR}", "    file: static/cat.webp"),
        "file: static",
        "'attachments.file' must name a file of conversations/media/",
    ),
    "missing media": (
        (f"    avatar: {AVATAR}", "    avatar: media/missing.webp"),
        "avatar: media/missing",
        "'author.avatar': media/missing.webp not found in conversations/media/",
    ),
    "javascript id": (
        ("- id: https://social.example/users/ana/statuses/1", "- id: javascript:alert(1)"),
        "javascript:",
        "'id' must be an http(s) URL, not 'javascript:alert(1)'",
    ),
    "javascript profile": (
        ("    url: https://social.example/@ana", "    url: javascript:alert(1)"),
        "javascript:",
        "'author.url' must be an http(s) URL",
    ),
    "duplicate id": (
        (
            "- id: https://other.example/activities/9",
            "- id: https://social.example/users/bo#likes/1",
        ),
        "- id: https://social.example/users/bo#likes/1|2",
        "duplicate id https://social.example/users/bo#likes/1 (first on line 38)",
    ),
    "wrong flag": (
        ("  sensitive: true", "  sensitive: maybe"),
        "sensitive: maybe",
        "'sensitive' must be true or false",
    ),
    "negative size": (
        ("    width: 96", "    width: -96"),
        "width: -96",
        "'attachments.width' must be a whole number of pixels, from 1 to 999999",
    ),
    "time without zone": (
        ("  updated: 2024-03-02T11:00:00Z", "  updated: 2024-03-02T11:00:00"),
        "updated:",
        "'updated' must say its time zone: a time such as 2024-05-01T10:00:00Z",
    ),
    "not a time": (
        ("  updated: 2024-03-02T11:00:00Z", "  updated: yesterday"),
        "updated:",
        "'updated' must be a time such as 2024-05-01T10:00:00Z",
    ),
    "name as a mapping": (
        ("    name: 'yes'", "    name: {first: Cy}"),
        "name: {first",
        "'author.name' must be text (put it in quotes)",
    ),
    "key twice": (
        ("  status: rejected", "  status: rejected\n  status: approved"),
        "  status: approved|2",
        "key 'status' appears twice (first on line 46)",
    ),
    "missing status": (
        ("  status: pending\n", ""),
        "- id: https://social.example/users/bo",
        "an item needs 'status'",
    ),
    "post of another file": (
        ("post: hello-fediverse", "post: spring-garden"),
        "post: spring",
        "'post: spring-garden' does not match the file name hello-fediverse.yaml",
    ),
    "python tag": (
        ("    name: Ana", "    name: !!python/object:os.system ls"),
        "!!python",
        "'author.name' must be text (put it in quotes)",
    ),
    "tab": (
        ("  kind: like", "\tkind: like"),
        "\tkind",
        "not valid YAML at column 1: a tab is used for indentation",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_stops_with_its_line_and_reason(folder: Path, case: str) -> None:
    (old, new), needle, reason = CASES[case]
    assert VALID.count(old) >= 1
    text = VALID.replace(old, new, 1)
    needle, _, occurrence = needle.partition("|")
    line = _line(text, needle, int(occurrence or 1))
    assert f"{NAME}:{line}: {reason}" in _error(folder, text)


def test_an_alias_bomb_is_refused_without_expanding(folder: Path) -> None:
    levels = ["  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"  - &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    text = VALID.replace(
        "  language: en\n", "  language: en\n  summary:\n" + "\n".join(levels) + "\n", 1
    )
    text = text.replace("  summary: 'Spoilers: the ending'\n", "")
    started = time.perf_counter()
    message = _error(folder, text)
    # 9**10 nodes if expanded: hours, not seconds; the bound is loose so load cannot flake it.
    assert time.perf_counter() - started < 30
    assert message.startswith(f"{NAME}:{_line(text, '- &l0')}: 'summary' must be text")


def test_an_alias_is_refused_at_the_alias(folder: Path) -> None:
    text = VALID.replace("  language: en", "  language: &lang en", 1)
    text = text.replace("    alt: Not copied", "    alt: *lang", 1)
    message = _error(folder, text)
    line = _line(text, "*lang")
    assert message.startswith(f"{NAME}:{line}: an alias (*lang) repeats an earlier value")


def test_a_repeated_mapping_through_an_alias_is_refused(folder: Path) -> None:
    text = VALID.replace(
        "  author:\n    id: https://social.example/users/bo\n",
        "  author: *ana\n",
    ).replace(
        "  author:\n    id: https://social.example/users/ana\n",
        "  author: &ana\n    id: https://social.example/users/ana\n",
    )
    message = _error(folder, text)
    assert message.startswith(f"{NAME}:{_line(text, '*ana')}: an alias (*ana)")


def test_not_a_mapping_not_utf8_and_empty(folder: Path) -> None:
    assert _error(folder, "- a\n- b\n").startswith(f"{NAME}:1: the file must be a mapping")
    assert _error(folder, "").startswith(f"{NAME}:1: empty")
    (folder / NAME).write_bytes(b"post: hello-fediverse\nitems:\n- id: \xff\n")
    with pytest.raises(ConfigError, match=r"hello-fediverse.yaml:3: not UTF-8"):
        load_conversation_file(folder / NAME)


HOSTILE_CONTENT = """\
    <p onclick="steal()" style="color:red">Hi<script>alert(1)</script></p>
    <p><a href="javascript:alert(1)">click</a> <iframe src="https://evil.example/"></iframe></p>
    <p>\u202eevil\u202c <img src=x onerror=alert(1)><svg><script>x</script></svg></p>"""


def test_content_and_texts_are_sanitized_again_on_load(folder: Path) -> None:
    text = VALID.replace(
        "    name: Ana\n", "    name: '<b>Ana</b>\u202e\u2066 <script>x</script>'\n"
    ).replace("  summary: 'Spoilers: the ending'", "  summary: '<i>CW</i> \u202e&lt;b&gt;'")
    start = text.index("  content: |-\n") + len("  content: |-\n")
    end = text.index("- id: https://social.example/users/bo")
    text = text[:start] + HOSTILE_CONTENT + "\n" + text[end:]
    (folder / NAME).write_text(text, "utf-8")
    reply = load_conversation_file(folder / NAME).items[0]
    content = str(reply.content)
    for forbidden in ("<script", "onclick", "style", "javascript:", "<iframe", "<img", "<svg"):
        assert forbidden not in content
    assert not BIDI_CONTROLS & set(content + str(reply.author.name) + str(reply.summary))
    assert reply.author.name == "Ana"
    assert reply.summary == "CW b"
    assert "<p>Hi</p>" in content


def test_many_files_load_whole(tmp_path: Path) -> None:
    """Every item of many files comes back (the speed is bench/conversations.py's)."""
    template = load_conversation_file(FILES / NAME)
    media = tmp_path / "conversations" / "media"
    shutil.copytree(FILES / "media", media)
    for number in range(100):
        items = tuple(
            ConversationItem(
                f"https://social.example/{number}/{n}",
                template.items[n % 3].kind,
                "pending",
                datetime(2024, 1, 1, tzinfo=UTC),
                template.items[0].author,
                content=template.items[0].content if n % 3 == 0 else None,
                attachments=template.items[0].attachments if n % 10 == 0 else (),
            )
            for n in range(20)
        )
        write_conversation_file(tmp_path, ConversationFile(f"post-{number}", items))
    loaded = load_conversations(tmp_path)
    assert sum(len(c.items) for c in loaded.values()) == 2_000
    assert len(loaded) == 100
