"""`@user@domain` mentions: finding them in Markdown and resolving them to actors.

Resolution uses WebFinger (FEDERATION.md#webfinger-self, `mention_lookup`: through the guarded
outgoing client) and is cached in `<site>/mentions.json`, a file committed with the site so that
builds work offline and give the same output every time. A handle that cannot be resolved is a
warning, never a failed build: the text stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from site_gen.content.lookup_cache import load_json_object, save_json_object
from site_gen.content.mention_lookup import LookupSettings, look_up_all
from site_gen.content.model import Mention

__all__ = [
    "HANDLE_PATTERN",
    "MENTION_CACHE_FILENAME",
    "MentionResolver",
    "extract_mentions",
    "normalize_handle",
]

MENTION_CACHE_FILENAME = "mentions.json"
# A handle starts after a space or punctuation, never after a word character, so e-mail
# addresses (bob@example.com) and URL paths (https://host/@user) do not match.
HANDLE_PATTERN = re.compile(
    r"(?<![\w@/.:+%-])@(?P<user>[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
    r"@(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
    r"(?![\w@-])"
)

# Markdown regions where a handle is not a mention: code and existing links.
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)", re.M | re.S)
_INDENTED = re.compile(r"(?:^(?: {4}|\t)[^\n]*\n?)+", re.M)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(
    r"!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|<[^>\s]+>|<a\b.*?</a>", re.S | re.I
)
_BARE_URL = re.compile(r"\b(?:https?|mailto|xmpp):\S+", re.I)


def normalize_handle(handle: str) -> str:
    """`User@Example.com` or `@user@example.com` -> `@user@example.com`, the cache key."""
    return "@" + handle.strip().lstrip("@").lower()


def _blank(match: re.Match[str]) -> str:
    # Keep newlines so that the indented-code rule still sees line starts.
    return re.sub(r"[^\n]", " ", match.group(0))


def _may_hold_handle(text: str) -> bool:
    """Whether `HANDLE_PATTERN` matches anywhere, tried only at each '@' (a match starts at
    one): a search tries every position, its look-behind leaving the engine no first
    character to skip to."""
    index = text.find("@")
    while index != -1:
        if HANDLE_PATTERN.match(text, index):
            return True
        index = text.find("@", index + 1)
    return False


def extract_mentions(markdown_text: str) -> tuple[str, ...]:
    """The `@user@domain` handles of a post, as written, each once, in order of appearance.

    Handles inside code (fenced, indented, inline), inside links and URLs, and e-mail
    addresses are not mentions.
    """
    # Most posts have no handle at all (an `@decorator` in code is not one): blanking only
    # turns characters into spaces, and no blanked region starts or ends with a character
    # the pattern needs beside a handle, so no match in the raw text means none after it.
    if not _may_hold_handle(markdown_text):
        return ()
    text = _FENCED.sub(_blank, markdown_text)
    text = _INDENTED.sub(_blank, text)
    for pattern in (_INLINE_CODE, _LINK, _BARE_URL):
        text = pattern.sub(_blank, text)
    found: dict[str, str] = {}
    for match in HANDLE_PATTERN.finditer(text):
        handle = match.group(0)
        found.setdefault(normalize_handle(handle), handle)
    return tuple(found.values())


class MentionResolver:
    """Resolves handles to actors through a committed cache, then WebFinger when online.

    `lookups` says how WebFinger reaches remote servers (`LookupSettings.for_site` in a
    build); the default asks public servers only.
    """

    def __init__(
        self, cache_path: Path, *, offline: bool, lookups: LookupSettings | None = None
    ) -> None:
        self.cache_path = Path(cache_path)
        self.offline = offline
        self.warnings: list[str] = []
        self._lookups = lookups or LookupSettings()
        self._cache = self._load()
        self._loaded = dict(self._cache)

    # --- cache -----------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, str]]:
        raw = load_json_object(self.cache_path, self.warnings)
        entries: dict[str, dict[str, str]] = {}
        for key, value in raw.items():
            if isinstance(value, dict) and isinstance(value.get("actor_id"), str):
                entry = {"actor_id": value["actor_id"]}
                if isinstance(value.get("profile_url"), str):
                    entry["profile_url"] = value["profile_url"]
                entries[normalize_handle(key)] = entry
        return entries

    def save(self) -> None:
        """Write the cache (sorted, indented, final newline) unless the file already says so.

        The file is public and committed with the site, so it gets ordinary permissions
        (0644 under the usual umask), never the 0600 of a temporary file; it is compared
        before writing so that an unchanged cache keeps its bytes and its mtime.
        """
        if self._cache == self._loaded and self.cache_path.exists():
            return  # nothing new resolved: the committed file stays as it is, byte for byte
        save_json_object(self.cache_path, dict(self._cache), prefix=".mentions-")
        self._loaded = dict(self._cache)

    # --- resolution ------------------------------------------------------------------------

    def resolve(self, handles: Iterable[str]) -> dict[str, Mention]:
        """Each handle's Mention, keyed by normalized handle; unresolved ones have no actor.

        Handles missing from the cache are looked up all at once (unless offline); each one
        that stays unresolved adds a warning, in the order the handles came.
        """
        written: dict[str, str] = {}
        for handle in handles:
            written.setdefault(
                normalize_handle(handle), handle if handle.startswith("@") else "@" + handle
            )
        missing = [key for key in written if key not in self._cache]
        if missing and not self.offline:
            for key, found in zip(missing, look_up_all(missing, self._lookups), strict=True):
                if isinstance(found, str):
                    self._warn(key, found)
                else:
                    self._cache[key] = found
        result: dict[str, Mention] = {}
        for key, text in written.items():
            entry = self._cache.get(key)
            if entry is None:
                if self.offline:
                    self.warnings.append(
                        f"mention {text} is not in {self.cache_path.name} and the build is "
                        "offline: it stays plain text"
                    )
                result[key] = Mention(text, None)
            else:
                result[key] = Mention(text, entry["actor_id"], entry.get("profile_url"))
        return result

    def _warn(self, key: str, reason: str) -> None:
        """Record why `key` is unresolved."""
        self.warnings.append(f"mention {key} could not be resolved: {reason}; it stays plain text")
