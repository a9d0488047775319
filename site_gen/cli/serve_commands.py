"""`site-gen serve`: a thin wrapper around `PreviewServer`."""

from __future__ import annotations

from pathlib import Path

import click

from site_gen.cli.options import site_option

__all__ = ["register"]


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
def serve_command(
    site_dir: Path, host: str | None, port: int | None, no_function: bool, no_watch: bool
) -> None:
    """Build the site and serve it with the function on one local port, reloading on change.

    A site whose base_url is on localhost is served as that very address, so followers on
    this machine and 'site-gen publish' reach it as they would reach the deployed site.
    """
    from site_gen.config import load_config
    from site_gen.serve import PreviewServer
    from site_gen.serve.preview_address import choose_address

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
        address = choose_address(config, host, port)
        where = f"{address.listen_host}:{address.port}"
        hint = "" if port is not None else " (choose another with --port)"
        raise click.ClickException(f"cannot listen on {where}: {exc.strerror}{hint}") from None
    if server.function_error:
        click.echo(f"warning: {server.function_error}; serving the site only", err=True)
    elif server.admin_token is not None:
        click.echo(
            f"Admin token of the function (the owner commands read it): {server.admin_token.source}"
        )
    if server.address.as_site and server.url != config.base_url:
        click.echo(
            f"warning: base_url is {config.base_url}, so 'site-gen publish' (which sends what "
            "'site-gen build' made for base_url) will not work with this preview",
            err=True,
        )
    click.echo(f"Serving {server.url}/ (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        click.echo("Stopped.")


def register(cli: click.Group) -> None:
    cli.add_command(serve_command)
