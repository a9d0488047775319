"""The owner's blocks: add, remove, list, and the shared CSV blocklists in and out.

Blocking an account or a domain removes its followers and queues each a Reject in the same
store transaction (FEDERATION.md#own-blocks), and records them as severed; lifting the block
names them, to invite back (FEDERATION.md#domain-policies). Results are JSON-ready dicts, the
same for the admin API and `site-gen blocks --database`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from site_core.urls import UrlScheme
from site_function.owner.errors import OwnerRequestError
from site_function.owner.followers import answer_delivery, iso_time
from site_function.store.base import (
    Block,
    BlockKind,
    Follower,
    Store,
    normalize_domain,
)
from site_function.store.domain_policies import block_cause

__all__ = [
    "add_block",
    "block_to_dict",
    "covered",
    "export_blocks",
    "import_blocks",
    "list_blocks",
    "parse_block_target",
    "remove_block",
]


def block_to_dict(block: Block) -> dict[str, Any]:
    return {
        "kind": block.kind,
        "value": block.value,
        "comment": block.comment,
        "severity": block.severity,
        "since": iso_time(block.created_at),
    }


def parse_block_target(text: str) -> tuple[BlockKind, str]:
    """An actor URL is an account block, a bare host name a domain block.

    Handles (`@user@host`) are refused with a hint: the store matches actor ids, and turning a
    handle into one needs a WebFinger lookup the owner can do by opening the profile.
    """
    value = text.strip()
    if value.startswith(("https://", "http://")):
        return "account", value
    if value.startswith("@") or "@" in value or "/" in value or not value:
        raise OwnerRequestError(
            f"{text!r}: give an actor URL (https://server/users/name) or a domain (server.example)"
        )
    domain = normalize_domain(value)
    if "." not in domain and domain != "localhost":
        raise OwnerRequestError(f"{text!r} is not a domain name")
    return "domain", domain


def covered(store: Store, kind: BlockKind, value: str) -> list[Follower]:
    """The followers a block takes away: the account, or everyone on the domain and its
    subdomains (one indexed read, `Store.followers_on_domain`)."""
    if kind == "account":
        follower = store.get_follower(value)
        return [follower] if follower is not None else []
    return store.followers_on_domain(value)


def _store_block(store: Store, urls: UrlScheme, block: Block, now: datetime) -> list[str]:
    rejects = [answer_delivery("Reject", f, urls) for f in covered(store, block.kind, block.value)]
    return [f.actor_id for f in store.add_block(block, rejects, now)]


def add_block(
    store: Store,
    urls: UrlScheme,
    target: str,
    now: datetime,
    *,
    comment: str = "",
    severity: str = "suspend",
) -> dict[str, Any]:
    """Block an account or a domain: its followers are removed and each gets a Reject
    (FEDERATION.md#own-blocks), all in the store's one transaction."""
    kind, value = parse_block_target(target)
    block = Block(kind, value, now, severity=severity, comment=comment)
    removed = _store_block(store, urls, block, now)
    return {"block": block_to_dict(block), "removed": removed}


def remove_block(store: Store, target: str) -> dict[str, Any]:
    """Lift a block; the result names the followers it had severed, so the owner knows whom
    to invite back (the record goes with the block)."""
    kind, value = parse_block_target(target)
    with store.transaction():
        severed = store.forget_severed(block_cause(kind, value))
        if not store.remove_block(kind, value):
            raise OwnerRequestError(f"no {kind} block of {value}", 404)  # rolls the forget back
    invite = [{"actor": s.actor_id, "severed_at": iso_time(s.severed_at)} for s in severed]
    return {"removed": {"kind": kind, "value": value}, "invite_back": invite}


def list_blocks(store: Store) -> list[dict[str, Any]]:
    return [block_to_dict(b) for b in store.list_blocks()]


def import_blocks(store: Store, urls: UrlScheme, csv_text: str, now: datetime) -> dict[str, Any]:
    """Import a Mastodon domain-block CSV (or a plain list); each block as `add_block`.

    Rows that cannot be read are reported with their line numbers; the good rows are imported
    (a shared list with one odd line should still protect the owner).
    """
    from site_function.blocklist_csv import parse_blocklist

    parsed = parse_blocklist(csv_text, now)
    if parsed.unreadable is not None:
        raise OwnerRequestError(f"the blocklist cannot be read: {parsed.unreadable}")
    blocks: Sequence[Block] = parsed.blocks
    removed: list[str] = []
    for block in blocks:
        removed += _store_block(store, urls, block, now)
    problems = [str(problem) for problem in parsed.problems]
    return {"imported": len(blocks), "removed": removed, "problems": problems}


def export_blocks(store: Store) -> str:
    """The domain blocks as Mastodon's CSV, ready to publish or import elsewhere."""
    from site_function.blocklist_csv import format_blocklist

    return format_blocklist([b for b in store.list_blocks() if b.kind == "domain"])
