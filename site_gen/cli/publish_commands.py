"""`site-gen publish`, `site-gen deliveries status|retry|drain`, `site-gen move --to`.

Thin wrappers: the work is in `site_gen.publish` (plan, report, move) and, through a backend,
in the function's delivery engine. Every command talks to the deployed function's admin API
(bearer token from `find_admin_token`: SITE_GEN_ADMIN_TOKEN, SITE_GEN_ADMIN_TOKEN_FILE, or the
`.site-gen/admin-token` that `site-gen serve` writes) unless `--database URL` is given, in
which case it opens that database and runs the same engine in this process (a CI runner has
hours to drain). A site on loopback (`http://localhost:8000`) may deliver to loopback
followers without the hidden `--allow-private-addresses` flag: that is the local loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from site_gen.cli.options import site_option
from site_gen.config import SiteConfig, load_config
from site_gen.loopback import is_loopback_url
from site_gen.publish.admin_token import require_admin_token
from site_gen.publish.backends import Backend, DatabaseBackend, FunctionBackend
from site_gen.text import plural

__all__ = ["drain_until_done", "open_backend", "publish_site", "register"]

database_option = click.option(
    "--database",
    "database_url",
    metavar="URL",
    default=None,
    help="Work on this database directly (sqlite:///path or postgresql://...) "
    "instead of the function's admin API.",
)
function_url_option = click.option(
    "--function-url",
    default=None,
    metavar="URL",
    help="The function's base URL (default: function_url, else base_url, from site.yaml).",
)
private_option = click.option(
    "--allow-private-addresses",
    is_flag=True,
    hidden=True,
    help="Allow deliveries to loopback/private addresses (local tests only).",
)


def open_backend(
    config: SiteConfig,
    database_url: str | None,
    function_url: str | None,
    *,
    allow_private_addresses: bool = False,
    lease_seconds: float = 60.0,
    read_only: bool = False,
) -> Backend:
    """The database when `--database` is given (read-only, existing, for a dry run), else
    the function's admin API."""
    if database_url:
        return DatabaseBackend(
            config,
            database_url,
            allow_private_addresses=allow_private_addresses or is_loopback_url(config.base_url),
            lease_seconds=lease_seconds,
            read_only=read_only,
        )
    url = function_url or config.function_url or config.base_url
    return FunctionBackend(url, require_admin_token(config.state_dir, os.environ))


def _log(message: str) -> None:
    click.echo(f"{datetime.now(UTC):%H:%M:%S} {message}")


def drain_until_done(backend: Backend, seconds: float, *, total: int | None = None) -> int:
    """Drain in slices until nothing is due or `seconds` pass; a bar on a TTY, logs in CI."""
    deadline = time.monotonic() + seconds
    done = 0
    tty = sys.stdout.isatty() and total
    bar: Any = click.progressbar(length=total, label="Delivering") if tty else None
    progress: Callable[[int], None] | None = bar.update if bar is not None else None
    try:
        if bar is not None:
            bar.__enter__()
        while (left := deadline - time.monotonic()) > 0:
            report = backend.drain(min(left, 20.0), progress)
            done += int(report.get("delivered", 0)) + int(report.get("failed", 0))
            if bar is None:
                _log(
                    "drain: {delivered} delivered, {retried} to retry, {failed} failed, "
                    "{gone} gone, p99 {p99_ms} ms".format(**report)
                )
            if report.get("stopped") != "budget":
                break
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return done


def publish_site(config: SiteConfig, backend: Backend, *, dry_run: bool) -> dict[str, Any]:
    """Plan the publish against the backend's ledger and apply it (or only report it)."""
    from site_gen.publish.built_site import read_built_site
    from site_gen.publish.plan import plan_publish
    from site_gen.publish.report import format_plan

    site = read_built_site(config.output_dir, config.urls)
    plan = plan_publish(site, backend.ledger(), config.urls, datetime.now(UTC))
    outcome = backend.publish(plan, dry_run=dry_run)
    click.echo(format_plan(plan, outcome))
    if not dry_run and not plan.first_publish and plan.activities:
        click.echo(
            f"Queued {plural(outcome['queued'], 'delivery', 'deliveries')} for"
            f" {plural(len(plan.activities), 'activity', 'activities')}."
        )
    return outcome


def _summary_lines(status: dict[str, Any]) -> list[str]:
    counts = status["counts"]
    lines = [
        f"queued {counts.get('queued', 0)} (retrying {status.get('retrying', 0)}), "
        f"done {counts.get('done', 0)}, failed {counts.get('failed', 0)}"
    ]
    for host in status["hosts"]:
        if not (host["queued"] or host["failed"] or host["paused_until"]):
            continue
        line = f"  {host['host']}: queued {host['queued']}, failed {host['failed']}"
        if host["paused_until"]:
            line += f", paused until {host['paused_until']}"
        if host["last_error"]:
            line += f" - last error: {host['last_error']}"
        lines.append(line)
    return lines


def register(cli: click.Group) -> None:
    @cli.command()
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
    @private_option
    def publish(
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
        backend = open_backend(
            config,
            database_url,
            function_url,
            allow_private_addresses=allow_private_addresses,
            read_only=dry_run,
        )
        try:
            outcome = publish_site(config, backend, dry_run=dry_run)
            if not dry_run and outcome.get("queued") and drain_for > 0:
                drain_until_done(backend, drain_for, total=int(outcome["queued"]))
        finally:
            backend.close()

    @cli.group()
    def deliveries() -> None:
        """See and steer the delivery queue."""

    @deliveries.command()
    @site_option
    @database_option
    @function_url_option
    def status(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
        """Queued, retrying and failed deliveries, per host, with the last error."""
        config = load_config(site_dir)
        backend = open_backend(config, database_url, function_url)
        try:
            for line in _summary_lines(backend.status()):
                click.echo(line)
        finally:
            backend.close()

    @deliveries.command()
    @site_option
    @click.option("--host", default=None, help="Only this host's failed deliveries.")
    @database_option
    @function_url_option
    def retry(
        site_dir: Path, host: str | None, database_url: str | None, function_url: str | None
    ) -> None:
        """Put failed deliveries back in the queue (and close their hosts' breakers)."""
        config = load_config(site_dir)
        backend = open_backend(config, database_url, function_url)
        try:
            click.echo(f"Requeued {plural(backend.retry(host), 'delivery', 'deliveries')}.")
        finally:
            backend.close()

    @deliveries.command()
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
    @private_option
    def drain(
        site_dir: Path,
        budget: float,
        lease_seconds: float,
        database_url: str | None,
        function_url: str | None,
        allow_private_addresses: bool,
    ) -> None:
        """Deliver what is due now, until the queue is empty or the budget is spent."""
        config = load_config(site_dir)
        backend = open_backend(
            config,
            database_url,
            function_url,
            allow_private_addresses=allow_private_addresses,
            lease_seconds=lease_seconds,
        )
        try:
            total = int(backend.status()["counts"].get("queued", 0))
            done = drain_until_done(backend, budget, total=total)
            click.echo(f"Finished {plural(done, 'delivery', 'deliveries')}.")
        finally:
            backend.close()

    @cli.command()
    @site_option
    @click.option(
        "--to", "target", required=True, help="The new account: @user@server or its actor URL."
    )
    @database_option
    @function_url_option
    @private_option
    @click.option(
        "--webfinger-scheme",
        default="https",
        hidden=True,
        help="Scheme of the WebFinger lookup (http only for local tests).",
    )
    def move(
        site_dir: Path,
        target: str,
        database_url: str | None,
        function_url: str | None,
        allow_private_addresses: bool,
        webfinger_scheme: str,
    ) -> None:
        """Move followers to a new account that lists this one in its alsoKnownAs."""
        from site_gen.federation.activities import build_move
        from site_gen.publish.move import MoveError, refusal, set_moved_to

        config = load_config(site_dir)
        local = allow_private_addresses or is_loopback_url(config.base_url)
        resolved = _resolve_move_target(config, target, local, webfinger_scheme)
        reason = refusal(resolved.document, config.urls.actor)
        if reason is not None:
            raise MoveError(f"not moving to {resolved.actor_id}: {reason}")
        # site.yaml takes https actor URLs or handles; a local (http) actor is kept as typed.
        recorded = resolved.actor_id if resolved.actor_id.startswith("https://") else target
        set_moved_to(config.root, recorded)
        click.echo(f"site.yaml: moved_to set to {recorded} (rebuild and deploy).")
        backend = open_backend(
            config, database_url, function_url, allow_private_addresses=allow_private_addresses
        )
        try:
            queued = backend.move(build_move(load_config(site_dir), resolved.actor_id))
            click.echo(f"Queued a Move to {plural(queued, 'follower inbox', 'follower inboxes')}.")
        finally:
            backend.close()


def _resolve_move_target(config: SiteConfig, target: str, allow_private: bool, scheme: str) -> Any:
    """WebFinger + signed fetch of the new account, with the site's own key."""
    from site_function.remote.client import ClientSettings, make_session, user_agent_for

    from site_gen.federation.keys import private_key_from_environment
    from site_gen.federation.signatures import SigningKey
    from site_gen.publish.move import resolve_target

    key = SigningKey(
        config.urls.key_id, private_key_from_environment(os.environ, config.private_key_path)
    )

    async def run() -> Any:
        settings = ClientSettings(
            user_agent=user_agent_for(config.base_url), allow_private_addresses=allow_private
        )
        session = make_session(settings)
        try:
            return await resolve_target(session, target, key, datetime.now(UTC), scheme=scheme)
        finally:
            await session.close()

    return asyncio.run(run())
