"""Who may quote, reply to, like and boost a post: the `interactionPolicy` every post object
carries, and the quote choice per post as the function must know it (sans-IO).

- `canQuote` (FEP-044f, as Mastodon 4.5 reads it): site.yaml's `quotes` or the post's front
  matter. `everyone` puts the public collection in `automaticApproval`, `followers` our
  followers collection, `nobody` neither. Mastodon treats a post without `canQuote` as
  "nobody may quote" (FEDERATION.md#quote-consent).
- `canReply`, `canLike`, `canAnnounce` (GoToSocial's interaction policies) say what
  `conversation.show_without_review` does: `everyone` is automatic approval for the public,
  `followers` automatic for our followers and manual for the rest, `nobody` manual for all
  (FEDERATION.md#interaction-policy).

`QuotePolicy` is the quote choice of every published post in a small form (one choice for
most posts, the exceptions by id): a publish reads it from the built objects and tells the
function with the owner's settings, so the answer to a `QuoteRequest` is what the object says.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from site_core.context import PUBLIC

if TYPE_CHECKING:
    from site_core.urls import UrlScheme

__all__ = [
    "QUOTE_CHOICES",
    "QuoteChoice",
    "QuotePolicy",
    "interaction_policy",
    "quote_choice",
    "quote_choice_of",
]

QuoteChoice = Literal["everyone", "followers", "nobody"]
QUOTE_CHOICES: tuple[QuoteChoice, ...] = ("everyone", "followers", "nobody")


def quote_choice(value: Any, key: str) -> QuoteChoice:
    """`everyone`, `followers` or `nobody` as written in site.yaml or front matter;
    ValueError naming `key` otherwise."""
    for choice in QUOTE_CHOICES:
        if value == choice:
            return choice
    raise ValueError(f"'{key}' must be everyone, followers or nobody")


def _approval(automatic: list[str], manual: list[str]) -> dict[str, list[str]]:
    return {"automaticApproval": automatic, "manualApproval": manual}


def interaction_policy(review: str, quotes: QuoteChoice, urls: UrlScheme) -> dict[str, Any]:
    """The `interactionPolicy` of a post; `review` is `show_without_review`."""
    who = {"everyone": [PUBLIC], "followers": [urls.followers], "nobody": []}
    policy: dict[str, Any] = {"canQuote": _approval(who[quotes], [])}
    for name in ("canReply", "canLike", "canAnnounce"):
        if review == "everyone":
            policy[name] = _approval([PUBLIC], [])
        elif review == "followers":
            policy[name] = _approval([urls.followers], [PUBLIC])
        else:
            policy[name] = _approval([], [PUBLIC])
    return policy


def quote_choice_of(document: Mapping[str, Any], urls: UrlScheme) -> QuoteChoice:
    """The quote choice a built object states (no `canQuote`, or an unknown shape: nobody)."""
    policy = document.get("interactionPolicy")
    can_quote = policy.get("canQuote") if isinstance(policy, dict) else None
    automatic = can_quote.get("automaticApproval") if isinstance(can_quote, dict) else None
    listed = automatic if isinstance(automatic, list) else [automatic]
    if PUBLIC in listed:
        return "everyone"
    return "followers" if urls.followers in listed else "nobody"


@dataclass(frozen=True)
class QuotePolicy:
    """The quote choice of each published post: `default` for most, `posts` the (object id,
    choice) of those that differ. Unknown (no publish told it): nobody may quote."""

    default: QuoteChoice = "nobody"
    posts: tuple[tuple[str, QuoteChoice], ...] = ()

    @functools.cached_property
    def _by_id(self) -> dict[str, QuoteChoice]:
        return dict(self.posts)

    def choice_for(self, object_id: str) -> QuoteChoice:
        return self._by_id.get(object_id, self.default)

    @classmethod
    def of_objects(
        cls, objects: Iterable[tuple[str, Mapping[str, Any]]], urls: UrlScheme
    ) -> QuotePolicy:
        """The policy the built objects state; the most common choice is the default (ties
        go to the stricter choice)."""
        choices = {object_id: quote_choice_of(obj, urls) for object_id, obj in objects}
        counts = Counter(choices.values())
        ranked = sorted(QUOTE_CHOICES, key=lambda c: (-counts[c], -QUOTE_CHOICES.index(c)))
        default = ranked[0] if counts else "nobody"
        others = tuple(sorted((oid, c) for oid, c in choices.items() if c != default))
        return cls(default, others)

    def to_dict(self) -> dict[str, Any]:
        return {"default": self.default, "posts": dict(self.posts)}

    @classmethod
    def from_dict(cls, data: Any) -> QuotePolicy:
        """The inverse of `to_dict`; ValueError on anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("posts", {}), dict):
            raise ValueError("the quote policy must be an object with a 'posts' object")
        posts = data.get("posts", {})
        return cls(
            quote_choice(data.get("default", "nobody"), "quotes.default"),
            tuple(sorted((str(oid), quote_choice(c, "quotes.posts")) for oid, c in posts.items())),
        )
