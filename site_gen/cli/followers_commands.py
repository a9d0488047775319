"""`site-gen followers list|pending|approve|reject|remove`: the owner decides who follows.

Thin wrappers around `site_function.owner_controls`, reached either through the deployed
function's admin API (`--function-url`, default from site.yaml; the bearer token found by
`find_admin_token`) or directly on a database (`--database URL`). Both paths run the same
functions, so approving from a laptop or from the API queues the same Accept. `OwnerBackend`
is shared with `blocks_commands`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from site_gen.cli.options import site_option
from site_gen.config import SiteConfig, load_config
from site_gen.errors import SiteGenError
from site_gen.publish.admin_token import require_admin_token

__all__ = ["OwnerBackend", "backend_options", "open_owner_backend", "register"]


class OwnerBackend:
    """One owner request at a time, over HTTP or on a database; errors are `SiteGenError`."""

    def __init__(self, config: SiteConfig, database_url: str | None, function_url: str | None):
        self.config = config
        self.database_url = database_url
        self.function_url = (function_url or config.function_url or config.base_url).rstrip("/")

    # -- the two transports ----------------------------------------------------------------

    def http(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        token = require_admin_token(self.config.state_dir, os.environ)
        url = f"{self.function_url}/admin/api{path}"
        headers = {"Authorization": f"Bearer {token.value}", **kw.pop("headers", {})}
        try:
            response = httpx.request(method, url, headers=headers, timeout=30, **kw)
        except httpx.HTTPError as exc:
            raise SiteGenError(f"cannot reach the function at {url}: {exc}") from None
        if response.status_code == 401:
            raise SiteGenError(token.refused())
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail") or response.text
            except ValueError:
                detail = response.text
            raise SiteGenError(f"{response.status_code}: {detail}")
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def local(self, name: str, *args: Any, **kw: Any) -> Any:
        from site_function import owner_controls
        from site_function.owner_controls import OwnerControlError
        from site_function.store import StoreError, open_store

        assert self.database_url is not None
        try:
            store = open_store(self.database_url)
        except StoreError as exc:
            raise SiteGenError(f"cannot open the database: {exc}") from None
        try:
            return getattr(owner_controls, name)(store, *args, **kw)
        except OwnerControlError as exc:
            raise SiteGenError(str(exc)) from None
        finally:
            store.close()

    # -- followers ---------------------------------------------------------------------------

    def followers(self, state: str) -> list[dict[str, Any]]:
        if self.database_url:
            chosen = None if state == "all" else state
            return list(self.local("list_followers", chosen))
        return list(self.http("GET", "/followers", params={"state": state}))

    def follower_action(self, action: str, actor: str) -> dict[str, Any]:
        if self.database_url:
            name = {"approve": "approve_follower"}.get(action, "reject_follower")
            return dict(self.local(name, self.config.urls, actor, datetime.now(UTC)))
        return dict(self.http("POST", f"/followers/{action}", json={"actor": actor}))

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self) -> list[dict[str, Any]]:
        if self.database_url:
            return list(self.local("list_blocks"))
        return list(self.http("GET", "/blocks"))

    def add_block(self, target: str, comment: str) -> dict[str, Any]:
        if self.database_url:
            now = datetime.now(UTC)
            return dict(self.local("add_block", self.config.urls, target, now, comment=comment))
        return dict(self.http("POST", "/blocks", json={"target": target, "comment": comment}))

    def remove_block(self, target: str) -> dict[str, Any]:
        if self.database_url:
            return dict(self.local("remove_block", target))
        return dict(self.http("POST", "/blocks/remove", json={"target": target}))

    def import_blocks(self, text: str) -> dict[str, Any]:
        if self.database_url:
            now = datetime.now(UTC)
            return dict(self.local("import_blocks", self.config.urls, text, now))
        headers = {"Content-Type": "text/csv"}
        return dict(self.http("POST", "/blocks/import", content=text.encode(), headers=headers))

    def export_blocks(self) -> str:
        if self.database_url:
            return str(self.local("export_blocks"))
        return str(self.http("GET", "/blocks/export"))


def backend_options(command: Any) -> Any:
    """`--site`, `--database` and `--function-url`, shared by the followers and blocks groups."""
    command = click.option(
        "--function-url",
        default=None,
        metavar="URL",
        help="The function's base URL (default: function_url, else base_url, from site.yaml).",
    )(command)
    command = click.option(
        "--database",
        "database_url",
        default=None,
        metavar="URL",
        help="Work on this database directly (sqlite:///path or postgresql://...).",
    )(command)
    return site_option(command)


def open_owner_backend(
    site_dir: Path, database_url: str | None, function_url: str | None
) -> OwnerBackend:
    return OwnerBackend(load_config(site_dir), database_url, function_url)


def _show(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("(none)")
    for row in rows:
        click.echo(f"{row['actor']}  {row['state']}  since {row.get('since') or '-'}")


def register(cli: click.Group) -> None:
    @cli.group("followers")
    def followers() -> None:
        """See and decide who follows this site."""

    @followers.command("list")
    @click.option(
        "--state",
        type=click.Choice(["accepted", "pending", "all"]),
        default="accepted",
        show_default=True,
        help="Which followers to list.",
    )
    @backend_options
    def list_command(
        state: str, site_dir: Path, database_url: str | None, function_url: str | None
    ) -> None:
        """List followers."""
        _show(open_owner_backend(site_dir, database_url, function_url).followers(state))

    @followers.command("pending")
    @backend_options
    def pending_command(site_dir: Path, database_url: str | None, function_url: str | None) -> None:
        """List follow requests waiting for approval."""
        _show(open_owner_backend(site_dir, database_url, function_url).followers("pending"))

    def action_command(action: str, summary: str) -> None:
        @followers.command(action, help=summary)
        @click.argument("actor")
        @backend_options
        def command(
            actor: str, site_dir: Path, database_url: str | None, function_url: str | None
        ) -> None:
            backend = open_owner_backend(site_dir, database_url, function_url)
            result = backend.follower_action(action, actor)
            click.echo(f"{action}: {result['actor']} ({result['state']})")

    action_command("approve", "Accept a pending follow request (sends Accept).")
    action_command("reject", "Refuse a pending follow request (sends Reject).")
    action_command("remove", "Remove a follower (sends Reject).")
