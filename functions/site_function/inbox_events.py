"""What a verified activity did, as typed events: the inbox's handlers return one each.

An event names what happened to the owner's presence (someone follows, likes, replies, moves,
leaves) and carries the ids it concerns, so the inbox's log, its tests and what reacts later
(notifications, conversations) read facts instead of parsing text. `describe()` is for people
(a log line, an answer's detail), never for deciding anything.

Every event is frozen and small; `InboxEvent` is their union, so a consumer can `match` on it
and mypy sees which kinds it left out.
"""

from __future__ import annotations

from site_function.frozen_record import FrozenRecord

__all__ = [
    "ActorDeleted",
    "ActorUpdated",
    "AnnounceReceived",
    "AnnounceUndone",
    "Blocked",
    "FollowAccepted",
    "FollowRefused",
    "FollowRequested",
    "FollowerMoved",
    "Ignored",
    "InboxEvent",
    "InteractionUndone",
    "LikeReceived",
    "LikeUndone",
    "MentionReceived",
    "MovedIn",
    "QuoteRequested",
    "ReplyDeleted",
    "ReplyOverCap",
    "ReplyReceived",
    "ReplyUpdated",
    "Unfollowed",
]


# --- follows --------------------------------------------------------------------------------


class FollowRequested(FrozenRecord):
    """A Follow held for the owner's approval (a pending request); `new` False: a request
    already held was sent again."""

    actor_id: str
    follow_id: str
    new: bool = True

    def describe(self) -> str:
        return "follow pending"


class FollowAccepted(FrozenRecord):
    """A Follow accepted at once (or repeated by an accepted follower: `new` False); an
    Accept is queued."""

    actor_id: str
    follow_id: str
    new: bool = True

    def describe(self) -> str:
        return "follow accepted"


class FollowRefused(FrozenRecord):
    """A Follow answered with a Reject: the owner's account moved, or allow-only mode does
    not list the follower's domain."""

    actor_id: str
    follow_id: str
    reason: str = "the account moved"

    def describe(self) -> str:
        return f"follow rejected: {self.reason}"


class Unfollowed(FrozenRecord):
    """A follower (or a pending request) undid its Follow of the owner."""

    actor_id: str

    def describe(self) -> str:
        return "unfollowed"


class Blocked(FrozenRecord):
    """Someone blocked the owner; `follower_removed` if they were a follower until now."""

    actor_id: str
    follower_removed: bool

    def describe(self) -> str:
        return "blocked us: follower removed" if self.follower_removed else "blocked us"


# --- interactions with the owner's posts ----------------------------------------------------


class LikeReceived(FrozenRecord):
    """A Like of a published post, stored for moderation; `new` False: a repeat refreshed it."""

    activity_id: str
    actor_id: str
    post_id: str
    new: bool = True

    def describe(self) -> str:
        return "like stored" if self.new else "like refreshed"


class AnnounceReceived(FrozenRecord):
    """A boost of a published post, stored for moderation; `new` False: a repeat."""

    activity_id: str
    actor_id: str
    post_id: str
    new: bool = True

    def describe(self) -> str:
        return "announce stored" if self.new else "announce refreshed"


class ReplyReceived(FrozenRecord):
    """A reply to a published post, stored for moderation under the reply's own id."""

    reply_id: str
    actor_id: str
    post_id: str

    def describe(self) -> str:
        return "reply stored"


class MentionReceived(FrozenRecord):
    """A new post that names our actor (tagged or addressed) without answering our posts:
    nothing is stored, the owner may be told."""

    note_id: str
    actor_id: str

    def describe(self) -> str:
        return "mention: not stored"


class ReplyUpdated(FrozenRecord):
    """A reply already held, sent again (an Update, or a repeated Create): its copy refreshed."""

    reply_id: str
    actor_id: str
    post_id: str

    def describe(self) -> str:
        return "reply refreshed"


class ReplyOverCap(FrozenRecord):
    """A new reply not stored: its author reached a cap (`cap` names which)."""

    reply_id: str
    actor_id: str
    post_id: str
    cap: str

    def describe(self) -> str:
        return f"replies over the cap ({self.cap}): not stored"


class LikeUndone(FrozenRecord):
    """An Undo of a Like we held: the Like is gone."""

    activity_id: str
    actor_id: str

    def describe(self) -> str:
        return "interaction undone"


class AnnounceUndone(FrozenRecord):
    """An Undo of a boost we held: the boost is gone."""

    activity_id: str
    actor_id: str

    def describe(self) -> str:
        return "interaction undone"


class InteractionUndone(FrozenRecord):
    """An Undo naming only the id of an interaction we held (no embedded type to say which
    kind): it is gone all the same."""

    activity_id: str
    actor_id: str

    def describe(self) -> str:
        return "interaction undone"


class ReplyDeleted(FrozenRecord):
    """Its author deleted an interaction we held (a reply, by the reply's id)."""

    reply_id: str
    actor_id: str

    def describe(self) -> str:
        return "reply deleted"


class QuoteRequested(FrozenRecord):
    """A QuoteRequest for one of our posts (FEDERATION.md#quote-consent), answered at once:
    `authorized` (an Accept with its authorization queued) or not (a Reject queued). The
    quote itself is not stored. Notifications hook here."""

    request_id: str
    actor_id: str
    post_id: str
    quote_id: str
    authorized: bool

    def describe(self) -> str:
        return "quote authorized" if self.authorized else "quote refused"


# --- actors ---------------------------------------------------------------------------------


class ActorDeleted(FrozenRecord):
    """An account deleted itself: everything held of it is forgotten, its keys too."""

    actor_id: str

    def describe(self) -> str:
        return "actor deleted"


class ActorUpdated(FrozenRecord):
    """An account sent its new profile: the cached copy is refreshed, its keys forgotten."""

    actor_id: str

    def describe(self) -> str:
        return "actor refreshed"


class FollowerMoved(FrozenRecord):
    """A follower moved to a new account, which now follows in its place."""

    old_actor_id: str
    new_actor_id: str

    def describe(self) -> str:
        return "follower moved"


class MovedIn(FrozenRecord):
    """One of the owner's listed old accounts (alsoKnownAs) announced its move here."""

    actor_id: str

    def describe(self) -> str:
        return "moved in from an account in also_known_as"


class Ignored(FrozenRecord):
    """Nothing was done; `reason` says why, for people (FEDERATION.md#ignore-unknown)."""

    actor_id: str
    reason: str

    def describe(self) -> str:
        return f"{self.reason}: ignored"


InboxEvent = (
    FollowRequested
    | FollowAccepted
    | FollowRefused
    | Unfollowed
    | Blocked
    | LikeReceived
    | AnnounceReceived
    | ReplyReceived
    | MentionReceived
    | ReplyUpdated
    | ReplyOverCap
    | LikeUndone
    | AnnounceUndone
    | InteractionUndone
    | ReplyDeleted
    | QuoteRequested
    | ActorDeleted
    | ActorUpdated
    | FollowerMoved
    | MovedIn
    | Ignored
)
