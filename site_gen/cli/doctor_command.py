"""`site-gen doctor [URL]`: check the deployed site from the outside, as the fediverse sees it.

A thin wrapper around `site_gen.doctor.run_doctor`: it builds the `DoctorTarget` from
site.yaml, the site's private key (for the signed inbox probe) and the admin token when they
are at hand, prints the report (or `--json`) and exits 1 when any check failed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

import click

from site_core.errors import KeyMaterialError
from site_core.signatures import SigningKey
from site_core.urls import UrlScheme
from site_gen.cli.options import private_addresses_option, site_option
from site_gen.config import SiteConfig, load_config
from site_gen.doctor import DoctorTarget, run_doctor
from site_gen.federation.key_files import private_key_from_environment
from site_gen.publish.admin_token import find_admin_token

__all__ = ["doctor_command", "doctor_target", "register"]


def _signing_key(config: SiteConfig) -> SigningKey | None:
    """The site's key, or None when it is not on this machine (the probe is then skipped)."""
    try:
        key = private_key_from_environment(os.environ, config.private_key_path)
    except KeyMaterialError:
        return None
    return SigningKey(config.urls.key_id, key)


def doctor_target(
    config: SiteConfig, url: str | None, deleted_posts: tuple[str, ...] = ()
) -> DoctorTarget:
    """What to check: `url` (default: base_url) with the key and token this machine holds."""
    base = (url or config.base_url).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    same_site = base == config.base_url.rstrip("/")
    token = find_admin_token(config.state_dir, os.environ)
    return DoctorTarget(
        urls=UrlScheme(
            base,
            config.username,
            config.function_url if same_site else None,
            config.handle_domain if same_site else None,  # its JRD names base_url's actor
        ),
        display_name=config.display_name,
        signing_key=_signing_key(config),
        admin_token=token.value if token is not None else None,
        deleted_posts=deleted_posts,
    )


@click.command("doctor")
@click.argument("url", required=False)
@site_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--deleted-post",
    "deleted_posts",
    multiple=True,
    metavar="URL",
    help="The object URL of a post you deleted: it must answer 410 (repeatable).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(1, 600),
    default=60.0,
    show_default=True,
    help="Seconds the whole run may take; each request has at most 10.",
)
@private_addresses_option
def doctor_command(
    url: str | None,
    site_dir: Path,
    as_json: bool,
    deleted_posts: tuple[str, ...],
    time_limit: float,
    allow_private_addresses: bool,
) -> None:
    """Check the deployed site (default: base_url) as Mastodon, Threads and others see it."""
    target = doctor_target(load_config(site_dir), url, deleted_posts)
    report = asyncio.run(
        run_doctor(target, allow_private_addresses=allow_private_addresses, time_limit=time_limit)
    )
    click.echo(report.to_json() if as_json else report.to_text())
    if report.failed:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(doctor_command)
