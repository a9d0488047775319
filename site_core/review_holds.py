"""Which interactions the owner's hold words and hold domains keep back for review
(FEDERATION.md#review-policy), whatever `show_without_review` says.

One rule, two places: the function applies it when an interaction arrives, and
`site-gen conversations pull --propose-approval` applies it again before proposing anything
for approval in a pull request, so a held reply is never pre-approved there.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from site_core.domains import domain_candidates, normalize_domain
from site_core.incoming_html import plain_text
from site_core.publish.owner_settings import ReviewPolicy

__all__ = ["has_hold_word", "holds", "reply_text"]


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
    """A reply's plain text: its content without markup, and its summary."""
    parts = (record.get("content"), record.get("summary"))
    return "\n".join(plain_text(part) for part in parts if isinstance(part, str))


def has_hold_word(policy: ReviewPolicy, text: str) -> bool:
    """True when `text` contains one of the hold words (case-insensitive, whole words)."""
    pattern = _word_pattern(policy.hold_words)
    return pattern is not None and pattern.search(text) is not None


def holds(policy: ReviewPolicy, actor_id: str, text: str = "") -> bool:
    """True when the actor's host is (under) a hold domain or `text` has a hold word."""
    domains = {normalize_domain(domain) for domain in policy.hold_domains}
    if domains and any(domain in domains for domain in domain_candidates(actor_id)):
        return True
    return has_hold_word(policy, text)
