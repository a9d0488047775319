"""`site-gen blocks add|remove|list|import|export`: the owner's blocks of accounts and domains.

A domain block covers its subdomains; blocking removes the followers it covers and sends each
a Reject. Import and export use Mastodon's domain-block CSV, so published blocklists work as
they are. Same two transports as `followers` (admin API, or `--database`).
"""

from __future__ import annotations

from pathlib import Path

import click

from site_gen.cli.followers_commands import backend_options, open_owner_backend
from site_gen.errors import SiteGenError
from site_gen.text import plural

__all__ = ["register"]


def register(cli: click.Group) -> None:
    @cli.group("blocks")
    def blocks() -> None:
        """Block accounts and whole domains."""

    @blocks.command("add")
    @click.argument("account_or_domain")
    @click.option("--comment", default="", help="A note kept with the block (exported as is).")
    @backend_options
    def add_command(
        account_or_domain: str,
        comment: str,
        site_dir: Path,
        database_url: str | None,
        function_url: str | None,
    ) -> None:
        """Block an actor URL or a domain (and its subdomains)."""
        backend = open_owner_backend(site_dir, database_url, function_url)
        result = backend.add_block(account_or_domain, comment)
        block = result["block"]
        click.echo(f"blocked {block['kind']} {block['value']}")
        for actor in result["removed"]:
            click.echo(f"  removed follower {actor} (Reject queued)")

    @blocks.command("remove")
    @click.argument("account_or_domain")
    @backend_options
    def remove_command(
        account_or_domain: str, site_dir: Path, database_url: str | None, function_url: str | None
    ) -> None:
        """Lift a block."""
        backend = open_owner_backend(site_dir, database_url, function_url)
        removed = backend.remove_block(account_or_domain)["removed"]
        click.echo(f"unblocked {removed['kind']} {removed['value']}")

    @blocks.command("list")
    @backend_options
    def list_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
        """List every block."""
        rows = open_owner_backend(site_dir, database_url, function_url).blocks()
        if not rows:
            click.echo("(none)")
        for row in rows:
            note = f"  # {row['comment']}" if row.get("comment") else ""
            click.echo(f"{row['kind']:8} {row['value']}{note}")

    @blocks.command("import")
    @click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @backend_options
    def import_command(
        csv_file: Path, site_dir: Path, database_url: str | None, function_url: str | None
    ) -> None:
        """Import a Mastodon domain-block CSV (or a plain list of domains)."""
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SiteGenError(f"{csv_file}: cannot read: {exc}") from None
        result = open_owner_backend(site_dir, database_url, function_url).import_blocks(text)
        click.echo(f"imported {plural(result['imported'], 'block')}")
        for problem in result.get("problems", []):
            click.echo(f"  skipped {problem}", err=True)
        for actor in result["removed"]:
            click.echo(f"  removed follower {actor} (Reject queued)")

    @blocks.command("export")
    @click.argument("csv_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    @backend_options
    def export_command(
        csv_file: Path | None, site_dir: Path, database_url: str | None, function_url: str | None
    ) -> None:
        """Write the domain blocks as Mastodon's CSV (to FILE, or standard output)."""
        text = open_owner_backend(site_dir, database_url, function_url).export_blocks()
        if csv_file is None:
            click.echo(text, nl=False)
        else:
            csv_file.write_text(text, encoding="utf-8")
            click.echo(f"wrote {csv_file}")
