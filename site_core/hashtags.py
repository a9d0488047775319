"""One hashtag identity: the key that says two spellings are the same tag.

Mastodon indexes a post's hashtags from its `tag` array and normalises every name before looking it
up (FEDERATION.md#hashtags): NFKC (so full-width letters are plain ones), lowercase, then an ASCII
folding of the accented letters of Latin-1 and Latin Extended-A only (`é` -> `e`, `ø` -> `o`,
`ł` -> `l`; but `æ`, `ß`, `þ`, `œ` stay, and so do Vietnamese `ệ` or any non-Latin script).
`#Café`, `#cafe` and `#CAFE` are therefore one tag there, and must be one tag page here, or the
Hashtag `href` we send and Mastodon's idea of the tag would disagree.

Two deliberate differences from Mastodon:

- Lowercase, not `str.casefold`: Mastodon keeps `ß` (`Straße` and `strasse` are two tags
  there), and casefold would merge them.
- Punctuation is kept: Mastodon also drops every character that is not a letter, digit or
  separator, but doing so here would move the existing page of a tag such as `open-source`.
  The front matter already refuses the characters that would break a URL.

The key is an identity and a URL path segment only; what people read (the Hashtag `name`,
the tag page heading) keeps the author's spelling.
"""

from __future__ import annotations

import unicodedata

__all__ = ["hashtag_key"]

# Mastodon folds exactly the letters of U+00C0..U+017F that carry a diacritic or are a
# variant of an ASCII letter. Most fold to their canonical base letter; these have none.
_NO_BASE_LETTER = {
    "ð": "d",
    "đ": "d",
    "ħ": "h",
    "\u0131": "i",  # dotless i
    "ĸ": "k",
    "ŀ": "l",
    "ł": "l",
    "ŉ": "n",
    "ŋ": "n",
    "ø": "o",
    "\u017f": "s",  # long s
    "ŧ": "t",
}


def _latin_folding() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x180):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if char.isalpha() and base != char and base.isascii():
            table[code] = base
    for char, ascii_ in _NO_BASE_LETTER.items():
        table[ord(char)] = ascii_
        upper = char.upper()
        if upper != char and len(upper) == 1 and not upper.isascii():
            table[ord(upper)] = ascii_.upper()
    return table


_LATIN_FOLDING = _latin_folding()


def hashtag_key(tag: str) -> str:
    """The normalised form of a tag (without its '#'): same key, same tag page."""
    normalised = unicodedata.normalize("NFKC", tag)
    return normalised.lower().translate(_LATIN_FOLDING)
