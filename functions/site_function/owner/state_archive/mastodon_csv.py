"""The followers and blocks as Mastodon's own CSV files, for an owner moving to Mastodon.

Mastodon has no followers export (followers come along with a Move); ``followers.csv`` is
written in the shape of its "Follows" export (``Account address,Show boosts,Notify on new
posts,Languages``), so the new account can follow its followers back through Settings >
Import. The blocks are written the three ways Mastodon reads them: ``blocked_accounts.csv``
and ``blocked_domains.csv`` (an account's blocks: one address or domain a line, no header)
and ``domain_blocks.csv`` (a server's domain blocks, the admin CSV ``blocks export`` writes).

An address is ``preferredUsername@host`` from the cached actor document; an actor never
cached is written as its id (a URL), which Mastodon's importer resolves by lookup.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

from site_function.blocklist_csv import format_blocklist
from site_function.store.base import Follower, Store

__all__ = ["FOLLOWS_HEADER", "account_address", "write_mastodon_csv"]

FOLLOWS_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")


def account_address(store: Store, actor_id: str) -> str:
    """``user@host`` for a cached actor, else its id."""
    actor = store.get_actor(actor_id)
    name = actor.document.get("preferredUsername") if actor else None
    host = urlsplit(actor_id).hostname
    return f"{name}@{host}" if isinstance(name, str) and name and host else actor_id


def write_mastodon_csv(store: Store, folder: Path) -> list[Path]:
    """Write the four files into ``folder`` (created if missing); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    followers = folder / "followers.csv"
    with followers.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FOLLOWS_HEADER)
        with store.read_state() as snapshot:
            for page in snapshot.pages("followers"):
                for follower in page:
                    if isinstance(follower, Follower) and follower.state == "accepted":
                        writer.writerow([account_address(store, follower.actor_id), "true",
                                         "false", ""])  # fmt: skip
    blocks = store.list_blocks()
    accounts = sorted(account_address(store, b.value) for b in blocks if b.kind == "account")
    domains = sorted(b.value for b in blocks if b.kind == "domain")
    written = [followers]
    for name, text in (
        ("blocked_accounts.csv", "".join(f"{line}\n" for line in accounts)),
        ("blocked_domains.csv", "".join(f"{line}\n" for line in domains)),
        ("domain_blocks.csv", format_blocklist(blocks)),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
