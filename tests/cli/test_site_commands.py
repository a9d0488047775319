"""`site-gen init`, `new`, `build` and `check` through the real Click group."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from site_gen.cli import cli
from site_gen.cli.site_commands import create_post, slugify
from site_gen.content.front_matter import parse_front_matter, split_source


def test_init_makes_a_site_that_builds(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "blog"
    result = runner.invoke(cli, ["init", str(site), "--username", "bob", "--name", "Bob"])
    assert result.exit_code == 0, result.output
    key = site / ".site-gen" / "private-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "PUBLIC KEY" in (site / "public-key.pem").read_text("ascii")
    result = runner.invoke(cli, ["build", "--site", str(site), "--offline", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (site / "public" / "index.html").is_file()
    assert (site / "public" / "ap" / "actor").is_file()
    result = runner.invoke(cli, ["check", "--site", str(site)])
    assert result.exit_code == 0
    assert "OK: 1 posts" in result.output
    again = runner.invoke(cli, ["init", str(site)])
    assert again.exit_code == 1
    assert "already holds a site" in again.output


def test_new_article_and_note(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "blog"
    assert runner.invoke(cli, ["init", str(site)]).exit_code == 0
    made = runner.invoke(cli, ["new", 'Café "& Bikes"!', "--site", str(site)])
    assert made.exit_code == 0, made.output
    article = Path(made.output.strip())
    assert article.name.endswith("-cafe-bikes.md")
    front = parse_front_matter(split_source(article.read_text("utf-8"), article)[0], article)
    assert (front.kind, front.title, front.draft) == ("article", 'Café "& Bikes"!', True)
    note = Path(runner.invoke(cli, ["new", "--note", "--site", str(site)]).output.strip())
    front = parse_front_matter(split_source(note.read_text("utf-8"), note)[0], note)
    assert (front.kind, front.title) == ("note", None)
    assert runner.invoke(cli, ["new", "--site", str(site)]).exit_code == 2


def test_content_error_is_one_clear_line(tmp_path: Path) -> None:
    runner = CliRunner()
    site = tmp_path / "blog"
    assert runner.invoke(cli, ["init", str(site)]).exit_code == 0
    (site / "posts" / "bad.md").write_text("---\ndate: 2024-01-01\ncolour: red\n---\nx\n")
    result = runner.invoke(cli, ["build", "--site", str(site), "--offline"])
    assert result.exit_code == 1
    assert "bad.md:3: unknown front matter key 'colour'" in result.output
    assert "Traceback" not in result.output


def test_slugify_and_create_post(tmp_path: Path) -> None:
    assert slugify("Ünïcode — Title!") == "unicode-title"
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    path = create_post(tmp_path, "Hello", note=False, now=now)
    assert path.name == "2024-05-01-hello.md"
