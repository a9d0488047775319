"""Incremental builds: unchanged sources are not read again, equal files are two posts,
and the outbox rendered page by page is the federation module's outbox."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from site_gen.build.outbox_pages import outbox_chunks, outbox_page, outbox_root
from site_gen.build.pipeline import build_site, fingerprint
from site_gen.config import load_config
from site_gen.federation.collections import build_outbox
from site_gen.federation.objects import published_posts


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_unchanged_sources_are_not_read_again(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    edited = sample_site / "posts" / "2024-03-10-spring-garden.md"
    edited.write_text(edited.read_text("utf-8") + "\nMore.\n", "utf-8")
    opened: list[str] = []
    original, original_open = Path.read_bytes, os.open

    def spy(self: Path) -> bytes:
        if self.suffix == ".md":
            opened.append(self.name)
        return original(self)

    def spy_open(path: str | Path, flags: int, *args: int, **kwargs: int) -> int:
        if str(path).endswith(".md"):  # sources are read with os.open (`read_source`)
            opened.append(Path(path).name)
        return original_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", spy)
    monkeypatch.setattr(os, "open", spy_open)
    report = build_site(config, jobs=1, offline=True)
    assert report.rendered == 1
    assert set(opened) == {edited.name}
    monkeypatch.undo()
    assert "More." in (report.output / "posts/spring-garden/index.html").read_text("utf-8")


def _forget_build_state(site: Path) -> None:
    """Remove every cache and manifest of earlier builds; the Ed25519 secret stays."""
    for path in (site / ".site-gen").iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.name != "ed25519-private-key.pem":
            path.unlink()


def test_two_files_with_the_same_bytes_are_two_posts(sample_site: Path, tmp_path: Path) -> None:
    text = "---\ndate: 2024-02-03\n---\nThe same words, twice.\n"
    (sample_site / "posts" / "twin-one.md").write_text(text, "utf-8")
    (sample_site / "posts" / "twin-two.md").write_text(text, "utf-8")
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    for slug in ("twin-one", "twin-two"):
        page = (report.output / "posts" / slug / "index.html").read_text("utf-8")
        assert "The same words, twice." in page
        assert f"/posts/{slug}/" in page
    _forget_build_state(sample_site)
    clean = build_site(load_config(sample_site), output=tmp_path / "clean", jobs=1, offline=True)
    assert _tree(clean.output) == _tree(report.output)


def test_outbox_pages_equal_build_outbox(sample_site: Path) -> None:
    from site_gen.content.reader import read_post

    config = load_config(sample_site)
    posts = [
        read_post(path, path.read_bytes(), config, {})
        for path in sorted((sample_site / "posts").glob("*.md"))
    ]
    visible = published_posts(posts)
    expected = build_outbox(posts, config)
    chunks = outbox_chunks(visible)
    ours = [(config.urls.outbox, outbox_root(len(visible), len(chunks), config))]
    ours += [
        (config.urls.outbox_page(n), outbox_page(n, len(chunks), len(visible), chunk, config))
        for n, chunk in enumerate(chunks, start=1)
    ]
    assert ours == expected


def test_source_index_keeps_changes_apart_and_loads_them(sample_site: Path) -> None:
    from site_gen.build.source_index import SourceIndex

    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    path = sample_site / ".site-gen" / "cache" / "sources.pickle"
    assert len(SourceIndex.load(path, fingerprint(config, False)).entries) == 8
    assert SourceIndex.load(path, "another configuration").entries == {}
    posts = sample_site / "posts"
    (posts / "2024-03-10-spring-garden.md").write_text("---\ndate: 2024-03-10\n---\nNew.\n")
    (posts / "2024-04-12-thanks-carol.md").unlink()
    edited = build_site(config, jobs=1, offline=True)
    assert edited.rendered == 1
    assert path.with_suffix(".changes").exists()  # only the changes were written
    again = build_site(config, jobs=1, offline=True)
    assert (again.rendered, again.written, again.removed) == (0, 0, 0)
    _forget_build_state(sample_site)
    clean = build_site(config, output=sample_site / "clean", jobs=1, offline=True)
    assert _tree(clean.output) == _tree(again.output)


def test_a_lost_post_cache_is_read_again_from_the_sources(
    sample_site: Path, tmp_path: Path
) -> None:
    """Pages that show posts fetch them from the post cache; a post the cache lost is
    rendered again from its source, and the output equals a clean build."""
    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    (sample_site / ".site-gen" / "cache" / "posts.sqlite3").unlink()
    edited = sample_site / "posts" / "2024-03-10-spring-garden.md"
    edited.write_text(edited.read_text("utf-8") + "\nMore.\n", "utf-8")
    report = build_site(config, jobs=1, offline=True)
    clean = build_site(
        load_config(sample_site), output=tmp_path / "clean", jobs=1, offline=True, clean=True
    )
    assert _tree(clean.output) == _tree(report.output)


def test_no_change_rebuilds_keep_every_page_hash(sample_site: Path) -> None:
    """Kept pages stay in the manifest, so a second no-change rebuild keeps them too (and
    writes no new manifest) instead of rendering the site pages every other time."""
    from site_gen.build.previous_build import manifest_path
    from site_gen.build.writer import Manifest

    config = load_config(sample_site)
    first = build_site(config, jobs=1, offline=True)
    path = manifest_path(config, first.output)
    after_first = Manifest.load(path)
    build_site(config, jobs=1, offline=True)
    after_second = Manifest.load(path)
    build_site(config, jobs=1, offline=True)
    after_third = Manifest.load(path)
    assert after_first is not None
    assert after_second is not None
    assert after_third is not None
    assert after_second.pages == after_first.pages
    assert after_third.pages == after_first.pages
