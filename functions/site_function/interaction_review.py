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

from site_core.publish.owner_settings import ReviewPolicy
from site_core.review_holds import has_hold_word, holds, reply_text
from site_function.store.base import ModerationState

__all__ = ["arrival_state", "holds", "rehold", "reply_text"]


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
    return has_hold_word(policy, text)
