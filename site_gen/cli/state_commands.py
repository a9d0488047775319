"""`site-gen state export|import|copy`: move the function's whole state to another host.

Followers (with the Follow ids we accepted), pending requests, blocks, the publish ledger,
interactions and their moderation, the delivery queue, cached actors and keys, seen activity
ids and the owner's settings: one archive (`export`), loaded into an empty database of
either backend in one transaction (`import`), or both at once between two databases
(`copy`). They work on databases directly, as `--database` does for the owner commands;
`site_function.owner.state_archive` does the work. The private key travels only with
`--include-key`, encrypted with a passphrase (asked, or `SITE_GEN_STATE_PASSPHRASE`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from site_core.errors import SiteGenError
from site_gen.cli.options import site_option
from site_gen.config import load_config
from site_gen.federation.key_files import private_key_from_environment, write_private_key

if TYPE_CHECKING:
    from site_function.owner.state_archive import StateCounts
    from site_function.store import Store

__all__ = ["PASSPHRASE_ENV", "count_lines", "register", "state_group"]

PASSPHRASE_ENV = "SITE_GEN_STATE_PASSPHRASE"  # noqa: S105 - a variable name

_database = click.option(
    "--database",
    "database_url",
    metavar="URL",
    envvar="SITE_GEN_DATABASE_URL",
    required=True,
    help="The function's database (sqlite:///path or postgresql://...); default:"
    " SITE_GEN_DATABASE_URL.",
)


def count_lines(result: StateCounts, verb: str) -> list[str]:
    """One line per kind (with what --merge skipped), then the total."""
    lines = []
    for kind, count in result.counts.items():
        skipped = count - result.added[kind]
        note = f" ({skipped} already held, kept)" if skipped else ""
        lines.append(f"  {kind:13} {count:>9}{note}")
    total = sum(result.added.values())
    return [
        *lines,
        f"{verb} {total} records" + (" and the encrypted key" if result.with_key else ""),
    ]


@contextmanager
def _store(url: str) -> Iterator[Store]:
    from site_function.store import StoreError, open_store

    try:
        store = open_store(url)
    except StoreError as exc:
        raise SiteGenError(f"cannot open the database: {exc}") from None
    try:
        yield store
    except StoreError as exc:
        raise SiteGenError(f"the database refused the state, nothing was changed: {exc}") from None
    finally:
        store.close()


@contextmanager
def _refusals() -> Iterator[None]:
    """An archive refused (`ArchiveError`) is a message, not a traceback."""
    from site_function.owner.state_archive import ArchiveError

    try:
        yield
    except ArchiveError as exc:
        raise SiteGenError(exc.detail) from None


def _passphrase(*, confirm: bool) -> str:
    found = os.environ.get(PASSPHRASE_ENV)
    if found:
        return found
    text: str = click.prompt(
        "Passphrase for the private key", hide_input=True, confirmation_prompt=confirm
    )
    return text


@click.group("state")
def state_group() -> None:
    """Move the function's state (followers, blocks, ledger, conversation, queue)."""


@state_group.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The archive to write (a .tar; .tar.gz to compress it).",
)
@click.option(
    "--include-key", is_flag=True, help="Add the site's private key, encrypted with a passphrase."
)
@click.option(
    "--mastodon",
    "mastodon_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write followers and blocks as Mastodon's CSV files into this folder.",
)
@_database
@site_option
def export_command(
    output: Path, include_key: bool, mastodon_dir: Path | None, database_url: str, site_dir: Path
) -> None:
    """Write the whole state to one archive (never the private key, unless asked)."""
    from site_function.owner.state_archive import encrypt_key, export_state, write_mastodon_csv

    config = load_config(site_dir)
    with _refusals():
        key_pem = None
        if include_key:
            key = private_key_from_environment(os.environ, config.private_key_path)
            key_pem = encrypt_key(key, _passphrase(confirm=True))
        with _store(database_url) as store:
            result = export_state(store, output, config.urls.actor, datetime.now(UTC),
                                  key_pem=key_pem)  # fmt: skip
            written = write_mastodon_csv(store, mastodon_dir) if mastodon_dir else []
    for line in count_lines(result, f"wrote {output}:"):
        click.echo(line)
    for path in written:
        click.echo(f"wrote {path}")


@state_group.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--merge",
    is_flag=True,
    help="Add to a database that holds state already (rows it holds are kept).",
)
@click.option(
    "--restore-key",
    is_flag=True,
    help="Write the archive's private key to the site's key file (asks the passphrase).",
)
@_database
@site_option
def import_command(
    archive: Path, merge: bool, restore_key: bool, database_url: str, site_dir: Path
) -> None:
    """Load an archive into an empty database (SQLite or PostgreSQL), in one transaction."""
    from site_function.owner.state_archive import import_state

    config = load_config(site_dir)
    key_path = config.private_key_path
    if restore_key and key_path.exists():
        raise SiteGenError(f"{key_path} already exists; move it away to restore the archive's key")
    passphrase = _passphrase(confirm=False) if restore_key else None
    with _refusals(), _store(database_url) as store:
        result = import_state(store, archive, config.urls.actor, merge=merge,
                              passphrase=passphrase)  # fmt: skip
    for line in count_lines(result.counts, f"imported {archive}:"):
        click.echo(line)
    if result.key is not None:
        write_private_key(key_path, result.key, output_dir=config.output_dir)
        click.echo(f"wrote {key_path}")


@state_group.command("copy")
@click.option(
    "--from",
    "source_url",
    metavar="URL",
    required=True,
    help="The database to copy from (left unchanged).",
)
@click.option(
    "--to",
    "target_url",
    metavar="URL",
    required=True,
    help="The database to copy into (empty, unless --merge).",
)
@click.option(
    "--merge",
    is_flag=True,
    help="Add to a database that holds state already (rows it holds are kept).",
)
def copy_command(source_url: str, target_url: str, merge: bool) -> None:
    """Copy the whole state from one database into another, streaming, in one transaction."""
    from site_function.owner.state_archive import copy_state

    if source_url.strip() == target_url.strip():
        raise SiteGenError("--from and --to name the same database")
    with _refusals(), _store(source_url) as source, _store(target_url) as target:
        result = copy_state(source, target, merge=merge)
    for line in count_lines(result, "copied"):
        click.echo(line)


def register(cli: click.Group) -> None:
    """Add the `state` group to the command line."""
    cli.add_command(state_group)
