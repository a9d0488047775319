"""`site-gen blocks add|remove|list|import|export`: the owner's blocks of accounts and domains.

A domain block covers its subdomains; blocking removes the followers it covers and sends each
a Reject, after a preview of that effect and a confirmation (`change_preview`); lifting it
names the followers it had removed, to invite back. Import and export use Mastodon's
domain-block CSV, so published blocklists work as they are. Same two places as `followers`
(admin API, or `--database`): `owner_access`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from site_core.errors import SiteGenError
from site_gen.cli.change_preview import change_options, confirmed_change, invite_back_lines
from site_gen.cli.options import owner_options
from site_gen.cli.owner_access import owner_session
from site_gen.text import plural

__all__ = [
    "block_added_lines",
    "block_lines",
    "blocks_group",
    "blocks_imported_lines",
    "read_blocklist",
    "register",
]


def block_added_lines(result: dict[str, Any]) -> list[str]:
    """The new block, then each follower it removed."""
    block = result["block"]
    lines = [f"blocked {block['kind']} {block['value']}"]
    return lines + [f"  removed follower {actor} (Reject queued)" for actor in result["removed"]]


def block_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per block (kind, value, comment), or `(none)`."""
    if not rows:
        return ["(none)"]
    lines = []
    for row in rows:
        note = f"  # {row['comment']}" if row.get("comment") else ""
        lines.append(f"{row['kind']:8} {row['value']}{note}")
    return lines


def blocks_imported_lines(result: dict[str, Any]) -> list[tuple[str, bool]]:
    """What an import did, in order, each line with whether it is a warning (standard error):
    the count, the lines skipped, then each follower removed."""
    lines = [(f"imported {plural(result['imported'], 'block')}", False)]
    lines += [(f"  skipped {problem}", True) for problem in result.get("problems", [])]
    lines += [(f"  removed follower {actor} (Reject queued)", False) for actor in result["removed"]]
    return lines


def read_blocklist(csv_file: Path) -> str:
    """The CSV's text (a byte-order mark dropped), or an error naming the file."""
    try:
        return csv_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteGenError(f"{csv_file}: cannot read: {exc}") from None


@click.group("blocks")
def blocks_group() -> None:
    """Block accounts and whole domains."""


@blocks_group.command("add")
@click.argument("account_or_domain")
@click.option("--comment", default="", help="A note kept with the block (exported as is).")
@change_options
@owner_options
def add_command(account_or_domain: str, comment: str, yes: bool, dry_run: bool, site_dir: Path,
                database_url: str | None, function_url: str | None) -> None:  # fmt: skip
    """Block an actor URL or a domain (and its subdomains), after showing what it removes."""
    change = {"action": "block", "target": account_or_domain}
    with owner_session(site_dir, database_url, function_url) as owner:
        result = confirmed_change(
            owner, change, yes, dry_run, lambda: owner.add_block(account_or_domain, comment)
        )
    for line in block_added_lines(result) if result is not None else []:
        click.echo(line)


@blocks_group.command("remove")
@click.argument("account_or_domain")
@change_options
@owner_options
def remove_command(account_or_domain: str, yes: bool, dry_run: bool, site_dir: Path,
                   database_url: str | None, function_url: str | None) -> None:  # fmt: skip
    """Lift a block, and name the followers it had removed (to invite back)."""
    change = {"action": "unblock", "target": account_or_domain}
    with owner_session(site_dir, database_url, function_url) as owner:
        result = confirmed_change(
            owner, change, yes, dry_run, lambda: owner.remove_block(account_or_domain)
        )
    if result is None:
        return
    removed = result["removed"]
    click.echo(f"unblocked {removed['kind']} {removed['value']}")
    for line in invite_back_lines(result.get("invite_back", []), done=True):
        click.echo(line)


@blocks_group.command("list")
@owner_options
def list_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
    """List every block."""
    with owner_session(site_dir, database_url, function_url) as owner:
        rows = owner.blocks()
    for line in block_lines(rows):
        click.echo(line)


@blocks_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@owner_options
def import_command(
    csv_file: Path, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Import a Mastodon domain-block CSV (or a plain list of domains)."""
    text = read_blocklist(csv_file)
    with owner_session(site_dir, database_url, function_url) as owner:
        result = owner.import_blocks(text)
    for line, warning in blocks_imported_lines(result):
        click.echo(line, err=warning)


@blocks_group.command("export")
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@owner_options
def export_command(
    csv_file: Path | None, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Write the domain blocks as Mastodon's CSV (to FILE, or standard output)."""
    with owner_session(site_dir, database_url, function_url) as owner:
        text = owner.export_blocks()
    if csv_file is None:
        click.echo(text, nl=False)
    else:
        csv_file.write_text(text, encoding="utf-8")
        click.echo(f"wrote {csv_file}")


def register(cli: click.Group) -> None:
    """Add the `blocks` group to the command line."""
    cli.add_command(blocks_group)
