"""`site-gen serve` and a conversation naming a picture that is not in conversations/media/:
it stops naming the file and line, or with `--allow-missing-media` serves the reply without
the picture and says so, as `site-gen build` does."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from site_core.errors import ConfigError
from site_gen.config import load_config
from site_gen.conversations.data_files import (
    Author,
    ConversationFile,
    ConversationItem,
    write_conversation_file,
)
from site_gen.serve import PreviewServer

REPLY_TEXT = "A reply whose avatar was never copied"


@pytest.fixture
def talking_site(site: Path) -> Path:
    """The init site's post 'hello' with one approved reply whose avatar file is missing."""
    ana = Author(
        id="https://remote.example/users/ana",
        name="Ana",
        handle="@ana@remote.example",
        avatar="media/0123456789abcdef.webp",
    )
    reply = ConversationItem(
        id="https://remote.example/users/ana/statuses/1",
        kind="reply",
        status="approved",
        received=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
        author=ana,
        in_reply_to="http://localhost:8000/ap/posts/hello",
        content=f"<p>{REPLY_TEXT}</p>",
    )
    write_conversation_file(site, ConversationFile("hello", (reply,)))
    return site


def _avatar_line(site: Path) -> int:
    lines = (site / "conversations" / "hello.yaml").read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if "avatar:" in line)


def test_without_the_option_the_preview_stops_naming_file_and_line(talking_site: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        PreviewServer(load_config(talking_site), port=0, function=False, watch=False, env={})
    assert raised.value.path is not None
    assert raised.value.path.name == "hello.yaml"
    assert raised.value.line == _avatar_line(talking_site)
    assert "0123456789abcdef.webp not found" in str(raised.value)


def test_with_the_option_the_reply_is_served_without_its_picture(talking_site: Path) -> None:
    messages: list[str] = []
    server = PreviewServer(
        load_config(talking_site),
        port=0,
        function=False,
        watch=False,
        env={},
        report=messages.append,
        allow_missing_media=True,
    )
    server.start()
    try:
        page = httpx.get(f"{server.url}/posts/hello/", timeout=10)
    finally:
        server.stop()
    assert page.status_code == 200
    assert REPLY_TEXT in page.text
    assert "0123456789abcdef" not in page.text
    (warning,) = [m for m in messages if "0123456789abcdef.webp" in m]
    assert f"hello.yaml:{_avatar_line(talking_site)}:" in warning
    assert warning.startswith("warning: ")
    assert "shown without it" in warning


def _serve(site: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from site_gen.cli import main; main()", "serve"]
    command += ["--site", str(site), "--port", "0", "--no-watch", "--no-function", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _get_when_up(url: str) -> httpx.Response:
    """The page, once the server answers (the socket is bound before 'Serving')."""
    for _ in range(100):  # bounded
        try:
            return httpx.get(url, timeout=2)
        except httpx.ConnectError:
            time.sleep(0.05)
    return httpx.get(url, timeout=2)


def test_the_command_passes_the_option_to_the_build(talking_site: Path) -> None:
    refused = _serve(talking_site)
    _out, err = refused.communicate(timeout=60)
    assert refused.returncode != 0
    assert f"hello.yaml:{_avatar_line(talking_site)}" in err
    assert "not found" in err

    with _serve(talking_site, "--allow-missing-media") as process:
        try:
            lines = _lines_until_serving(process)
            assert any("0123456789abcdef.webp" in line and "warning" in line for line in lines)
            page = _get_when_up(lines[-1].split()[1] + "posts/hello/")
            assert page.status_code == 200
            assert REPLY_TEXT in page.text
        finally:
            _stop(process)
    assert process.returncode == 0


def _lines_until_serving(process: subprocess.Popen[str]) -> list[str]:
    """What the command prints up to its 'Serving <url>' line (bounded in time)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lines and lines[-1].startswith("Serving")):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    assert lines, "the command printed nothing"
    assert lines[-1].startswith("Serving "), lines
    return lines


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
