"""What the main process keeps of one checked conversation file: a few counts and names.

A large site's conversations hold hundreds of thousands of values; the stages that plan
the pages need only a handful per file: the digest (a post's page hash), the reply count
(listings), where our own posts may join the thread, how many pages of replies its
collection has, the copied media it shows, and its warnings. The worker that renders the
post reads the whole file again from the conversation store (`conversation_cache`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from site_core.urls import UrlScheme
from site_gen.build.conversation_view import (
    published_media,
    reply_count,
    reply_keys,
    thread_parents,
    thread_warnings,
    visible_replies,
)
from site_gen.config_conversation import ConversationPolicy
from site_gen.conversations.data_files import ConversationFile
from site_gen.federation.conversation_collections import REPLIES_PAGE_SIZE

__all__ = ["ConversationSummary", "summarize"]

_FACES = ConversationPolicy(show_faces=True)
_NO_FACES = ConversationPolicy(show_faces=False)


@dataclass(frozen=True)
class ConversationSummary:
    """One post's checked conversation, as the planning stages need it."""

    digest: str  # of the checked model: a comment or reordering changes nothing
    reply_count: int  # shown replies, nested ones included (what listings show)
    direct_replies: int  # shown replies that answer the post itself (its `replies`)
    reply_keys: tuple[tuple[str, str | None], ...]  # (id, url) our own posts may answer
    reply_media: tuple[str, ...]  # copied files the thread shows ("media/<name>")
    face_media: tuple[str, ...]  # and those of the faces, shown only when the policy says
    warnings: tuple[str, ...] = ()  # pictures left out, cycles

    def media(self, policy: ConversationPolicy) -> set[str]:
        """The copied files the post's page shows under `policy`."""
        return {*self.reply_media, *(self.face_media if policy.show_faces else ())}

    def replies_pages(self, own_replies: int) -> int:
        """Pages of the `replies` collection with `own_replies` of our posts in the thread
        (at least one: an empty first page says there are none)."""
        return max(1, -(-(self.direct_replies + own_replies) // REPLIES_PAGE_SIZE))


def summarize(
    conversation: ConversationFile, urls: UrlScheme, warnings: tuple[str, ...] = ()
) -> ConversationSummary:
    """The summary of a checked file; `warnings` are those of reading it."""
    slug = conversation.post
    digest = hashlib.blake2b(repr(conversation).encode(), digest_size=16).hexdigest()
    # Our own posts never change which replies stand first: nothing can answer them back.
    parents = thread_parents(conversation)
    post_ids = {None, urls.post_object(slug), urls.post_page(slug)}
    direct = sum(
        1
        for item in visible_replies(conversation)
        if parents[item.id] is None and item.in_reply_to in post_ids
    )
    replies = published_media(conversation, _NO_FACES)
    faces = published_media(conversation, _FACES) - replies
    return ConversationSummary(
        digest,
        reply_count(conversation),
        direct,
        reply_keys(conversation),
        tuple(sorted(replies)),
        tuple(sorted(faces)),
        (*warnings, *thread_warnings(slug, conversation)),
    )
