"""`site-gen init`, `new`, `build` and `check`: thin wrappers around plain functions."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from site_core.errors import SiteGenError
from site_gen.cli.options import site_option
from site_gen.config import HOSTING_TARGETS, SiteConfig, load_config

if TYPE_CHECKING:
    from site_gen.build.pipeline import BuildReport

__all__ = [
    "build_command",
    "check_command",
    "create_post",
    "init_command",
    "init_site",
    "new_command",
    "register",
    "slugify",
]


def slugify(title: str) -> str:
    """`Café & Bikes!` -> `cafe-bikes`: ASCII letters, digits and dashes."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "post"


def init_site(
    folder: Path,
    *,
    username: str = "me",
    display_name: str = "Me",
    base_url: str = "http://localhost:8000",
    hosting: str = "netlify",
    function_url: str | None = None,
) -> Path:
    """A new site that builds at once (`site_gen.scaffold.make_site`); returns its folder."""
    from site_gen.scaffold import make_site

    site = make_site(
        folder,
        username=username,
        display_name=display_name,
        base_url=base_url,
        hosting=hosting,
        function_url=function_url,
    )
    return site.folder


def create_post(
    posts_dir: Path, title: str | None, *, note: bool, now: datetime | None = None
) -> Path:
    """A new post file with the right front matter; a note has no title."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    slug = slugify(title) if title else f"note-{now:%H%M%S}"
    path = posts_dir / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise SiteGenError(f"{path} already exists")
    lines = ["---"]
    if not note:
        lines += [f"title: {_yaml_string(title or 'Untitled')}", "type: article"]
    lines += [f"date: {now:%Y-%m-%d %H:%M:%S}", "tags: []", "draft: true", "---", ""]
    posts_dir.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _yaml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _echo_outcome(
    command: Literal["build", "check"], report: BuildReport, config: SiteConfig
) -> None:
    """The build's warnings and what the chosen host cannot do (standard error), then the
    summary."""
    from site_gen.cli.build_summary import summary_lines
    from site_gen.hosting import hosting_warnings
    from site_gen.hosting.handle_domain import handle_domain_line

    for warning in (*report.warnings, *hosting_warnings(config)):
        click.echo(f"warning: {warning}", err=True)
    for line in summary_lines(command, report, config.root):
        click.echo(line)
    handle_line = handle_domain_line(config) if command == "build" else None
    if handle_line is not None:
        click.echo(handle_line)


def post_arguments_problem(title: str | None, note: bool) -> str | None:
    """Why `new TITLE` / `new --note` was asked wrongly, or None."""
    if not note and not title:
        return "give a TITLE for an article, or --note for a note"
    if note and title:
        return "a note has no title: drop TITLE or drop --note"
    return None


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--username", default="me", show_default=True, help="The account name.")
@click.option("--name", "display_name", default="Me", show_default=True, help="Display name.")
@click.option(
    "--base-url",
    default="http://localhost:8000",
    show_default=True,
    help="The site's public root (https://example.com); written to site.yaml.",
)
@click.option(
    "--hosting",
    type=click.Choice(HOSTING_TARGETS),
    default="netlify",
    show_default=True,
    help="Where the site is served: which host config the build writes and how the "
    "workflow deploys.",
)
@click.option(
    "--function-url",
    default=None,
    help="Where the function runs, if not behind base_url (https://fn.example.net).",
)
def init_command(
    folder: Path,
    username: str,
    display_name: str,
    base_url: str,
    hosting: str,
    function_url: str | None,
) -> None:
    """Make a new site in FOLDER that builds at once, and say what to set up next."""
    from site_gen.scaffold import make_site, next_steps

    site = make_site(
        folder,
        username=username,
        display_name=display_name,
        base_url=base_url,
        hosting=hosting,
        function_url=function_url,
    )
    click.echo(next_steps(site))


@click.command("new")
@click.argument("title", required=False)
@click.option("--note", is_flag=True, help="A short note (no title) instead of an article.")
@site_option
def new_command(title: str | None, note: bool, site_dir: Path) -> None:
    """Create a post file (an article with TITLE, or a note with --note)."""
    problem = post_arguments_problem(title, note)
    if problem is not None:
        raise click.UsageError(problem)
    config = load_config(site_dir)
    click.echo(str(create_post(config.posts_dir, title, note=note)))


@click.command("build")
@site_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the 'output' key of site.yaml).",
)
@click.option("--drafts", is_flag=True, help="Include posts marked draft: true.")
@click.option("--offline", is_flag=True, help="Resolve @mentions from mentions.json only.")
@click.option("--clean", is_flag=True, help="Ignore the previous build; rewrite every file.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="number of CPUs",
    help="Worker processes for rendering.",
)
@click.option(
    "--allow-missing-media",
    is_flag=True,
    help="Show replies whose copied avatar or image is missing without the picture "
    "(a warning), instead of stopping.",
)
def build_command(
    site_dir: Path,
    output: Path | None,
    drafts: bool,
    offline: bool,
    clean: bool,
    jobs: int,
    allow_missing_media: bool,
) -> None:
    """Build the website and its ActivityPub documents."""
    from site_gen.build.pipeline import build_site

    config = load_config(site_dir)
    report = build_site(
        config,
        output=output,
        jobs=jobs,
        drafts=drafts,
        offline=offline,
        clean=clean,
        allow_missing_media=allow_missing_media,
    )
    _echo_outcome("build", report, config)


@click.command("check")
@site_option
@click.option("--drafts", is_flag=True, help="Check posts marked draft: true as published.")
def check_command(site_dir: Path, drafts: bool) -> None:
    """Validate the config and every post, and render everything, writing nothing."""
    from site_gen.build.pipeline import check_site

    config = load_config(site_dir)
    _echo_outcome("check", check_site(config, drafts=drafts), config)


def register(cli: click.Group) -> None:
    """Add `init`, `new`, `build` and `check` to the command line."""
    for command in (init_command, new_command, build_command, check_command):
        cli.add_command(command)
