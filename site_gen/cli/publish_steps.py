"""The work behind `site-gen publish`, `deliveries` and `move`, as plain functions.

Every step talks to a `Backend` (`site_gen.cli.publish_backends`): the deployed function's admin
API (bearer token from `find_admin_token`: SITE_GEN_ADMIN_TOKEN, SITE_GEN_ADMIN_TOKEN_FILE, or
the `.site-gen/admin-token` that `site-gen serve` writes) unless a database URL is given, in
which case the same engine runs in this process (a CI runner has hours to drain). A site on
loopback (`http://localhost:8000`) may deliver to loopback followers without the hidden
`--allow-private-addresses` flag: that is the local loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click

from site_core.loopback import is_loopback_url
from site_gen.cli.owner_access import function_url_of
from site_gen.cli.publish_backends import Backend, DatabaseBackend, FunctionBackend
from site_gen.config import SiteConfig
from site_gen.publish.admin_token import require_admin_token
from site_gen.text import plural

__all__ = [
    "PreparedMove",
    "backend_session",
    "delivery_summary_lines",
    "drain_until_done",
    "open_backend",
    "prepare_move",
    "publish_and_drain",
    "publish_site",
]


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
    token = require_admin_token(config.state_dir, os.environ)
    return FunctionBackend(function_url_of(config, function_url), token)


@contextmanager
def backend_session(
    config: SiteConfig,
    database_url: str | None,
    function_url: str | None,
    *,
    allow_private_addresses: bool = False,
    lease_seconds: float = 60.0,
    read_only: bool = False,
) -> Iterator[Backend]:
    """`open_backend`, closed when the block ends."""
    backend = open_backend(
        config,
        database_url,
        function_url,
        allow_private_addresses=allow_private_addresses,
        lease_seconds=lease_seconds,
        read_only=read_only,
    )
    try:
        yield backend
    finally:
        backend.close()


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
    from site_core.publish.plan import plan_publish
    from site_gen.publish.built_output import read_built_site
    from site_gen.publish.report import format_plan

    site = read_built_site(config.output_dir, config.urls)
    plan = plan_publish(
        site, backend.ledger(), config.urls, datetime.now(UTC), config.conversation.review
    )
    outcome = backend.publish(plan, dry_run=dry_run)
    click.echo(format_plan(plan, outcome))
    if not dry_run and not plan.first_publish and plan.activities:
        click.echo(
            f"Queued {plural(outcome['queued'], 'delivery', 'deliveries')} for"
            f" {plural(len(plan.activities), 'activity', 'activities')}."
        )
    return outcome


def publish_and_drain(
    config: SiteConfig, backend: Backend, *, dry_run: bool, drain_for: float
) -> None:
    """Publish, then deliver what was queued for up to `drain_for` seconds (0: not here)."""
    outcome = publish_site(config, backend, dry_run=dry_run)
    if not dry_run and outcome.get("queued") and drain_for > 0:
        drain_until_done(backend, drain_for, total=int(outcome["queued"]))


def delivery_summary_lines(status: dict[str, Any]) -> list[str]:
    """The queue in a few lines: totals, then each host with work, a pause or failures."""
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


@dataclass(frozen=True)
class PreparedMove:
    """A move checked and written to site.yaml: the new actor, and what site.yaml now says."""

    actor_id: str
    recorded: str


def prepare_move(
    config: SiteConfig, target: str, *, allow_private_addresses: bool, webfinger_scheme: str
) -> PreparedMove:
    """Resolve the new account, refuse it unless it lists us in alsoKnownAs, then set
    site.yaml's moved_to."""
    from site_function.owner.moving import move_refusal

    from site_gen.cli.move_account import MoveError, set_moved_to

    local = allow_private_addresses or is_loopback_url(config.base_url)
    resolved = _resolve_move_target(config, target, local, webfinger_scheme)
    reason = move_refusal(resolved.document, config.urls.actor)
    if reason is not None:
        raise MoveError(f"not moving to {resolved.actor_id}: {reason}")
    # site.yaml takes https actor URLs or handles; a local (http) actor is kept as typed.
    recorded = resolved.actor_id if resolved.actor_id.startswith("https://") else target
    set_moved_to(config.root, recorded)
    return PreparedMove(resolved.actor_id, recorded)


def _resolve_move_target(config: SiteConfig, target: str, allow_private: bool, scheme: str) -> Any:
    """WebFinger + signed fetch of the new account, with the site's own key."""
    from site_core.signatures import SigningKey
    from site_gen.cli.move_account import resolve_target
    from site_gen.federation.key_files import private_key_from_environment
    from site_remote.client import ClientSettings, make_session, user_agent_for

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
