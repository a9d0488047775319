"""`site-gen conversations list|show|approve|reject`: the owner's moderation of the replies,
likes and boosts the function received for the owner's posts.

Same two places as `followers` and `blocks` (the admin API, or `--database`): `owner_access`.
A reply's content is remote HTML; it is only ever shown here as plain text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from site_core.errors import SiteGenError
from site_gen.admin_client import InteractionState
from site_gen.cli.options import owner_options
from site_gen.cli.owner_access import owner_session
from site_gen.config import load_config
from site_gen.publish.report import plain_text
from site_gen.text import plural

__all__ = [
    "author_label",
    "conversations_group",
    "interaction_detail_lines",
    "interaction_lines",
    "register",
    "shortened",
]

_SHORT_TEXT = 60


def shortened(text: str, limit: int = _SHORT_TEXT) -> str:
    """One line of at most `limit` characters, an ellipsis when cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _post_slug(object_id: str) -> str:
    """The last path segment of a post's id: what the owner calls the post."""
    return object_id.rstrip("/").rsplit("/", 1)[-1]


def author_label(row: dict[str, Any]) -> str:
    """Who said it: the author's `@user@host` handle when the function knows it, else the
    actor URL."""
    author = row.get("author")
    handle = author.get("handle") if isinstance(author, dict) else None
    return handle if isinstance(handle, str) and handle else str(row["actor"])


def interaction_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Two lines per interaction (what was said; who, on which post, when, its id), or
    `(none)`."""
    if not rows:
        return ["(none)"]
    lines: list[str] = []
    for row in rows:
        said = shortened(plain_text(row.get("content") or "")) if row["kind"] == "reply" else ""
        lines.append(f"{row['kind']:8} {row['state']:8} {said or '-'}")
        lines.append(
            f"         by {author_label(row)} on {_post_slug(row['object'])} at {row['since']}"
            f"  id {row['id']}"
        )
    return lines


def interaction_detail_lines(row: dict[str, Any]) -> list[str]:
    """Every field of one interaction, a reply's whole text last."""
    lines = [
        f"id:     {row['id']}",
        f"kind:   {row['kind']}",
        f"state:  {row['state']}",
        f"author: {author_label(row)}",
        f"actor:  {row['actor']}",
        f"post:   {row['object']}",
        f"time:   {row['since']}",
    ]
    text = plain_text(row.get("content") or "")
    return lines + (["", text] if text else [])


def actor_url(value: str) -> str:
    """An actor URL as given, or a `@user@host` handle (matched by the function on the author
    profiles it stored, so no lookup is needed); anything else is refused."""
    if value.startswith(("https://", "http://")):
        return value
    user, _, host = value.lstrip("@").partition("@")
    if user and host and " " not in value and "/" not in value:
        return "@" + value.lstrip("@")
    raise SiteGenError(f"{value}: give the account as @user@host or as its actor URL")


@click.group("conversations")
def conversations_group() -> None:
    """Moderate the replies, likes and boosts sent to your posts."""


@conversations_group.command("list")
@click.option("--pending", is_flag=True, help="Only what waits for your decision.")
@click.option("--post", "slug", metavar="SLUG", default=None, help="Only those on this post.")
@owner_options
def list_command(
    pending: bool, slug: str | None, site_dir: Path, database_url: str | None,
    function_url: str | None,
) -> None:  # fmt: skip
    """List replies, likes and boosts, oldest first."""
    object_id = load_config(site_dir).urls.post_object(slug) if slug else None
    state: InteractionState | None = "pending" if pending else None
    with owner_session(site_dir, database_url, function_url) as owner:
        rows = owner.interactions(object_id, state)
    for line in interaction_lines(rows):
        click.echo(line)


@conversations_group.command("show")
@click.argument("interaction_id", metavar="ID")
@owner_options
def show_command(
    interaction_id: str, site_dir: Path, database_url: str | None, function_url: str | None
) -> None:
    """Show one interaction, a reply's whole text included."""
    with owner_session(site_dir, database_url, function_url) as owner:
        row = owner.interaction(interaction_id)
    for line in interaction_detail_lines(row):
        click.echo(line)


def _decide(
    state: InteractionState, ids: tuple[str, ...], all_from: str | None, site_dir: Path,
    database_url: str | None, function_url: str | None,
) -> None:  # fmt: skip
    """Set `state` on each id, or on everything from one actor; one line per change."""
    if bool(ids) == bool(all_from):
        raise SiteGenError("give interaction IDs or --all-from ACCOUNT (one of the two)")
    verb = "approved" if state == "approved" else "rejected"
    with owner_session(site_dir, database_url, function_url) as owner:
        if all_from:
            result = owner.moderate_actor(actor_url(all_from), state)
            changed = plural(len(result["ids"]), "interaction")
            click.echo(f"{verb} {changed} from {result['actor']}")
            return
        for interaction_id in ids:
            click.echo(f"{verb} {owner.moderate_interaction(interaction_id, state)['id']}")


_all_from_option = click.option(
    "--all-from",
    metavar="ACCOUNT",
    default=None,
    help="Every interaction of this account (@user@host or its actor URL) instead of IDs.",
)


@conversations_group.command("approve")
@click.argument("ids", metavar="ID...", nargs=-1)
@_all_from_option
@owner_options
def approve_command(
    ids: tuple[str, ...], all_from: str | None, site_dir: Path, database_url: str | None,
    function_url: str | None,
) -> None:  # fmt: skip
    """Approve interactions (by ID, or all from one account)."""
    _decide("approved", ids, all_from, site_dir, database_url, function_url)


@conversations_group.command("reject")
@click.argument("ids", metavar="ID...", nargs=-1)
@_all_from_option
@owner_options
def reject_command(
    ids: tuple[str, ...], all_from: str | None, site_dir: Path, database_url: str | None,
    function_url: str | None,
) -> None:  # fmt: skip
    """Reject interactions (by ID, or all from one account)."""
    _decide("rejected", ids, all_from, site_dir, database_url, function_url)


def register(cli: click.Group) -> None:
    """Add the `conversations` group to the command line."""
    cli.add_command(conversations_group)
