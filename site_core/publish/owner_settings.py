"""What the owner states once, in site.yaml, and the function must know too.

The function does not read site.yaml: `site-gen publish` tells it, in every plan, two things
taken from the build it just deployed:

- `OwnerSettings`: the profile settings that change how the inbox answers
  (`manuallyApprovesFollowers`, `alsoKnownAs`, `movedTo` of the built actor document), so the
  lock the world sees and the function's behaviour can never disagree, the review policy
  of site.yaml's `conversation:` (`ReviewPolicy`), which never goes into the public build
  (hold words are the owner's private business), and who may quote each post
  (`QuotePolicy`, read from the built objects' `canQuote`);
- `SiteIdentity`: `base_url`, `username` and where the function answers, so that a publish
  to a function configured for another site is refused instead of half applied.

Both have a JSON form (`to_dict`/`from_dict`) for the wire and for the function's store.
`ReviewPolicy` and `SiteIdentity` are NamedTuples, not frozen dataclasses: every cold start of
the function imports this module, and a dataclass compiles its methods there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from site_core.interaction_policy import QuotePolicy
from site_core.urls import UrlScheme

__all__ = ["REVIEW_CHOICES", "OwnerSettings", "ReviewChoice", "ReviewPolicy", "SiteIdentity"]

ReviewChoice = Literal["nobody", "followers", "everyone"]
REVIEW_CHOICES: tuple[ReviewChoice, ...] = ("nobody", "followers", "everyone")


def _actor_urls(value: Any) -> tuple[str, ...]:
    """`alsoKnownAs` as a tuple of ids: one string, a list of strings or of `{id}` objects."""
    items = value if isinstance(value, list) else [value] if value else []
    found = [item.get("id") if isinstance(item, dict) else item for item in items]
    return tuple(dict.fromkeys(item for item in found if isinstance(item, str) and item))


def _review_choice(value: Any) -> ReviewChoice:
    for choice in REVIEW_CHOICES:
        if value == choice:
            return choice
    raise ValueError("'show_without_review' must be nobody, followers or everyone")


def _word_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"'{key}' must be a list of non-empty strings")
    return tuple(value)


class ReviewPolicy(NamedTuple):
    """Who is shown without the owner's review, and what is always held for it.

    The default holds everything: a new interaction waits for the owner unless the policy
    says otherwise. Words are lower-case, domains lower-case without a leading "@"."""

    show_without_review: ReviewChoice = "nobody"
    hold_words: tuple[str, ...] = ()
    hold_domains: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "show_without_review": self.show_without_review,
            "hold_words": list(self.hold_words),
            "hold_domains": list(self.hold_domains),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ReviewPolicy:
        """The inverse of `to_dict` (a missing key is its default); ValueError on anything
        else."""
        if not isinstance(data, dict):
            raise ValueError("the review policy must be an object")
        return cls(
            _review_choice(data.get("show_without_review", "nobody")),
            tuple(w.lower() for w in _word_list(data.get("hold_words", []), "hold_words")),
            tuple(d.lower() for d in _word_list(data.get("hold_domains", []), "hold_domains")),
        )


@dataclass(frozen=True)
class OwnerSettings:
    """The owner's profile settings the inbox acts on."""

    manually_approves_followers: bool = False
    also_known_as: tuple[str, ...] = ()  # old accounts (actor ids) that may move here
    moved_to: str | None = None  # the account this one moved to
    review: ReviewPolicy = field(default_factory=ReviewPolicy)  # not in the actor document
    quotes: QuotePolicy = field(default_factory=QuotePolicy)  # as the built objects state it

    @classmethod
    def from_actor(cls, actor: Mapping[str, Any]) -> OwnerSettings:
        """The settings as the built actor document states them (what remote servers see);
        the review policy is not there: it is the default (hold everything)."""
        moved = actor.get("movedTo")
        if isinstance(moved, dict):
            moved = moved.get("id")
        return cls(
            manually_approves_followers=actor.get("manuallyApprovesFollowers") is True,
            also_known_as=_actor_urls(actor.get("alsoKnownAs")),
            moved_to=moved if isinstance(moved, str) and moved else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "manually_approves_followers": self.manually_approves_followers,
            "also_known_as": list(self.also_known_as),
            "moved_to": self.moved_to,
            "review": self.review.to_dict(),
            "quotes": self.quotes.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> OwnerSettings:
        """The inverse of `to_dict`; ValueError on anything else. No `review` or `quotes` (a
        store or a plan from before they travelled) is the default policy."""
        if not isinstance(data, dict):
            raise ValueError("the owner's settings must be an object")
        manual = data.get("manually_approves_followers")
        aliases = data.get("also_known_as", [])
        moved = data.get("moved_to")
        if not isinstance(manual, bool):
            raise ValueError("'manually_approves_followers' must be true or false")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValueError("'also_known_as' must be a list of actor ids")
        if moved is not None and not isinstance(moved, str):
            raise ValueError("'moved_to' must be an actor id or null")
        review, quotes = data.get("review"), data.get("quotes")
        policy = ReviewPolicy() if review is None else ReviewPolicy.from_dict(review)
        quoting = QuotePolicy() if quotes is None else QuotePolicy.from_dict(quotes)
        return cls(manual, tuple(aliases), moved or None, policy, quoting)


class SiteIdentity(NamedTuple):
    """Who the site is: the settings site.yaml and the function must share."""

    base_url: str
    username: str
    function_url: str  # where the function answers (site.yaml's function_url, else base_url)
    handle_domain: str | None = None  # the handle's domain when it is not the site's host

    @classmethod
    def of(cls, urls: UrlScheme) -> SiteIdentity:
        return cls(urls.base_url, urls.username, urls.fn, urls.handle_domain)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "username": self.username,
            "function_url": self.function_url,
            "handle_domain": self.handle_domain,
        }

    @classmethod
    def from_dict(cls, data: Any) -> SiteIdentity:
        """The inverse of `to_dict`; ValueError on anything else."""
        if not isinstance(data, dict):
            raise ValueError("the site's identity must be an object")
        base_url, username, function_url = (
            data.get(name) for name in ("base_url", "username", "function_url")
        )
        if not (
            isinstance(base_url, str)
            and isinstance(username, str)
            and isinstance(function_url, str)
            and base_url
            and username
            and function_url
        ):
            raise ValueError("the site's identity needs base_url, username and function_url")
        handle_domain = data.get("handle_domain")
        if handle_domain is not None and not (isinstance(handle_domain, str) and handle_domain):
            raise ValueError("the site's handle_domain must be a domain or null")
        return cls(base_url, username, function_url, handle_domain)

    def contradictions(self, ours: SiteIdentity) -> list[str]:
        """Where this identity (site.yaml's) and the function's (`ours`) differ, in the
        owner's words, naming the function's variable to change; empty when they agree."""
        found: list[str] = []
        if self.base_url != ours.base_url:
            found.append(
                f"site.yaml has base_url {self.base_url} but the function runs as"
                f" {ours.base_url} (SITE_GEN_BASE_URL)"
            )
        if self.username != ours.username:
            found.append(
                f"site.yaml has username {self.username} but the function runs as"
                f" {ours.username} (SITE_GEN_USERNAME)"
            )
        if self.function_url != ours.function_url and self.base_url == ours.base_url:
            found.append(
                f"site.yaml puts the function at {self.function_url} (function_url, else"
                f" base_url) but it runs at {ours.function_url} (SITE_GEN_FUNCTION_URL)"
            )
        if (self.handle_domain or "") != (ours.handle_domain or ""):
            ours_text = ours.handle_domain or "the site's host"
            found.append(
                f"site.yaml has handle_domain {self.handle_domain or '(none)'} but the function"
                f" names the handle on {ours_text} (SITE_GEN_HANDLE_DOMAIN)"
            )
        return found
