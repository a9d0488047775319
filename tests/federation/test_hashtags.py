"""Hashtag identity as Mastodon sees it (FEDERATION.md#hashtags): one key for the spellings of
one tag."""

from __future__ import annotations

import pytest

from site_core.hashtags import hashtag_key


@pytest.mark.parametrize(
    "spelling",
    ["cafe", "Café", "CAFE", "CAFÉ", "Cafe\u0301", "\uff23\uff41\uff46\uff45"],
)
def test_spellings_of_one_tag_share_a_key(spelling: str) -> None:
    # NFD input, full-width letters, case and the acute accent all fold away.
    assert hashtag_key(spelling) == "cafe"


@pytest.mark.parametrize(
    ("tag", "key"),
    [
        ("Python", "python"),
        ("open-source", "open-source"),  # punctuation kept: existing pages do not move
        ("node.js", "node.js"),
        ("Ødegaard", "odegaard"),
        ("Łódź", "lodz"),
        ("Straße", "straße"),  # lowercase, not casefold: Mastodon keeps ß
        ("Æsir", "æsir"),  # Mastodon's folding leaves ligatures alone
        ("Việt", "việt"),  # beyond Latin Extended-A: Mastodon does not fold it
        ("日本語", "日本語"),
        ("ｶﾀｶﾅ", "カタカナ"),  # NFKC: half-width katakana is the full-width word
        ("Привет", "привет"),  # Cyrillic is lowercased, never transliterated
        ("Ёлка", "ёлка"),  # and keeps its diacritics
    ],
)
def test_keys_follow_mastodon(tag: str, key: str) -> None:
    assert hashtag_key(tag) == key


def test_ascii_keys_are_the_lowercase_as_before() -> None:
    for tag in ["Bicycles", "gardens", "C++", "bikes_2024", "t0"]:
        assert hashtag_key(tag) == tag.lower()
