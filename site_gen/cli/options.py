"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

__all__ = [
    "database_option",
    "function_url_option",
    "owner_options",
    "private_addresses_option",
    "site_option",
]

F = TypeVar("F", bound=Callable[..., object])

site_option = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    envvar="SITE_GEN_SITE",
    help="The site folder (the one holding site.yaml).",
)

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

private_addresses_option = click.option(
    "--allow-private-addresses",
    is_flag=True,
    hidden=True,
    help="Allow deliveries to loopback/private addresses (local tests only).",
)


def owner_options(command: F) -> F:
    """`--site`, `--database` and `--function-url`: where an owner command does its work."""
    return site_option(database_option(function_url_option(command)))
