"""Determinism, atomicity, incremental rebuilds and secrets of the build pipeline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from build_sites import TEST_KEYS

from site_core.errors import ContentError, KeyMaterialError
from site_gen.build.pipeline import build_site, check_site
from site_gen.build.post_rendering import POOL_THRESHOLD
from site_gen.config import load_config


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _many_posts(site: Path, count: int) -> None:
    for i in range(count):
        (site / "posts" / f"bulk-{i:03d}.md").write_text(
            f"---\ntitle: Bulk {i}\ndate: 2023-01-{1 + i % 28:02d} {i % 24:02d}:00:00\n"
            f"tags: [bulk, t{i % 5}]\n---\nPost {i} with #inline and code:\n\n"
            f"```python\nprint({i})\n```\n",
            encoding="utf-8",
        )


def test_two_builds_are_byte_identical(sample_site: Path, tmp_path: Path) -> None:
    config = load_config(sample_site)
    first = build_site(config, output=tmp_path / "one", jobs=1, offline=True, clean=True)
    shutil.rmtree(sample_site / ".site-gen" / "cache")
    second = build_site(config, output=tmp_path / "two", jobs=2, offline=True, clean=True)
    assert _tree(first.output) == _tree(second.output)


def test_pool_and_single_process_agree(sample_site: Path, tmp_path: Path) -> None:
    _many_posts(sample_site, POOL_THRESHOLD + 10)  # the pool renders them
    config = load_config(sample_site)
    serial = build_site(config, output=tmp_path / "serial", jobs=1, offline=True)
    shutil.rmtree(sample_site / ".site-gen" / "cache")
    pooled = build_site(config, output=tmp_path / "pooled", jobs=2, offline=True)
    assert pooled.rendered == serial.rendered == POOL_THRESHOLD + 18
    assert _tree(serial.output) == _tree(pooled.output)


def test_failed_build_leaves_previous_output_intact(sample_site: Path) -> None:
    config = load_config(sample_site)
    report = build_site(config, jobs=1, offline=True)
    before = _tree(report.output)
    (sample_site / "posts" / "broken.md").write_text("---\ndate: soon\n---\nx\n", "utf-8")
    with pytest.raises(ContentError, match=r"broken\.md:2: 'date' is not a date"):
        build_site(config, jobs=1, offline=True)
    assert _tree(report.output) == before
    assert [p for p in sample_site.iterdir() if p.name.startswith(".public")] == []


def test_incremental_rebuild_equals_clean_build(sample_site: Path, tmp_path: Path) -> None:
    _many_posts(sample_site, 30)
    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    untouched = build_site(config, jobs=1, offline=True)
    assert (untouched.rendered, untouched.written) == (0, 0)

    post = sample_site / "posts" / "bulk-007.md"
    post.write_text(post.read_text("utf-8") + "\nAn edit.\n", "utf-8")
    (sample_site / "posts" / "bulk-008.md").unlink()
    edited = build_site(config, jobs=1, offline=True)
    assert edited.rendered == 1
    assert edited.removed >= 2  # the deleted post's page and object
    assert edited.written < 20
    clean = build_site(config, output=tmp_path / "clean", jobs=1, offline=True, clean=True)
    assert _tree(edited.output) == _tree(clean.output)
    assert "An edit." in (edited.output / "posts/bulk-007/index.html").read_text("utf-8")


def test_theme_change_rerenders_cached_posts(sample_site: Path) -> None:
    config = load_config(sample_site)
    build_site(config, jobs=1, offline=True)
    (sample_site / "templates").mkdir()
    (sample_site / "templates" / "404.html").write_text("custom {{ site.title }}\n", "utf-8")
    config = load_config(sample_site)
    report = build_site(config, jobs=1, offline=True)
    assert report.rendered == 0
    assert (report.output / "404.html").read_text("utf-8") == "custom Alice&#39;s notebook\n"


def test_no_private_key_in_output(sample_site: Path) -> None:
    private = (TEST_KEYS / "test-private-key.pem").read_text("ascii")
    key_state = sample_site / ".site-gen"
    key_state.mkdir(exist_ok=True)
    (key_state / "private-key.pem").write_text(private, "ascii")
    report = build_site(load_config(sample_site), jobs=1, offline=True)
    body = "".join(private.strip().splitlines()[1:-1])
    for path, data in _tree(report.output).items():
        assert b"PRIVATE KEY" not in data, path
        assert body[:64].encode() not in data, path
    actor = (report.output / "ap" / "actor").read_text("utf-8")
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", actor.replace("acct:", "")), actor


def test_missing_public_key_is_a_clear_error(sample_site: Path) -> None:
    (sample_site / "public-key.pem").unlink()
    with pytest.raises(KeyMaterialError, match="site-gen keys generate"):
        build_site(load_config(sample_site), offline=True)


def test_check_writes_nothing(sample_site: Path) -> None:
    report = check_site(load_config(sample_site))
    assert report.posts == 7
    assert report.files > 40
    assert not (sample_site / "public").exists()
    # Nothing but the test's own Ed25519 key, put there by copy_site.
    assert [p.name for p in (sample_site / ".site-gen").iterdir()] == ["ed25519-private-key.pem"]


def test_drafts_flag_builds_drafts(sample_site: Path) -> None:
    report = build_site(load_config(sample_site), jobs=1, offline=True, drafts=True)
    page = (report.output / "posts" / "summer-plans" / "index.html").read_text("utf-8")
    assert "Draft" in page
    assert not (report.output / "ap" / "posts" / "summer-plans").exists()


def test_output_cannot_replace_the_site(sample_site: Path) -> None:
    from site_core.errors import OutputError

    with pytest.raises(OutputError):
        build_site(load_config(sample_site), output=sample_site, offline=True)


def test_an_alias_handle_resolves_without_any_post_mentioning_it(sample_site: Path) -> None:
    """also_known_as may hold a handle: it resolves like a mention (here from mentions.json,
    offline), though no post names it."""
    import json

    config_path = sample_site / "site.yaml"
    text = config_path.read_text(encoding="utf-8")
    text = text.replace("also_known_as: []", "also_known_as: ['@carol@example.social']")
    config_path.write_text(text, "utf-8")
    for post in (sample_site / "posts").glob("*.md"):
        if "@carol" in post.read_text(encoding="utf-8"):
            post.unlink()
    config = load_config(sample_site)
    build_site(config, offline=True)
    actor = json.loads((config.output_dir / "ap" / "actor").read_text(encoding="utf-8"))
    assert actor["alsoKnownAs"] == ["https://example.social/users/carol"]
