"""The immutable model of a site's content, built once per build and rendered many times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from site_core.interaction_policy import QuoteChoice

__all__ = ["Image", "Mention", "Post", "PostKind", "RepliedPost"]

PostKind = Literal["note", "article"]


@dataclass(frozen=True)
class Image:
    """An image attached to a post: sent as an ActivityPub attachment, shown on the page."""

    url: str  # absolute URL on our site
    path: str  # path in the output folder, e.g. "images/cat.jpg"
    alt: str
    media_type: str
    width: int | None = None
    height: int | None = None
    caption: str | None = None  # shown under the image on its page


@dataclass(frozen=True)
class Mention:
    """`@user@domain` found in a post, resolved (or not) to an actor by WebFinger."""

    handle: str  # "@user@domain", as written (without case changes)
    actor_id: str | None  # None when unresolved: a warning, not an error
    profile_url: str | None = None


@dataclass(frozen=True)
class RepliedPost:
    """The remote post an `in_reply_to` names, as far as the build could learn it.

    `author` is always resolved (an actor id and an `@user@host` handle); `context` is the
    thread's FEP-7888 `context` when the remote post has one.
    """

    author: Mention
    context: str | None = None


@dataclass(frozen=True)
class Post:
    """One post, everything the renderers need, nothing they must compute again.

    `html` is the full HTML of the page body; `federated_html` is the same text limited to
    Mastodon's allow-list, with hashtag and mention links, for the ActivityPub `content`.
    Dates are timezone-aware UTC.
    """

    source: Path
    slug: str
    kind: PostKind
    title: str | None  # notes have none
    published: datetime
    updated: datetime | None
    tags: tuple[str, ...]
    lang: str
    content_warning: str | None
    sensitive: bool
    images: tuple[Image, ...]
    pinned: bool
    in_reply_to: str | None
    summary: str  # plain text teaser, for feeds, listings, Article summary and meta tags
    html: str
    federated_html: str
    mentions: tuple[Mention, ...]
    content_hash: str  # hash of the source file: the key of render caches
    draft: bool = False
    replied: RepliedPost | None = None  # who `in_reply_to` answers, when resolved
    quotes: QuoteChoice | None = None  # front matter's `quotes`; None: site.yaml's
