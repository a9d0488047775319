"""Small wording helpers for messages shown to the person running site-gen."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """Return "1 post" or "3 posts", so counts never read as "1 posts".

    Nouns whose plural is not the noun plus "s" pass it: plural(n, "delivery", "deliveries").
    """
    word = noun if count == 1 else (plural_noun if plural_noun is not None else noun + "s")
    return f"{count} {word}"
