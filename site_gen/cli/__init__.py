"""The `site-gen` command line: thin Click wrappers around plain functions.

Errors become a one-line message and exit code 1 here, in one place: every command raises
`SiteGenError` (or a `click.ClickException`) and never prints a traceback for bad input.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from site_core import __version__
from site_core.errors import SiteGenError

__all__ = ["cli", "main"]

# Each module adds its commands to `cli` with `register(cli)`; one module per area.
_COMMAND_MODULES: tuple[str, ...] = (
    "keys_commands",
    "site_commands",
    "serve_commands",
    "publish_commands",
    "followers_commands",
    "blocks_commands",
    "domains_commands",
    "blocklist_commands",
    "conversations_commands",
    "conversation_sync_commands",
    "notify_commands",
    "state_commands",
    "doctor_command",
    "admin_page_commands",
)


class _Group(click.Group):
    """Turns every `SiteGenError` into a clear message instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SiteGenError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="site-gen")
def cli() -> None:
    """Build a static website and fediverse presence from Markdown, and run its function."""


for _name in _COMMAND_MODULES:
    importlib.import_module(f"site_gen.cli.{_name}").register(cli)


def main() -> None:
    """Console entry point."""
    sys.exit(cli.main(prog_name="site-gen", standalone_mode=True))
