"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["site_option"]

site_option = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    envvar="SITE_GEN_SITE",
    help="The site folder (the one holding site.yaml).",
)
