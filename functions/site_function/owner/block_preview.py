"""What a block would do, before the owner confirms it: the followers it removes (each gets a
Reject) and the pending replies it hides.

"Blocking threads.net removes 37 followers and 12 pending replies": the admin page shows this
before its confirm button, for one target or for a whole Mastodon CSV. Pure reads: nothing is
stored; the followers counted are the ones `blocks.add_block` removes (`blocks.covered`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from site_function.owner.blocks import covered, parse_block_target
from site_function.owner.errors import OwnerRequestError
from site_function.store.base import BlockKind, Store, domain_candidates

__all__ = ["SAMPLE", "preview_block", "preview_import"]

SAMPLE = 20  # followers named in a preview; the rest are counted


def _hidden_replies(store: Store, kind: BlockKind, value: str) -> int:
    return sum(
        count
        for actor, count in store.reply_authors("pending")
        if (actor == value if kind == "account" else value in domain_candidates(actor))
    )


def _effect(store: Store, kind: BlockKind, value: str) -> dict[str, Any]:
    followers = covered(store, kind, value)
    blocked = any(b.kind == kind and b.value == value for b in store.list_blocks())
    return {
        "kind": kind,
        "value": value,
        "already_blocked": blocked,
        "followers": len(followers),
        "pending": sum(1 for f in followers if f.state == "pending"),
        "sample": [f.actor_id for f in followers[:SAMPLE]],
        "pending_replies": _hidden_replies(store, kind, value),
    }


def preview_block(store: Store, target: str) -> dict[str, Any]:
    """The effect of blocking `target` (an actor URL or a domain), nothing changed."""
    kind, value = parse_block_target(target)
    return _effect(store, kind, value)


def preview_import(store: Store, csv_text: str, now: datetime) -> dict[str, Any]:
    """The effect of importing a blocklist CSV: each readable row's effect, the totals, and
    the rows that cannot be read (as `blocks.import_blocks` reports them)."""
    from site_function.blocklist_csv import parse_blocklist

    parsed = parse_blocklist(csv_text, now)
    if parsed.unreadable is not None:
        raise OwnerRequestError(f"the blocklist cannot be read: {parsed.unreadable}")
    effects = [_effect(store, block.kind, block.value) for block in parsed.blocks]
    return {
        "blocks": effects,
        "followers": sum(e["followers"] for e in effects),
        "pending_replies": sum(e["pending_replies"] for e in effects),
        "problems": [str(problem) for problem in parsed.problems],
    }
