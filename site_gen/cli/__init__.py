"""The `site-gen` command line: thin Click wrappers around plain functions.

Errors become a one-line message and exit code 1 here, in one place: every command raises
`SiteGenError` (or a `click.ClickException`) and never prints a traceback for bad input.

The command modules are imported on first use, so `site-gen build` pays only for the build:
the owner commands pull in the function's store, aiohttp and more, which a build of a
hundred posts would otherwise spend most of its time importing.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from site_core import __version__
from site_core.errors import SiteGenError

__all__ = ["COMMAND_MODULES", "cli", "main"]

# Each top-level command and the modules that build it, in order: each module adds its
# commands to `cli` (or subcommands to a group made by the module before it) with
# `register(cli)`. One module per area.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "init": ("site_commands",),
    "new": ("site_commands",),
    "build": ("site_commands",),
    "check": ("site_commands",),
    "keys": ("keys_commands",),
    "serve": ("serve_commands",),
    "publish": ("publish_commands",),
    "deliveries": ("publish_commands",),
    "move": ("publish_commands",),
    "followers": ("followers_commands",),
    "blocks": ("blocks_commands", "blocklist_commands"),
    "domains": ("domains_commands",),
    "conversations": ("conversations_commands", "conversation_sync_commands"),
    "notify": ("notify_commands",),
    "state": ("state_commands",),
    "doctor": ("doctor_command",),
    "admin-passphrase": ("admin_page_commands",),
}


class _Group(click.Group):
    """Loads a command's modules when it is asked for, and turns every `SiteGenError` into a
    clear message instead of a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._registered: set[str] = set()  # the command modules imported so far

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module in COMMAND_MODULES.get(cmd_name, ()):
            if module not in self._registered:
                self._registered.add(module)
                importlib.import_module(f"site_gen.cli.{module}").register(self)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SiteGenError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="site-gen")
def cli() -> None:
    """Build a static website and fediverse presence from Markdown, and run its function."""


def main() -> None:
    """Console entry point."""
    sys.exit(cli.main(prog_name="site-gen", standalone_mode=True))
