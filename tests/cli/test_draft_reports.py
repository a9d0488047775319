"""`site-gen build` and `check` say which drafts they left out, with counts in good English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from site_gen.cli import cli
from site_gen.cli.site_commands import create_post, init_site


def _site_with_drafts(tmp_path: Path, count: int) -> tuple[Path, list[Path]]:
    site = init_site(tmp_path / "blog")
    start = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    drafts = [
        create_post(site / "posts", None, note=True, now=start + timedelta(minutes=index))
        for index in range(count)
    ]
    for path in drafts:
        path.write_text(path.read_text("utf-8") + "Not yet.\n", "utf-8")
    return site, drafts


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_build_leaves_a_draft_out_and_names_it(tmp_path: Path) -> None:
    site, [draft] = _site_with_drafts(tmp_path, 1)
    output = _run("build", "--site", str(site), "--offline", "--jobs", "1")
    assert "Built 1 post into " in output
    assert f"left out 1 draft: posts/{draft.name} (" in output
    slug = draft.stem.split("-", 3)[3]
    assert not (site / "public" / "posts" / slug).exists()
    assert not (site / "public" / "ap" / "posts" / slug).exists()
    assert slug not in (site / "public" / "ap" / "outbox-pages" / "1").read_text()
    assert slug not in (site / "public" / "feed.xml").read_text()
    # With --drafts nothing is left out, and nothing is said about drafts.
    included = _run("build", "--site", str(site), "--offline", "--jobs", "1", "--drafts")
    assert "left out" not in included
    assert (site / "public" / "posts" / slug / "index.html").is_file()
    assert not (site / "public" / "ap" / "posts" / slug).exists()  # still no document


def test_check_reports_drafts_in_the_plural(tmp_path: Path) -> None:
    site, drafts = _site_with_drafts(tmp_path, 2)
    output = _run("check", "--site", str(site))
    assert "OK: 1 post, " in output
    names = ", ".join(f"posts/{path.name}" for path in sorted(drafts))
    assert f"left out 2 drafts: {names} (" in output


def test_no_drafts_no_drafts_line(tmp_path: Path) -> None:
    site = init_site(tmp_path / "blog")
    output = _run("check", "--site", str(site))
    assert "left out" not in output
    assert "files would be written" in output
