"""`site-gen publish`, `site-gen deliveries status|retry|drain`, `site-gen move --to`.

Thin wrappers around `site_gen.cli.publish_steps`, which plans with `site_gen.publish` and
applies through a backend: the deployed function's admin API, or `--database URL` with the
same engine in this process.
"""

from __future__ import annotations

from pathlib import Path

import click

from site_gen.cli.options import (
    database_option,
    function_url_option,
    private_addresses_option,
    site_option,
)
from site_gen.cli.publish_steps import (
    backend_session,
    delivery_summary_lines,
    drain_until_done,
    open_backend,
    prepare_move,
    publish_and_drain,
    publish_site,
)
from site_gen.config import load_config
from site_gen.text import plural

__all__ = [
    "deliveries_group",
    "drain_until_done",
    "move_command",
    "open_backend",
    "publish_command",
    "publish_site",
    "register",
]


@click.command("publish")
@site_option
@click.option("--dry-run", is_flag=True, help="Show what would be sent, to whom; send nothing.")
@click.option(
    "--drain-for",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to keep delivering after queuing (0: leave it to the function).",
)
@database_option
@function_url_option
@private_addresses_option
def publish_command(
    site_dir: Path,
    dry_run: bool,
    drain_for: float,
    database_url: str | None,
    function_url: str | None,
    allow_private_addresses: bool,
) -> None:
    """Send new, edited and deleted posts (and profile changes) to followers.

    Run after the site is deployed: compares the built outbox with the delivery ledger.
    """
    config = load_config(site_dir)
    with backend_session(
        config,
        database_url,
        function_url,
        allow_private_addresses=allow_private_addresses,
        read_only=dry_run,
    ) as backend:
        publish_and_drain(config, backend, dry_run=dry_run, drain_for=drain_for)


@click.group("deliveries")
def deliveries_group() -> None:
    """See and steer the delivery queue."""


@deliveries_group.command("status")
@site_option
@database_option
@function_url_option
def status_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
    """Queued, retrying and failed deliveries, per host, with the last error."""
    with backend_session(load_config(site_dir), database_url, function_url) as backend:
        status = backend.status()
    for line in delivery_summary_lines(status):
        click.echo(line)


@deliveries_group.command("retry")
@site_option
@click.option("--host", default=None, help="Only this host's failed deliveries.")
@database_option
@function_url_option
def retry_command(
    site_dir: Path, host: str | None, database_url: str | None, function_url: str | None
) -> None:
    """Put failed deliveries back in the queue (and close their hosts' breakers)."""
    with backend_session(load_config(site_dir), database_url, function_url) as backend:
        requeued = backend.retry(host)
    click.echo(f"Requeued {plural(requeued, 'delivery', 'deliveries')}.")


@deliveries_group.command("drain")
@site_option
@click.option(
    "--budget",
    type=float,
    default=3600.0,
    show_default=True,
    help="Seconds to keep delivering at most.",
)
@click.option(
    "--lease",
    "lease_seconds",
    type=float,
    default=60.0,
    show_default=True,
    help="With --database: seconds a claimed delivery stays reserved for this drain; a "
    "drain killed mid-way leaves its in-flight rows to the next drain after this.",
)
@database_option
@function_url_option
@private_addresses_option
def drain_command(
    site_dir: Path,
    budget: float,
    lease_seconds: float,
    database_url: str | None,
    function_url: str | None,
    allow_private_addresses: bool,
) -> None:
    """Deliver what is due now, until the queue is empty or the budget is spent."""
    with backend_session(
        load_config(site_dir),
        database_url,
        function_url,
        allow_private_addresses=allow_private_addresses,
        lease_seconds=lease_seconds,
    ) as backend:
        total = int(backend.status()["counts"].get("queued", 0))
        done = drain_until_done(backend, budget, total=total)
    click.echo(f"Finished {plural(done, 'delivery', 'deliveries')}.")


@click.command("move")
@site_option
@click.option(
    "--to", "target", required=True, help="The new account: @user@server or its actor URL."
)
@database_option
@function_url_option
@private_addresses_option
@click.option(
    "--webfinger-scheme",
    default="https",
    hidden=True,
    help="Scheme of the WebFinger lookup (http only for local tests).",
)
def move_command(
    site_dir: Path,
    target: str,
    database_url: str | None,
    function_url: str | None,
    allow_private_addresses: bool,
    webfinger_scheme: str,
) -> None:
    """Move followers to a new account that lists this one in its alsoKnownAs."""
    from site_gen.federation.activities import build_move

    config = load_config(site_dir)
    move = prepare_move(
        config,
        target,
        allow_private_addresses=allow_private_addresses,
        webfinger_scheme=webfinger_scheme,
    )
    click.echo(f"site.yaml: moved_to set to {move.recorded} (rebuild and deploy).")
    with backend_session(
        config, database_url, function_url, allow_private_addresses=allow_private_addresses
    ) as backend:
        # site.yaml now has moved_to: the Move is built from the updated config.
        queued = backend.move(build_move(load_config(site_dir), move.actor_id))
    click.echo(f"Queued a Move to {plural(queued, 'follower inbox', 'follower inboxes')}.")


def register(cli: click.Group) -> None:
    """Add `publish`, `deliveries` and `move` to the command line."""
    cli.add_command(publish_command)
    cli.add_command(deliveries_group)
    cli.add_command(move_command)
