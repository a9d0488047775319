"""The authors of the remote posts that our posts reply to, resolved once and cached.

A post with `in_reply_to` is addressed to the replied-to post's author
(FEDERATION.md#reply-addressing). Who that is comes from `reply_lookup` (through the guarded
outgoing client) and is cached in `<site>/replies.json`, committed with the site beside
`mentions.json`, so that builds work offline and give the same bytes every time. A post that
cannot be read is a warning naming the post and the URL, never a failed build: the reply
keeps `inReplyTo` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from site_gen.content.lookup_cache import load_json_object, save_json_object
from site_gen.content.mention_lookup import LookupSettings
from site_gen.content.model import Mention, RepliedPost

__all__ = ["REPLY_CACHE_FILENAME", "ReplyResolver"]

REPLY_CACHE_FILENAME = "replies.json"
_KEYS = ("actor_id", "handle", "profile_url", "context")


def _entry(value: Any) -> dict[str, str] | None:
    """A cache entry as stored, or None when it lacks the actor or the handle."""
    if not isinstance(value, dict):
        return None
    entry = {key: value[key] for key in _KEYS if isinstance(value.get(key), str)}
    return entry if "actor_id" in entry and "handle" in entry else None


def _replied(entry: dict[str, str]) -> RepliedPost:
    author = Mention(entry["handle"], entry["actor_id"], entry.get("profile_url"))
    return RepliedPost(author, entry.get("context"))


class ReplyResolver:
    """Resolves replied-to posts to their authors: the committed cache, then the network.

    `lookups` says how remote servers are reached (`LookupSettings.for_site` in a build).
    """

    def __init__(
        self, cache_path: Path, *, offline: bool, lookups: LookupSettings | None = None
    ) -> None:
        self.cache_path = Path(cache_path)
        self.offline = offline
        self.warnings: list[str] = []
        self._lookups = lookups or LookupSettings()
        raw = load_json_object(self.cache_path, self.warnings)
        self._cache = {url: e for url, value in raw.items() if (e := _entry(value)) is not None}
        self._loaded = dict(self._cache)

    def save(self) -> None:
        """Write the cache when a lookup added to it (bytes and mtime kept otherwise)."""
        if self._cache == self._loaded:
            return
        save_json_object(self.cache_path, dict(self._cache), prefix=".replies-")
        self._loaded = dict(self._cache)

    def resolve(self, replies: Sequence[tuple[str, str]]) -> dict[str, RepliedPost]:
        """The replied-to post of each (post name, URL) pair, keyed by URL, when known.

        URLs missing from the cache are looked up all at once (unless offline); each post
        whose URL stays unresolved adds a warning naming the post and the URL.
        """
        from site_gen.content.reply_lookup import look_up_replied

        missing = list(dict.fromkeys(url for _, url in replies if url not in self._cache))
        reasons: dict[str, str] = {}
        if missing and not self.offline:
            for url, found in zip(missing, look_up_replied(missing, self._lookups), strict=True):
                if isinstance(found, str):
                    reasons[url] = found
                else:
                    self._cache[url] = found
        elif missing:
            reasons = dict.fromkeys(
                missing, f"not in {self.cache_path.name} and the build is offline"
            )
        for name, url in replies:
            if url in reasons:
                self.warnings.append(
                    f"{name}: in_reply_to {url}: the author is unknown ({reasons[url]}); "
                    "the reply is sent with inReplyTo only"
                )
        return {url: _replied(self._cache[url]) for _, url in replies if url in self._cache}
