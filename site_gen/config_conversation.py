"""site.yaml's `conversation:` mapping: how replies, likes and boosts are moderated.

    conversation:
      show_without_review: nobody   # nobody | followers | everyone
      show_counts: true             # show like and boost counts
      show_faces: false             # show the avatars of who liked or boosted
      hold_words: [crypto]          # a reply containing one is always held for review
      hold_domains: [spam.example]  # anything from these domains is always held

Validated like every other key: an unknown key names the closest known one, a wrong value
names the file, the line and the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_core.errors import ConfigError
from site_core.publish.owner_settings import REVIEW_CHOICES, ReviewChoice, ReviewPolicy

__all__ = ["REVIEW_CHOICES", "ConversationPolicy", "ReviewChoice", "conversation_policy"]


@dataclass(frozen=True)
class ConversationPolicy:
    """The owner's moderation policy; the defaults hold everything for review."""

    show_without_review: ReviewChoice = "nobody"
    show_counts: bool = True
    show_faces: bool = False
    hold_words: tuple[str, ...] = ()
    hold_domains: tuple[str, ...] = ()

    @property
    def review(self) -> ReviewPolicy:
        """The part the function applies on arrival (`site-gen publish` sends it)."""
        return ReviewPolicy(self.show_without_review, self.hold_words, self.hold_domains)


def _review(value: Any, key: str) -> ReviewChoice:
    for choice in REVIEW_CHOICES:
        if value == choice:
            return choice
    raise ValueError(f"'{key}' must be nobody, followers or everyone")


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false")
    return value


def _words(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ValueError(f"'{key}' must be a list of words, such as [crypto, giveaway]")
    return tuple(item.strip().lower() for item in value)


def _domains(value: Any, key: str) -> tuple[str, ...]:
    words = _words(value, key) if isinstance(value, list) else None
    if value is None:
        return ()
    if words is None or any("/" in word or " " in word or "." not in word for word in words):
        raise ValueError(f"'{key}' must be a list of domains, such as [spam.example]")
    return tuple(word.removeprefix("@") for word in words)


_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "show_without_review": _review,
    "show_counts": _flag,
    "show_faces": _flag,
    "hold_words": _words,
    "hold_domains": _domains,
}


def conversation_policy(node: Any, path: Path) -> ConversationPolicy:
    """The policy from the YAML node of `conversation:`; empty means the defaults."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
        return ConversationPolicy()
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "'conversation' must be a mapping of keys such as show_without_review",
            path,
            node.start_mark.line + 1,
        )
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in _CHECKS:
            close = difflib.get_close_matches(key, _CHECKS, n=1)
            hint = f" (did you mean 'conversation.{close[0]}'?)" if close else ""
            known = ", ".join(_CHECKS)
            raise ConfigError(
                f"unknown key 'conversation.{key}'{hint} (expected {known})",
                path,
                key_node.start_mark.line + 1,
            )
        if key in values:
            raise ConfigError(
                f"key 'conversation.{key}' appears twice", path, key_node.start_mark.line + 1
            )
        raw = yaml.SafeLoader(yaml.serialize(value_node)).get_single_data()
        try:
            values[key] = _CHECKS[key](raw, f"conversation.{key}")
        except ValueError as exc:
            raise ConfigError(str(exc), path, value_node.start_mark.line + 1) from None
    return ConversationPolicy(**values)
