"""How a build creates its files: the same bytes and permissions as `open()` would give, and
work spread evenly over the workers of a small build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_core.errors import OutputError
from site_gen.build.post_rendering import _chunks
from site_gen.build.writer import stage_file, write_new_file


def test_a_new_file_gets_the_bytes_and_the_mode_open_gives(tmp_path: Path) -> None:
    reference = tmp_path / "reference.html"
    reference.write_bytes(b"x")
    target = tmp_path / "posts" / "first" / "index.html"
    write_new_file(str(target), b"<p>one</p>\n" * 10_000)
    assert target.read_bytes() == b"<p>one</p>\n" * 10_000
    assert target.stat().st_mode == reference.stat().st_mode
    assert target.parent.stat().st_mode == (tmp_path / "posts").stat().st_mode


def test_a_folder_removed_after_it_was_made_is_made_again(tmp_path: Path) -> None:
    write_new_file(str(tmp_path / "staging" / "tags" / "a.html"), b"a")
    shutil.rmtree(tmp_path / "staging")  # the staging folder of an earlier build, swapped away
    write_new_file(str(tmp_path / "staging" / "tags" / "b.html"), b"b")
    assert (tmp_path / "staging" / "tags" / "b.html").read_bytes() == b"b"


@pytest.mark.parametrize("path", ["", "/etc/passwd", "../out.html", "a/../../b", "a\\b"])
def test_no_file_is_written_outside_the_staging_folder(tmp_path: Path, path: str) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        stage_file(tmp_path, path, b"x", None)
    assert list(tmp_path.iterdir()) == []


def test_unchanged_bytes_are_not_written_again(tmp_path: Path) -> None:
    digest, written = stage_file(tmp_path, "a/index.html", b"same", None)
    assert written
    assert (tmp_path / "a" / "index.html").read_bytes() == b"same"
    (tmp_path / "a" / "index.html").unlink()
    assert stage_file(tmp_path, "a/index.html", b"same", digest) == (digest, False)
    assert not (tmp_path / "a" / "index.html").exists()


def test_a_small_build_gives_each_worker_several_chunks() -> None:
    posts = list(range(100))
    chunks = _chunks(posts, 40, workers=2)
    assert [item for chunk in chunks for item in chunk] == posts
    assert len(chunks) >= 8
    assert max(len(chunk) for chunk in chunks) <= 13
    assert [len(chunk) for chunk in _chunks(list(range(10_000)), 40, workers=2)] == [40] * 250
    assert [len(chunk) for chunk in _chunks(posts, 40)] == [40, 40, 20]  # in-process
