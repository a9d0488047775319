"""`site-gen init`, `new`, `build` and `check` through the real Click group."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import cli
from site_gen.cli.site_commands import create_post, slugify
from site_gen.config import HOSTING_TARGETS, load_config
from site_gen.content.front_matter import parse_front_matter, split_source
from site_gen.scaffold import make_site, next_steps
from site_gen.workflows import WORKFLOW_PATH, PackageSource


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
    assert "OK: 1 post" in result.output
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


def test_init_options_go_into_site_yaml_and_the_next_steps(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    result = CliRunner().invoke(
        cli,
        ["init", str(site), "--username", "bob", "--name", "Bob: the #1 builder",
         "--base-url", "https://bob.example/", "--hosting", "nginx",
         "--function-url", "https://fn.bob.example"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = load_config(site)
    assert (config.base_url, config.hosting, config.function_url) == (
        "https://bob.example",
        "nginx",
        "https://fn.bob.example",
    )
    assert config.display_name == "Bob: the #1 builder"
    steps = " ".join(result.output.split())
    assert "Set base_url" not in steps  # already a public address
    assert "Run the function at https://fn.bob.example" in steps
    for secret in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_ADMIN_TOKEN", "DEPLOY_SSH_KEY",
                   "DEPLOY_KNOWN_HOSTS", "DEPLOY_TARGET"):  # fmt: skip
        assert secret in steps
    assert "site-gen serve" in steps
    assert "rsync" in (site / WORKFLOW_PATH).read_text("utf-8")


def test_init_defaults_name_what_is_left_to_fill(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    result = CliRunner().invoke(cli, ["init", str(site)])
    assert result.exit_code == 0, result.output
    steps = " ".join(result.output.split())
    assert f"Set base_url in {site / 'site.yaml'}" in steps
    assert "http://localhost:8000" in steps
    assert "netlify cannot run the function" in steps
    assert "set function_url in site.yaml" in steps
    for secret in ("SITE_GEN_PRIVATE_KEY", "SITE_GEN_ADMIN_TOKEN", "NETLIFY_AUTH_TOKEN",
                   "NETLIFY_SITE_ID"):  # fmt: skip
        assert secret in steps
    assert f"cd {site} && site-gen build && site-gen serve" in steps
    assert "# function_url:" in (site / "site.yaml").read_text("utf-8")


def test_next_steps_for_pages_and_a_package_to_change(tmp_path: Path) -> None:
    note = "/home/me/site-gen is a path GitHub cannot read: change SITE_GEN_PACKAGE."
    site = make_site(
        tmp_path / "blog",
        hosting="github-pages",
        package=PackageSource("site-gen @ file:///home/me/site-gen", note=note),
    )
    steps = " ".join(next_steps(site).split())
    assert "Settings > Pages > Source to GitHub Actions" in steps
    assert f"In {WORKFLOW_PATH}: {note}" in steps
    released = make_site(tmp_path / "other", package=PackageSource("site-gen==0.1.0"))
    assert WORKFLOW_PATH not in next_steps(released)


@pytest.mark.parametrize(
    ("options", "option", "problem"),
    [
        (["--base-url", "http://bob.example"], "--base-url", "https URL"),
        (["--function-url", "https://fn.example/inbox"], "--function-url", "without a path"),
        (["--username", "bob smith"], "--username", "letters, digits or underscores"),
    ],
)
def test_init_refuses_a_bad_option_and_writes_nothing(
    tmp_path: Path, options: list[str], option: str, problem: str
) -> None:
    site = tmp_path / "blog"
    result = CliRunner().invoke(cli, ["init", str(site), *options])
    assert result.exit_code == 1
    assert f"Error: {option}: " in result.output
    assert problem in result.output
    assert "nothing was written" in result.output
    assert not site.exists()


def test_init_hosting_choices_come_from_the_hosting_targets(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "blog"), "--hosting", "heroku"])
    assert result.exit_code == 2
    for target in HOSTING_TARGETS:
        assert target in result.output


def test_build_and_check_print_the_hosting_warnings(tmp_path: Path) -> None:
    runner = CliRunner()
    netlify, served = tmp_path / "netlify", tmp_path / "served"
    assert runner.invoke(cli, ["init", str(netlify)]).exit_code == 0
    fn = ["--function-url", "https://fn.example.net"]
    assert runner.invoke(cli, ["init", str(served), *fn]).exit_code == 0
    for command in (["build", "--offline", "--jobs", "1"], ["check"]):
        warned = runner.invoke(cli, [*command, "--site", str(netlify)])
        assert warned.exit_code == 0, warned.output
        assert "warning: hosting 'netlify' cannot run the Python function" in warned.stderr
        assert "set function_url in site.yaml" in warned.stderr
        quiet = runner.invoke(cli, [*command, "--site", str(served)])
        assert quiet.exit_code == 0, quiet.output
        assert "warning: hosting" not in quiet.stderr
