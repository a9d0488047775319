"""Which inboxes a block closes: who is behind each inbox an activity would go to.

An Update or a Delete of a post goes again to every inbox its Create and Updates went to
(`publishing`), but a block made since wins over that memory: a blocked account, or any
account of a blocked domain, receives nothing from the moment of the block
(FEDERATION.md#audience). A personal inbox has one account behind it and is dropped with it.
A shared inbox serves every account of its server: it is dropped when only blocked accounts
are known behind it, and kept when other recipients remain there (that is how a shared inbox
works; the server, not us, hands the activity to its accounts), which the dry run says.

Who is behind an inbox is what the store knows: accepted followers and the actor cache
(`Store.inbox_accounts`), and the accounts the post's earlier activities addressed (their
stored bodies). An inbox behind which no blocked account is known is kept: a follower who
left since still holds the post and must get its edit or Delete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from site_function.store._block_snapshot import BlockSnapshot
from site_function.store.base import Store

__all__ = ["BlockScreen", "SharedWithBlocked", "addressed_in", "screen_inboxes"]

_ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")


@dataclass(frozen=True)
class SharedWithBlocked:
    """A shared inbox that still receives an activity although blocked accounts use it."""

    inbox: str
    blocked: tuple[str, ...]
    others: int  # non-blocked recipients behind it
    followers: int  # how many of `others` follow

    def as_dict(self) -> dict[str, Any]:
        return {
            "inbox": self.inbox,
            "blocked": list(self.blocked),
            "others": self.others,
            "followers": self.followers,
        }


@dataclass
class BlockScreen:
    """The earlier inboxes a block leaves open, the accounts it skips, the shared inboxes kept."""

    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    shared: list[SharedWithBlocked] = field(default_factory=list)


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    found = [item.get("id") if isinstance(item, dict) else item for item in items]
    return [item for item in found if isinstance(item, str)]


def addressed_in(body: bytes) -> set[str]:
    """Every id an activity (and its object) was addressed or mentioned to; unreadable
    bodies address no one."""
    try:
        activity = json.loads(body)
    except ValueError:
        return set()
    if not isinstance(activity, dict):
        return set()
    documents = [activity]
    if isinstance(activity.get("object"), dict):
        documents.append(activity["object"])
    found: set[str] = set()
    for document in documents:
        for name in _ADDRESS_FIELDS:
            found.update(_strings(document.get(name)))
        tags = document.get("tag")
        for tag in tags if isinstance(tags, list) else []:
            if isinstance(tag, dict) and tag.get("type") == "Mention":
                found.update(_strings(tag.get("href")))
    return found


def screen_inboxes(
    store: Store,
    current: Sequence[str],
    earlier: Sequence[str],
    addressed: Iterable[str],
    blocked_mentions: Sequence[str] = (),
) -> BlockScreen:
    """Screen an activity's audience against the blocks (synchronous: a worker thread).

    `current` are the inboxes of today's followers and mentioned accounts (kept: they are
    there for someone not blocked), `earlier` those the post's earlier activities went to,
    `addressed` the accounts the activity or its earlier ones addressed (recipients whatever
    they follow), `blocked_mentions` the blocked accounts it mentions (already left out).
    """
    snapshot = BlockSnapshot.of("", [(b.kind, b.value) for b in store.list_blocks()])
    present = set(current)
    mention_inbox: dict[str, str] = {}
    for actor_id in blocked_mentions:
        actor = store.get_actor(actor_id)
        if actor is not None and (actor.shared_inbox or actor.inbox) in present:
            mention_inbox[actor_id] = actor.shared_inbox or actor.inbox
    checked = list(dict.fromkeys([*earlier, *mention_inbox.values()]))
    if not snapshot.accounts and not snapshot.domains:
        return BlockScreen(kept=[i for i in dict.fromkeys(earlier) if i not in present])
    behind: dict[str, dict[str, bool]] = {}
    for inbox, actor_id, follows in store.inbox_accounts(checked) if checked else []:
        behind.setdefault(inbox, {})[actor_id] = follows
    recipients = set(addressed)
    screen = BlockScreen()
    for inbox in checked:
        accounts = behind.get(inbox, {})
        blocked = [a for a in accounts if snapshot.covers(a)]
        blocked += [a for a, i in mention_inbox.items() if i == inbox and a not in blocked]
        others = [
            a for a, follows in accounts.items()
            if not snapshot.covers(a) and (follows or a in recipients)
        ]  # fmt: skip
        open_for_others = inbox in present or (bool(others) and not snapshot.covers(inbox))
        if open_for_others and blocked:
            followers = sum(1 for a in others if accounts[a])
            screen.shared.append(SharedWithBlocked(inbox, tuple(blocked), len(others), followers))
        elif not open_for_others and (blocked or snapshot.covers(inbox)):
            screen.skipped += [a for a in blocked if a not in screen.skipped]
            continue
        if inbox not in present and inbox in earlier:
            screen.kept.append(inbox)
    return screen
