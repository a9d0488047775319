"""What the owner's decision on a reply tells its author: `Accept` with a `ReplyAuthorization`
when it is approved, `Reject` when it is rejected (GoToSocial's interaction controls,
FEDERATION.md#reply-authorization).

Every decision goes through here, whether one reply, every reply of one actor, or a batch from
the conversation sync, over the admin API or on a database the CLI opened. The answers are
queued in the same transaction as the decision. Best effort by design: only a reply to one of
our posts (not to a reply under it) is answered, only when its author's actor is cached (no
request is made for it), and most software ignores these answers anyway. Likes and boosts
get none; blocked accounts get nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from site_core.serialize import serialize
from site_core.urls import UrlScheme
from site_function.authorization_stamps import reply_authorization_id
from site_function.interaction_answers import reply_answer
from site_function.store.base import Interaction, NewDelivery, Store

__all__ = ["reply_answers"]


def _answerable(interaction: Interaction) -> bool:
    """A reply to our post itself, approved or rejected (pending says nothing)."""
    return (
        interaction.kind == "reply"
        and interaction.state != "pending"
        and interaction.activity.get("inReplyTo") == interaction.object_id
    )


def reply_answers(store: Store, urls: UrlScheme, changed: Sequence[str]) -> list[NewDelivery]:
    """The Accept or Reject of each reply among the interactions whose state just `changed`
    (their new state is read back), ready to queue. Synchronous."""
    deliveries: list[NewDelivery] = []
    inboxes: dict[str, str | None] = {}
    for interaction in store.get_interactions(changed):
        if not _answerable(interaction):
            continue
        author = interaction.actor_id
        if author not in inboxes:
            actor = store.get_actor(author)
            inboxes[author] = None if actor is None else actor.inbox
        inbox = inboxes[author]
        if inbox is None:
            continue
        reply_id = interaction.activity_id
        approved = interaction.state == "approved"
        result = reply_authorization_id(urls, reply_id) if approved else None
        answer = reply_answer(
            "Accept" if approved else "Reject",
            urls,
            reply_id,
            author,
            interaction.object_id,
            result,
        )
        deliveries.append(NewDelivery(answer["id"], inbox, serialize(answer)))
    return deliveries
