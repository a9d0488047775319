"""`site-gen serve`: a thin wrapper around `PreviewServer`."""

from __future__ import annotations

from pathlib import Path

import click

from site_gen.cli.options import site_option

__all__ = ["register"]


@click.command("serve")
@site_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 lets the system pick a free one.",
)
@click.option("--no-function", is_flag=True, help="Serve only the site, without the function.")
@click.option("--no-watch", is_flag=True, help="Do not rebuild and reload on changes.")
def serve_command(site_dir: Path, host: str, port: int, no_function: bool, no_watch: bool) -> None:
    """Build the site and serve it with the function on one local port, reloading on change."""
    from site_gen.config import load_config
    from site_gen.serve import PreviewServer

    config = load_config(site_dir)
    try:
        server = PreviewServer(
            config,
            host=host,
            port=port,
            function=not no_function,
            watch=not no_watch,
            report=click.echo,
        )
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    if server.function_error:
        click.echo(f"warning: {server.function_error}; serving the site only", err=True)
    click.echo(f"Serving {server.url}/ (Ctrl-C to stop)", err=False)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        click.echo("Stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(serve_command)
