"""`site-gen blocks subscribe|sync|apply-subscriptions`: shared blocklists, reviewed first.

`subscribe URL` adds the list to site.yaml; `sync` fetches each list and writes the proposal
under blocklists/ (the scheduled workflow opens a pull request with it); `apply-subscriptions`
blocks what the merged files add, printing each block's preview first (publish.yml runs it
after the merge). Nothing is blocked by `sync`: see `blocklist_subscriptions`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from site_function.blocklist_csv import format_blocklist, parse_blocklist

from site_gen.cli.blocklist_subscriptions import (
    BLOCKLIST_DIR,
    ListDiff,
    diff_list,
    fetch_list,
    list_name,
    read_subscriptions,
    subscribe,
    summary_text,
)
from site_gen.cli.blocks_commands import blocks_imported_lines
from site_gen.cli.change_preview import change_options, preview_lines
from site_gen.cli.options import owner_options, private_addresses_option, site_option
from site_gen.cli.owner_access import OwnerControls, owner_session
from site_gen.workflows import BLOCKLISTS_WORKFLOW_PATH, write_blocklists_workflow

__all__ = ["register"]


def _domain_blocks(owner: OwnerControls) -> set[str]:
    return {row["value"] for row in owner.blocks() if row["kind"] == "domain"}


def _previews(owner: OwnerControls, diff: ListDiff) -> list[str]:
    """Each new block's preview, as `blocks add` prints it."""
    lines: list[str] = []
    for domain in diff.added:
        lines += preview_lines(owner.preview_change({"action": "block", "target": domain}))
    return lines or ["nothing new to block"]


@click.command("subscribe")
@click.argument("url")
@site_option
def subscribe_command(url: str, site_dir: Path) -> None:
    """Subscribe to a shared blocklist (Mastodon's CSV at an https URL), in site.yaml."""
    added = subscribe(site_dir, url)
    click.echo(f"subscribed to {url}" if added else f"already subscribed to {url}")
    if not (site_dir / BLOCKLISTS_WORKFLOW_PATH).exists():
        click.echo(f"wrote {write_blocklists_workflow(site_dir)}")
    click.echo("`site-gen blocks sync` proposes its blocks; nothing is blocked until applied")


@click.command("sync")
@owner_options
@private_addresses_option
def sync_command(site_dir: Path, database_url: str | None, function_url: str | None,
                 allow_private_addresses: bool) -> None:  # fmt: skip
    """Fetch each subscribed list; write blocklists/<name>.csv and .md (nothing is applied)."""
    folder = site_dir / BLOCKLIST_DIR
    for url in read_subscriptions(site_dir):
        text = fetch_list(url, allow_private=allow_private_addresses)
        csv_path = folder / f"{list_name(url)}.csv"
        previous = csv_path.read_text(encoding="utf-8") if csv_path.exists() else None
        with owner_session(site_dir, database_url, function_url) as owner:
            diff = diff_list(text, _domain_blocks(owner), previous)
            preview = _previews(owner, diff)
        folder.mkdir(exist_ok=True)
        csv_path.write_text(diff.csv_text, encoding="utf-8")
        csv_path.with_suffix(".md").write_text(summary_text(url, diff, preview), encoding="utf-8")
        click.echo(f"{url}: {len(diff.added)} new, {len(diff.dropped)} no longer listed")
        for line in preview:
            click.echo(f"  {line}")


@click.command("apply-subscriptions")
@change_options
@owner_options
def apply_command(yes: bool, dry_run: bool, site_dir: Path, database_url: str | None,
                  function_url: str | None) -> None:  # fmt: skip
    """Block what the merged blocklists/*.csv add, after printing each block's preview."""
    files = sorted((site_dir / BLOCKLIST_DIR).glob("*.csv"))
    if not files:
        click.echo(f"no {BLOCKLIST_DIR}/*.csv: nothing to apply")
    for path in files:
        text = path.read_text(encoding="utf-8")
        with owner_session(site_dir, database_url, function_url) as owner:
            diff = diff_list(text, _domain_blocks(owner), None)
            click.echo(f"{path.name}: {len(diff.added)} new")
            for line in _previews(owner, diff):
                click.echo(f"  {line}")
            if not diff.added or dry_run:
                continue
            if not yes and not click.confirm("Block them?", default=False):
                continue
            result = owner.import_blocks(_only(text, set(diff.added)))
        for line, warning in blocks_imported_lines(result):
            click.echo(line, err=warning)
    if dry_run:
        click.echo("dry run: nothing changed")


def _only(text: str, domains: set[str]) -> str:
    """The list's rows for these domains only, as Mastodon's CSV."""
    blocks = parse_blocklist(text, datetime.now(UTC)).blocks
    return format_blocklist(b for b in blocks if b.value in domains)


def register(cli: click.Group) -> None:
    """Add the subscription commands to the `blocks` group."""
    from site_gen.cli.blocks_commands import blocks_group

    for command in (subscribe_command, sync_command, apply_command):
        blocks_group.add_command(command)
