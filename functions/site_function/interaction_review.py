"""Whether a new interaction is shown at once or waits for the owner: site.yaml's review
policy applied on arrival (sans-IO; FEDERATION.md#review-policy).

- `everyone`: approved; `followers`: approved when the actor is an accepted follower;
  `nobody` (the default, and the answer when the owner's settings are unknown): pending.
- Whatever the choice, an interaction from a hold domain (or a subdomain of one) is pending,
  and so is a reply whose plain text (content and summary) contains a hold word, compared
  case-insensitively as a whole word.
- An Update of a reply keeps its state, except that an approved reply whose new text holds a
  word goes back to pending (`rehold`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from site_core.incoming_html import plain_text
from site_core.publish.owner_settings import ReviewPolicy
from site_function.store.base import ModerationState
from site_function.store.names import domain_candidates, normalize_domain

__all__ = ["arrival_state", "holds", "rehold", "reply_text"]


@functools.lru_cache(maxsize=8)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every hold word, each matched whole (not inside a longer word); the
    words of a phrase may be apart by any white space."""
    if not words:
        return None
    phrases = (r"\s+".join(map(re.escape, word.split())) for word in words)
    choices = "|".join(sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{choices})(?!\w)", re.IGNORECASE)


def reply_text(record: dict[str, Any]) -> str:
    """A stored reply's plain text: its content without markup, and its summary."""
    parts = (record.get("content"), record.get("summary"))
    return "\n".join(plain_text(part) for part in parts if isinstance(part, str))


def holds(policy: ReviewPolicy, actor_id: str, text: str = "") -> bool:
    """True when the actor's host is (under) a hold domain or `text` has a hold word."""
    domains = {normalize_domain(domain) for domain in policy.hold_domains}
    if domains and any(domain in domains for domain in domain_candidates(actor_id)):
        return True
    pattern = _word_pattern(policy.hold_words)
    return pattern is not None and pattern.search(text) is not None


def arrival_state(
    policy: ReviewPolicy | None, actor_id: str, *, follower: bool, text: str = ""
) -> ModerationState:
    """The state a new interaction is stored in (`policy` None: the owner's settings are
    unknown, so nothing is shown unseen)."""
    if policy is None or holds(policy, actor_id, text):
        return "pending"
    choice = policy.show_without_review
    if choice == "everyone" or (choice == "followers" and follower):
        return "approved"
    return "pending"


def rehold(policy: ReviewPolicy | None, state: ModerationState, text: str) -> bool:
    """Whether an updated reply, approved before, goes back to pending for a hold word."""
    if policy is None or state != "approved":
        return False
    pattern = _word_pattern(policy.hold_words)
    return pattern is not None and pattern.search(text) is not None
