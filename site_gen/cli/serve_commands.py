"""`site-gen serve`: a thin wrapper around `PreviewServer`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from site_gen.cli.options import site_option
from site_gen.config import SiteConfig, load_config

if TYPE_CHECKING:
    from site_gen.serve import PreviewServer

__all__ = ["open_preview", "preview_notes", "register", "serve_command"]


def open_preview(
    config: SiteConfig,
    *,
    host: str | None,
    port: int | None,
    function: bool,
    watch: bool,
    allow_missing_media: bool = False,
) -> PreviewServer:
    """A bound preview server; a port that cannot be taken is a message naming it."""
    from site_gen.serve import PreviewServer
    from site_gen.serve.preview_address import choose_address

    try:
        return PreviewServer(
            config,
            host=host,
            port=port,
            function=function,
            watch=watch,
            report=click.echo,
            allow_missing_media=allow_missing_media,
        )
    except OSError as exc:
        address = choose_address(config, host, port)
        where = f"{address.listen_host}:{address.port}"
        hint = "" if port is not None else " (choose another with --port)"
        raise click.ClickException(f"cannot listen on {where}: {exc.strerror}{hint}") from None


def preview_notes(server: PreviewServer, config: SiteConfig) -> list[tuple[str, bool]]:
    """What to tell before serving, each line with whether it is a warning (standard error):
    the function's state or its admin token's source, and a base_url the preview is not."""
    notes: list[tuple[str, bool]] = []
    if server.function_error:
        notes.append((f"warning: {server.function_error}; serving the site only", True))
    elif server.admin_token is not None:
        source = server.admin_token.source
        notes.append((f"Admin token of the function (the owner commands read it): {source}", False))
    if server.address.as_site and server.url != config.base_url:
        warning = (
            f"warning: base_url is {config.base_url}, so 'site-gen publish' (which sends what "
            "'site-gen build' made for base_url) will not work with this preview"
        )
        notes.append((warning, True))
    return notes


@click.command("serve")
@site_option
@click.option(
    "--host",
    default=None,
    help="Address to listen on (default: 127.0.0.1, or ::1 for a base_url on [::1]).",
)
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 lets the system pick a free one "
    "(default: base_url's port when base_url is on localhost, else 8000).",
)
@click.option("--no-function", is_flag=True, help="Serve only the site, without the function.")
@click.option("--no-watch", is_flag=True, help="Do not rebuild and reload on changes.")
@click.option(
    "--allow-missing-media",
    is_flag=True,
    help="Show replies whose copied avatar or image is missing without the picture "
    "(a warning), instead of stopping.",
)
def serve_command(
    site_dir: Path,
    host: str | None,
    port: int | None,
    no_function: bool,
    no_watch: bool,
    allow_missing_media: bool,
) -> None:
    """Build the site and serve it with the function on one local port, reloading on change.

    A site whose base_url is on localhost is served as that very address, so followers on
    this machine and 'site-gen publish' reach it as they would reach the deployed site.
    """
    config = load_config(site_dir)
    server = open_preview(
        config,
        host=host,
        port=port,
        function=not no_function,
        watch=not no_watch,
        allow_missing_media=allow_missing_media,
    )
    for note, warning in preview_notes(server, config):
        click.echo(note, err=warning)
    click.echo(f"Serving {server.url}/ (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        click.echo("Stopped.")


def register(cli: click.Group) -> None:
    """Add `serve` to the command line."""
    cli.add_command(serve_command)
