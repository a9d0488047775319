"""`site-gen conversations pull|push`: the conversations as data files of the site repository.

`pull` mirrors what the function received into `conversations/` (see
`site_gen.conversations.pull`); `push` sends back the decisions made by editing `status:`
lines (`site_gen.conversations.push`). Both reach the function like the other
`conversations` commands (`owner_access`: the admin API, or `--database`).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from site_gen.cli.conversations_commands import conversations_group
from site_gen.cli.options import owner_options, private_addresses_option
from site_gen.cli.owner_access import owner_session
from site_gen.config import load_config
from site_gen.conversations.pull import MediaSettings, pull_conversations
from site_gen.conversations.push import pending_decisions, send_decisions
from site_gen.conversations.sync_report import PushReport

__all__ = ["pull_command", "push_command", "register"]

_json_option = click.option("--json", "as_json", is_flag=True, help="Report as JSON, for scripts.")


@click.command("pull")
@click.option("--verbose", "-v", is_flag=True, help="Also one line per post that changed.")
@click.option(
    "--propose-approval",
    is_flag=True,
    help="Write new pending items as approved unless a hold word or domain keeps them back "
    "(for a pull request: merging it approves them).",
)
@_json_option
@private_addresses_option
@owner_options
def pull_command(
    verbose: bool, propose_approval: bool, as_json: bool, allow_private_addresses: bool,
    site_dir: Path, database_url: str | None, function_url: str | None,
) -> None:  # fmt: skip
    """Mirror replies, likes and boosts into conversations/ (data files, copied images)."""
    config = load_config(site_dir)
    media = MediaSettings(config.base_url, allow_private=allow_private_addresses)
    propose = config.conversation.review if propose_approval else None
    with owner_session(site_dir, database_url, function_url) as owner:
        report = pull_conversations(config.root, config.urls, owner, media, propose=propose)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, sort_keys=True))
        return
    for line in report.lines(verbose=verbose):
        click.echo(line)


@click.command("push")
@_json_option
@owner_options
def push_command(
    as_json: bool, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Send the statuses edited in conversations/ to the function."""
    config = load_config(site_dir)
    # Every file is checked before anything is sent; with no decision the function is not
    # contacted at all (a site without conversations publishes without an admin token).
    decisions = pending_decisions(config.root)
    report = PushReport()
    if decisions:
        with owner_session(site_dir, database_url, function_url) as owner:
            report = send_decisions(config.root, owner, decisions)
    click.echo(json.dumps(report.as_json(), indent=2, sort_keys=True) if as_json
               else report.summary())  # fmt: skip


def register(cli: click.Group) -> None:
    """Add `pull` and `push` to the `conversations` group."""
    conversations_group.add_command(pull_command)
    conversations_group.add_command(push_command)
