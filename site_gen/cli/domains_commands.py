"""`site-gen domains policy set|allow|disallow|allow-only|list`: per-domain policies.

`policy set DOMAIN require_approval` holds every Follow from the domain for the owner even
when the site accepts follows at once; `allow-only on` lets only the allowed domains (`allow
DOMAIN`) follow or interact. Each change prints its preview first and asks (`--yes`,
`--dry-run`): `change_preview`. Blocks stay under `site-gen blocks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from site_gen.cli.change_preview import change_options, confirmed_change, preview_lines
from site_gen.cli.options import owner_options
from site_gen.cli.owner_access import owner_session

__all__ = ["domain_lines", "domains_group", "register"]


def domain_lines(listing: dict[str, Any]) -> list[str]:
    """The mode, then one line per listed domain with its policies."""
    mode = "on" if listing["allow_only"] else "off"
    lines = [f"allow-only mode: {mode}"]
    for row in listing["domains"]:
        flags = [name for name in ("require_approval", "allowed") if row[name]]
        lines.append(f"{row['domain']:30} {' '.join(flags)}")
    return lines if listing["domains"] else [*lines, "(no domain listed)"]


def _change(site_dir: Path, database_url: str | None, function_url: str | None,
            change: dict[str, str], yes: bool, dry_run: bool) -> None:  # fmt: skip
    with owner_session(site_dir, database_url, function_url) as owner:
        result = confirmed_change(owner, change, yes, dry_run, lambda: owner.apply_change(change))
    if result is not None:
        click.echo("done: " + preview_lines(result)[0].replace("would be", "were"))


@click.group("domains")
def domains_group() -> None:
    """Per-domain policies: require approval, allow-only mode."""


@domains_group.group("policy")
def policy_group() -> None:
    """A domain's follow policy."""


@policy_group.command("set")
@click.argument("domain")
@click.argument("policy", type=click.Choice(["require_approval", "normal"]))
@change_options
@owner_options
def policy_set_command(domain: str, policy: str, yes: bool, dry_run: bool, site_dir: Path,
                       database_url: str | None, function_url: str | None) -> None:  # fmt: skip
    """Hold every Follow from DOMAIN for approval (require_approval), or not (normal)."""
    change = {"action": policy, "target": domain}
    _change(site_dir, database_url, function_url, change, yes, dry_run)


@domains_group.command("allow-only")
@click.argument("mode", type=click.Choice(["on", "off"]))
@change_options
@owner_options
def allow_only_command(mode: str, yes: bool, dry_run: bool, site_dir: Path,
                       database_url: str | None, function_url: str | None) -> None:  # fmt: skip
    """Let only allowed domains follow or interact (on: followers elsewhere are removed)."""
    change = {"action": f"allow_only_{mode}"}
    _change(site_dir, database_url, function_url, change, yes, dry_run)


@domains_group.command("allow")
@click.argument("domain")
@click.option("--remove", is_flag=True, help="Take DOMAIN off the allowed list instead.")
@change_options
@owner_options
def allow_command(domain: str, remove: bool, yes: bool, dry_run: bool, site_dir: Path,
                  database_url: str | None, function_url: str | None) -> None:  # fmt: skip
    """Allow DOMAIN (and its subdomains) to follow and interact in allow-only mode."""
    change = {"action": "disallow" if remove else "allow", "target": domain}
    _change(site_dir, database_url, function_url, change, yes, dry_run)


@domains_group.command("list")
@owner_options
def list_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
    """Show allow-only mode and every listed domain."""
    with owner_session(site_dir, database_url, function_url) as owner:
        listing = owner.domains()
    for line in domain_lines(listing):
        click.echo(line)


def register(cli: click.Group) -> None:
    """Add the `domains` group to the command line."""
    cli.add_command(domains_group)
