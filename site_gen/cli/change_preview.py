"""Every change to blocks and domain policies is shown before it is made.

`confirmed_change` asks the owner's controls for the change's preview (the function's
`domains/preview`, or the same service on a database), prints it ("threads.net: 37 followers
would be removed, 2 pending requests rejected"), then stops (`--dry-run`), asks, or goes on
(`--yes`). With no answer to read and without `--yes`, nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from site_gen.cli.owner_access import OwnerControls
from site_gen.text import plural

__all__ = ["change_options", "confirmed_change", "invite_back_lines", "preview_lines"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])
_SAMPLE = 20  # actors named in a preview; the rest are counted


def change_options(command: F) -> F:
    """`--yes` and `--dry-run`, for every command that changes who may follow."""
    command = click.option(
        "--dry-run", is_flag=True, help="Only show what the change would do; change nothing."
    )(command)
    return click.option(
        "--yes", "-y", is_flag=True, help="Make the change without asking (after the preview)."
    )(command)


def _effect(removed: int, rejected: int) -> str:
    if not removed and not rejected:
        return "no follower would be removed"
    return (f"{plural(removed, 'follower')} would be removed, "
            f"{plural(rejected, 'pending request')} rejected")  # fmt: skip


def invite_back_lines(invite: list[dict[str, Any]], *, done: bool) -> list[str]:
    """Who a block or allow-only mode had severed, to invite back once it is lifted."""
    if not invite:
        return []
    verb = "were" if done else "would be"
    lines = [f"{plural(len(invite), 'follower')} it had removed {verb} free to follow again;"
             " invite them back:"]  # fmt: skip
    return lines + [f"  {row['actor']} (removed {row['severed_at']})" for row in invite]


def preview_lines(preview: dict[str, Any]) -> list[str]:
    """The preview in the owner's words, one domain per line when several are touched."""
    target = preview.get("target") or "allow-only mode"
    lines = [f"{target}: {_effect(preview['followers_removed'], preview['pending_rejected'])}"]
    if preview.get("pending_replies_hidden"):
        lines.append(f"  {plural(preview['pending_replies_hidden'], 'pending reply')} hidden")
    by_domain: dict[str, dict[str, int]] = preview.get("by_domain", {})
    if len(by_domain) > 1 or (by_domain and not preview.get("target")):
        for domain, counts in by_domain.items():
            effect = _effect(counts["followers_removed"], counts["pending_rejected"])
            lines.append(f"  {domain}: {effect}")
    removed: list[str] = preview.get("removed", [])
    lines += [f"  {actor}" for actor in removed[:_SAMPLE]]
    if len(removed) > _SAMPLE:
        lines.append(f"  ... and {len(removed) - _SAMPLE} more")
    return lines + invite_back_lines(preview.get("invite_back", []), done=False)


def confirmed_change(
    owner: OwnerControls,
    change: dict[str, str],
    yes: bool,
    dry_run: bool,
    apply: Callable[[], T],
) -> T | None:
    """Print the change's preview, then make it (`apply`) once confirmed; None when not."""
    for line in preview_lines(owner.preview_change(change)):
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing changed")
        return None
    # Without a terminal (or an answer on standard input), the prompt aborts: nothing changes.
    if not yes and not click.confirm("Make this change?", default=False):
        click.echo("nothing changed")
        return None
    return apply()
