"""site.yaml's `conversation:` policy: defaults, a full mapping, and every mistake located."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_core.errors import ConfigError
from site_gen.config import SiteConfig, parse_config
from site_gen.config_conversation import ConversationPolicy

MINIMAL = "base_url: https://example.com\nusername: alice\ndisplay_name: Alice\n"


def _parse(text: str, tmp_path: Path) -> SiteConfig:
    return parse_config(text, tmp_path / "site.yaml")


def test_without_the_mapping_everything_waits_for_review(tmp_path: Path) -> None:
    policy = _parse(MINIMAL, tmp_path).conversation
    assert policy == ConversationPolicy()
    assert policy.show_without_review == "nobody"
    assert policy.show_counts is True
    assert policy.show_faces is False
    assert _parse(MINIMAL + "conversation:\n", tmp_path).conversation == ConversationPolicy()


def test_every_key_is_read(tmp_path: Path) -> None:
    text = MINIMAL + (
        "conversation:\n"
        "  show_without_review: followers\n"
        "  show_counts: false\n"
        "  show_faces: true\n"
        "  hold_words: [Crypto, giveaway]\n"
        "  hold_domains:\n"
        "    - spam.example\n"
    )
    policy = _parse(text, tmp_path).conversation
    assert policy == ConversationPolicy(
        "followers", False, True, ("crypto", "giveaway"), ("spam.example",)
    )


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("conversaton:\n  show_faces: true\n", 4, "did you mean 'conversation'"),
        ("conversation:\n  show_face: true\n", 5, "did you mean 'conversation.show_faces'"),
        ("conversation:\n  shw_counts: true\n", 5, "unknown key 'conversation.shw_counts'"),
        ("conversation:\n  show_without_review: friends\n", 5,
         "'conversation.show_without_review' must be nobody, followers or everyone"),
        ("conversation:\n  show_counts: sometimes\n", 5,
         "'conversation.show_counts' must be true or false"),
        ("conversation:\n  hold_words: crypto\n", 5, "'conversation.hold_words' must be a list"),
        ("conversation:\n  hold_domains: [https://spam.example/]\n", 5,
         "'conversation.hold_domains' must be a list of domains"),
        ("conversation:\n  show_faces: true\n  show_faces: false\n", 6, "appears twice"),
        ("conversation: everyone\n", 4, "'conversation' must be a mapping"),
    ],
)  # fmt: skip
def test_mistakes_name_file_line_and_key(tmp_path: Path, extra: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(MINIMAL + extra, tmp_path)
    message = str(caught.value)
    assert f"site.yaml:{line}:" in message
    assert words in message
