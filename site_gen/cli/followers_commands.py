"""`site-gen followers list|pending|approve|reject|remove`: the owner decides who follows.

Thin wrappers around `site_gen.cli.owner_access`: the function's admin API, or a database
given with `--database URL`, both running the same owner controls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from site_gen.admin_client import FollowerState
from site_gen.cli.options import owner_options
from site_gen.cli.owner_access import owner_session

__all__ = ["follower_lines", "followers_group", "register"]


def follower_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per follower (actor, state, since), or `(none)`."""
    if not rows:
        return ["(none)"]
    return [f"{row['actor']}  {row['state']}  since {row.get('since') or '-'}" for row in rows]


def _list(
    state: FollowerState, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    with owner_session(site_dir, database_url, function_url) as owner:
        rows = owner.followers(state)
    for line in follower_lines(rows):
        click.echo(line)


def _echo_change(action: str, result: dict[str, Any]) -> None:
    click.echo(f"{action}: {result['actor']} ({result['state']})")


@click.group("followers")
def followers_group() -> None:
    """See and decide who follows this site."""


@followers_group.command("list")
@click.option(
    "--state",
    type=click.Choice(["accepted", "pending", "all"]),
    default="accepted",
    show_default=True,
    help="Which followers to list.",
)
@owner_options
def list_command(
    state: FollowerState, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """List followers."""
    _list(state, site_dir, database_url, function_url)


@followers_group.command("pending")
@owner_options
def pending_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
    """List follow requests waiting for approval."""
    _list("pending", site_dir, database_url, function_url)


@followers_group.command("approve")
@click.argument("actor")
@owner_options
def approve_command(
    actor: str, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Accept a pending follow request (sends Accept)."""
    with owner_session(site_dir, database_url, function_url) as owner:
        _echo_change("approve", owner.approve_follower(actor))


@followers_group.command("reject")
@click.argument("actor")
@owner_options
def reject_command(
    actor: str, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Refuse a pending follow request (sends Reject)."""
    with owner_session(site_dir, database_url, function_url) as owner:
        _echo_change("reject", owner.reject_follower(actor))


@followers_group.command("remove")
@click.argument("actor")
@owner_options
def remove_command(
    actor: str, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Remove a follower (sends Reject)."""
    with owner_session(site_dir, database_url, function_url) as owner:
        _echo_change("remove", owner.remove_follower(actor))


def register(cli: click.Group) -> None:
    """Add the `followers` group to the command line."""
    cli.add_command(followers_group)
