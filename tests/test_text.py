"""`plural`: counts in messages read "1 post", "2 posts", never "1 posts"."""

from __future__ import annotations

from site_gen.text import plural


def test_one_is_singular_and_any_other_count_plural() -> None:
    assert plural(1, "post") == "1 post"
    assert [plural(n, "post") for n in (0, 2, 11)] == ["0 posts", "2 posts", "11 posts"]


def test_irregular_plurals_are_given() -> None:
    assert plural(1, "delivery", "deliveries") == "1 delivery"
    assert plural(3, "delivery", "deliveries") == "3 deliveries"
    assert plural(2, "inbox", "inboxes") == "2 inboxes"
