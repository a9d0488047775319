"""Builds that carry their index and manifest in memory (the preview): only the post files
the watcher names are stat'ed and read, the output equals a clean build, and a change is
forgotten only once a build has succeeded."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_core.errors import ContentError
from site_gen.build.build_memory import BuildMemory
from site_gen.build.pipeline import build_site
from site_gen.config import load_config


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def test_a_noted_edit_rebuilds_that_post_alone_and_equals_a_clean_build(
    sample_site: Path, tmp_path: Path
) -> None:
    config = load_config(sample_site)
    memory = BuildMemory()
    build_site(config, jobs=1, offline=True, memory=memory)
    edited = sample_site / "posts" / "2024-03-10-spring-garden.md"
    _append(edited, "\nSeen in the preview at once.\n")
    memory.note_changed([edited], config.posts_dir)
    written: list[bool] = []
    report = build_site(
        config, jobs=1, offline=True, memory=memory, on_written=lambda: written.append(True)
    )
    assert report.rendered == 1
    assert written == [True]
    assert report.output is not None
    assert "Seen in the preview at once." in (
        report.output / "posts/spring-garden/index.html"
    ).read_text("utf-8")
    clean = build_site(config, output=tmp_path / "clean", jobs=1, offline=True, clean=True)
    assert clean.output is not None
    assert _tree(clean.output) == _tree(report.output)


def test_only_the_noted_files_are_stat_ed_until_a_rescan(sample_site: Path) -> None:
    config = load_config(sample_site)
    memory = BuildMemory()
    build_site(config, jobs=1, offline=True, memory=memory)
    unnoted = sample_site / "posts" / "2024-03-10-spring-garden.md"
    _append(unnoted, "\nAn edit the watcher did not tell.\n")
    page = config.output_dir / "posts/spring-garden/index.html"

    assert build_site(config, jobs=1, offline=True, memory=memory).rendered == 0
    assert "did not tell" not in page.read_text("utf-8")
    memory.rescan()
    assert build_site(config, jobs=1, offline=True, memory=memory).rendered == 1
    assert "did not tell" in page.read_text("utf-8")


def test_a_change_that_stopped_a_build_is_read_again_by_the_next(sample_site: Path) -> None:
    config = load_config(sample_site)
    memory = BuildMemory()
    build_site(config, jobs=1, offline=True, memory=memory)
    broken = sample_site / "posts" / "broken.md"
    broken.write_text("---\ndate: [not a date\n---\nBody.\n", "utf-8")
    memory.note_changed([broken], config.posts_dir)
    with pytest.raises(ContentError):
        build_site(config, jobs=1, offline=True, memory=memory)

    other = sample_site / "posts" / "2024-03-10-spring-garden.md"
    _append(other, "\nAnother edit.\n")
    memory.note_changed([other], config.posts_dir)
    with pytest.raises(ContentError):  # broken.md is still among the changes
        build_site(config, jobs=1, offline=True, memory=memory)

    broken.unlink()
    memory.note_changed([broken], config.posts_dir)
    build_site(config, jobs=1, offline=True, memory=memory)
    page = config.output_dir / "posts/spring-garden/index.html"
    assert "Another edit." in page.read_text("utf-8")  # noted while a build failed


def test_a_change_outside_the_posts_folder_means_a_full_scan(sample_site: Path) -> None:
    config = load_config(sample_site)
    memory = BuildMemory()
    build_site(config, jobs=1, offline=True, memory=memory)
    edited = sample_site / "posts" / "2024-03-10-spring-garden.md"
    _append(edited, "\nFound by the scan.\n")
    memory.note_changed([config.posts_dir / "drafts" / "note.md"], config.posts_dir)
    assert build_site(config, jobs=1, offline=True, memory=memory).rendered == 1


def _set_line(path: Path, start: str, line: str) -> None:
    """Replace the front matter line starting with `start`."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(line + "\n" if old.startswith(start) else old for old in lines), "utf-8"
    )


def test_edits_one_after_another_each_equal_a_clean_build(
    sample_site: Path, tmp_path: Path
) -> None:
    """The remembered model and page plan (reused from the second build on) give exactly
    the output of a clean build: a body edit, the same post again, a new title, a new date
    (the order changes), a new post, a removed post, a post turned into a draft."""
    config = load_config(sample_site)
    posts = sample_site / "posts"
    memory = BuildMemory()
    build_site(config, jobs=1, offline=True, drafts=True, memory=memory)
    spring, plans = posts / "2024-03-10-spring-garden.md", posts / "2024-05-01-summer-plans.md"
    new_post = posts / "2024-06-01-new.md"
    edits = [
        lambda: _append(spring, "\nA first edit.\n"),
        lambda: _append(spring, "\nA second edit.\n"),
        lambda: _set_line(plans, "title:", "title: Plans for the summer, revised"),
        lambda: _set_line(plans, "date:", "date: 2024-02-01"),
        lambda: new_post.write_text("---\ntitle: New\ndate: 2024-06-01\n---\nNew.\n", "utf-8"),
        lambda: (posts / "2024-04-12-thanks-carol.md").unlink(),
        lambda: _set_line(spring, "title:", "title: Tulips\ndraft: true"),
    ]
    changed = [spring, spring, plans, plans, new_post, posts / "2024-04-12-thanks-carol.md"]
    for number, (edit, path) in enumerate(zip(edits, [*changed, spring], strict=True)):
        edit()
        memory.note_changed([path], config.posts_dir)
        report = build_site(config, jobs=1, offline=True, drafts=True, memory=memory)
        assert report.output is not None
        clean_folder = tmp_path / f"clean-{number}"
        clean = build_site(
            config, output=clean_folder, jobs=1, offline=True, drafts=True, clean=True
        )
        assert clean.output is not None
        assert _tree(clean.output) == _tree(report.output), f"edit {number}"
