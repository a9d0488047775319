"""`site-gen notify test`: check that the owner's notifications reach their receiver.

Through the function's admin API only (the receiver and its secret live in the function's
environment): a test notification is queued and sent like any other; with `--wait` the
command reports whether the receiver took it, and exits 1 when it did not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from site_core.errors import SiteGenError
from site_gen.admin_client import AdminClient
from site_gen.cli.options import function_url_option, site_option
from site_gen.cli.owner_access import function_url_of
from site_gen.config import load_config
from site_gen.publish.admin_token import require_admin_token

__all__ = ["notify_group", "notify_outcome_line", "register"]


def notify_outcome_line(result: dict[str, Any]) -> str:
    """The outcome in one line: delivered, queued (with the last error) or failed."""
    outcome = result.get("outcome", "queued")
    line = f"test notification {result.get('id', '')}: {outcome} ({result.get('receiver', '')})"
    if outcome != "delivered" and result.get("last_error"):
        line += f": {result['last_error']}"
    return line


def send_test(site_dir: Path, function_url: str | None, wait: float) -> dict[str, Any]:
    """Queue a test notification through the admin API; its status (after `wait` seconds)."""
    config = load_config(site_dir)
    token = require_admin_token(config.state_dir, os.environ)
    client = AdminClient(function_url_of(config, function_url), token)
    try:
        return client.notify_test(wait)
    finally:
        client.close()


@click.group("notify")
def notify_group() -> None:
    """The owner's notifications (configured in the function's environment)."""


@notify_group.command("test")
@click.option(
    "--wait",
    type=click.FloatRange(0, 60),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait up to this long for the attempt and report whether it was delivered.",
)
@site_option
@function_url_option
def test_command(wait: float, site_dir: Path, function_url: str | None) -> None:
    """Send a test notification to the configured receiver."""
    result = send_test(site_dir, function_url, wait)
    click.echo(notify_outcome_line(result))
    if wait > 0 and result.get("outcome") != "delivered":
        raise SiteGenError("the test notification was not delivered")


def register(cli: click.Group) -> None:
    """Add the `notify` group to the command line."""
    cli.add_command(notify_group)
