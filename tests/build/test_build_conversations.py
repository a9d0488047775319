"""The build reads conversations/ once: a bad file stops it with file, line and reason; a
file with nothing approved changes no byte of the output, and an edit re-renders only its
post and the listings that show its reply count."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_core.errors import ConfigError
from site_gen.build.pipeline import build_site, check_site
from site_gen.build.previous_build import manifest_path
from site_gen.build.writer import Manifest
from site_gen.cli import cli
from site_gen.config import load_config

FILES = Path(__file__).resolve().parent / "conversation_files"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _add_conversations(site: Path) -> Path:
    shutil.rmtree(site / "conversations", ignore_errors=True)  # the sample site's own
    shutil.copytree(FILES, site / "conversations")
    return site / "conversations" / "hello-fediverse.yaml"


def test_a_bad_file_stops_check_and_build_with_file_line_and_reason(sample_site: Path) -> None:
    path = _add_conversations(sample_site)
    path.write_text(path.read_text("utf-8").replace("status: pending", "status: maybe"), "utf-8")
    expected = (
        "conversations/hello-fediverse.yaml:40: 'status' must be pending, approved or rejected"
    )
    with pytest.raises(ConfigError) as caught:
        check_site(load_config(sample_site))
    assert expected in str(caught.value).replace(f"{sample_site}/", "")
    with pytest.raises(ConfigError):
        build_site(load_config(sample_site), jobs=1, offline=True)
    assert not (sample_site / "public").exists()
    result = CliRunner().invoke(cli, ["build", "--site", str(sample_site), "--offline"])
    assert result.exit_code == 1
    assert expected in result.output.replace(f"{sample_site}/", "")
    assert "Traceback" not in result.output


def test_nothing_approved_is_the_same_bytes_as_no_conversation(
    sample_site: Path, tmp_path: Path
) -> None:
    shutil.rmtree(sample_site / "conversations")
    without = build_site(load_config(sample_site), output=tmp_path / "a", jobs=1, offline=True)
    path = _add_conversations(sample_site)
    path.write_text(path.read_text("utf-8").replace("status: approved", "status: pending"))
    with_them = build_site(load_config(sample_site), output=tmp_path / "b", jobs=1, offline=True)
    assert _tree(with_them.output) == _tree(without.output)
    assert with_them.warnings == without.warnings


def test_a_file_for_a_post_not_built_is_a_warning(sample_site: Path) -> None:
    path = _add_conversations(sample_site)
    text = path.read_text("utf-8").replace("post: hello-fediverse", "post: gone-post")
    (path.parent / "gone-post.yaml").write_text(text, "utf-8")
    report = check_site(load_config(sample_site))
    assert (
        "conversations/gone-post.yaml: no post 'gone-post' is built; its conversation is not shown"
        in report.warnings
    )


def test_an_edited_conversation_changes_only_its_posts_page_hashes(sample_site: Path) -> None:
    shutil.rmtree(sample_site / "conversations")
    config = load_config(sample_site)
    first = build_site(config, jobs=1, offline=True)
    assert first.output is not None
    before = Manifest.load(manifest_path(config, first.output))
    path = _add_conversations(sample_site)
    build_site(config, jobs=1, offline=True)
    added = Manifest.load(manifest_path(config, first.output))
    path.write_text(path.read_text("utf-8").replace("status: pending", "status: approved"), "utf-8")
    build_site(config, jobs=1, offline=True)
    edited = Manifest.load(manifest_path(config, first.output))
    assert before is not None
    assert added is not None
    assert edited is not None
    collections = ("replies", "replies-pages", "likes", "shares", "contexts")
    post_paths = {
        "posts/hello-fediverse/index.html",
        "ap/posts/hello-fediverse",
        *(f"ap/{name}/hello-fediverse" for name in collections if name != "replies-pages"),
        "ap/replies-pages/hello-fediverse/1",
    }
    # Its reply count shows in the listings that list it (home, its tags, the archive).
    listings = {
        "index.html",
        "archive/index.html",
        "tags/introductions/index.html",
        "tags/fediverse/index.html",
        "tags/gardens/index.html",
        "conversations/media/5b0f3bd4a5d1e02a1c1b7bde6d5a0c11.webp",
    }

    def changed(old: Manifest, new: Manifest) -> set[str]:
        return {p for p, h in new.pages.items() if old.pages.get(p) != h}

    assert changed(before, added) == post_paths | listings
    # The like turns approved: only the post's own files (no count in a listing changes).
    assert changed(added, edited) == post_paths
    # Removing the folder gives back the hashes a site without conversations always had.
    shutil.rmtree(sample_site / "conversations")
    build_site(config, jobs=1, offline=True)
    removed = Manifest.load(manifest_path(config, first.output))
    assert removed is not None
    assert removed.pages == before.pages
