"""`@user@domain` mentions: finding them in Markdown and resolving them to actors.

Resolution uses WebFinger (FEDERATION.md#webfinger-self) and is cached in `<site>/mentions.json`, a file
committed with the site so that builds work offline and give the same output every time. A
handle that cannot be resolved is a warning, never a failed build: the text stays as written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from site_gen.content.model import Mention

if TYPE_CHECKING:
    import httpx

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
_ACTIVITY_TYPES = (
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
)
_MAX_BYTES = 1024 * 1024  # FEDERATION.md#size-limits

# Markdown regions where a handle is not a mention: code and existing links.
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)", re.M | re.S)
_INDENTED = re.compile(r"(?:^(?: {4}|\t)[^\n]*\n?)+", re.M)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(
    r"!?\[[^\]]*\]\([^)]*\)|!?\[[^\]]*\]\[[^\]]*\]|<[^>\s]+>|<a\b.*?</a>", re.S | re.I
)
_BARE_URL = re.compile(r"\b(?:https?|mailto|xmpp):\S+", re.I)


def _public_mode() -> int:
    """The mode `open()` would give a new file: 0644 under the usual umask of 022."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def normalize_handle(handle: str) -> str:
    """`User@Example.com` or `@user@example.com` -> `@user@example.com`, the cache key."""
    return "@" + handle.strip().lstrip("@").lower()


def _blank(match: re.Match[str]) -> str:
    # Keep newlines so that the indented-code rule still sees line starts.
    return re.sub(r"[^\n]", " ", match.group(0))


def extract_mentions(markdown_text: str) -> tuple[str, ...]:
    """The `@user@domain` handles of a post, as written, each once, in order of appearance.

    Handles inside code (fenced, indented, inline), inside links and URLs, and e-mail
    addresses are not mentions.
    """
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

    `origins` is for tests only: a map from a domain to the origin to ask instead of
    `https://<domain>` (for example a server on 127.0.0.1); actor URLs from such an origin
    may then be http.
    """

    def __init__(
        self,
        cache_path: Path,
        *,
        offline: bool,
        client: httpx.Client | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        self.cache_path = Path(cache_path)
        self.offline = offline
        self.warnings: list[str] = []
        self._client = client
        self._own_client: httpx.Client | None = None
        self._origins = {
            domain.lower(): origin.rstrip("/") for domain, origin in (origins or {}).items()
        }
        self._cache = self._load()
        self._loaded = dict(self._cache)

    # --- cache -----------------------------------------------------------------------------

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            raw = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.warnings.append(f"{self.cache_path}: ignored, not a readable JSON file ({exc})")
            return {}
        entries: dict[str, dict[str, str]] = {}
        if isinstance(raw, dict):
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
        text = json.dumps(self._cache, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        data = text.encode("utf-8")
        try:
            if self.cache_path.read_bytes() == data:
                return
        except OSError:
            pass  # missing or unreadable: write it
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, prefix=".mentions-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, _public_mode())
            os.replace(tmp, self.cache_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._loaded = dict(self._cache)

    # --- resolution ------------------------------------------------------------------------

    def resolve(self, handles: Iterable[str]) -> dict[str, Mention]:
        """Each handle's Mention, keyed by normalized handle; unresolved ones have no actor."""
        result: dict[str, Mention] = {}
        for handle in handles:
            key = normalize_handle(handle)
            if key in result:
                continue
            written = handle if handle.startswith("@") else "@" + handle
            entry = self._cache.get(key)
            if entry is None and not self.offline:
                entry = self._lookup(key)
                if entry is not None:
                    self._cache[key] = entry
            if entry is None:
                if self.offline:
                    self.warnings.append(
                        f"mention {written} is not in {self.cache_path.name} and the build is "
                        "offline: it stays plain text"
                    )
                result[key] = Mention(written, None)
            else:
                result[key] = Mention(written, entry["actor_id"], entry.get("profile_url"))
        return result

    def _http(self) -> httpx.Client:
        if self._client is not None:
            return self._client
        if self._own_client is None:
            import httpx

            self._own_client = httpx.Client(
                timeout=httpx.Timeout(10.0, connect=5.0),  # FEDERATION.md#size-limits
                follow_redirects=True,
                max_redirects=3,
                headers={"User-Agent": "site-gen (mention lookup)"},
            )
        return self._own_client

    def close(self) -> None:
        """Close the HTTP client this resolver made (never one it was given)."""
        if self._own_client is not None:
            self._own_client.close()
            self._own_client = None

    def __enter__(self) -> MentionResolver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _lookup(self, key: str) -> dict[str, str] | None:
        import httpx

        user, domain = key[1:].split("@", 1)
        origin = self._origins.get(domain, f"https://{domain}")
        url = f"{origin}/.well-known/webfinger"
        params = {"resource": f"acct:{user}@{domain}"}
        headers = {"Accept": "application/jrd+json, application/json"}
        try:
            with self._http().stream("GET", url, params=params, headers=headers) as response:
                if response.status_code != 200:
                    return self._warn(key, f"WebFinger answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_BYTES:
                        return self._warn(key, "WebFinger answer is larger than 1 MB")
        except httpx.HTTPError as exc:
            return self._warn(key, f"WebFinger request failed ({type(exc).__name__}: {exc})")
        try:
            jrd = json.loads(bytes(body))
        except ValueError:
            return self._warn(key, "WebFinger answer is not JSON")
        return self._entry_from_jrd(key, jrd, allow_http=origin.startswith("http://"))

    def _entry_from_jrd(self, key: str, jrd: Any, *, allow_http: bool) -> dict[str, str] | None:
        links = jrd.get("links") if isinstance(jrd, dict) else None
        if not isinstance(links, list):
            return self._warn(key, "WebFinger answer has no links")
        schemes = ("https", "http") if allow_http else ("https",)
        actor_id = profile_url = None
        for link in links:
            if not isinstance(link, dict) or not isinstance(link.get("href"), str):
                continue
            href = link["href"]
            if urlsplit(href).scheme not in schemes or not urlsplit(href).netloc:
                continue
            if link.get("rel") == "self" and link.get("type") in _ACTIVITY_TYPES:
                actor_id = actor_id or href
            elif link.get("rel") == "http://webfinger.net/rel/profile-page":
                profile_url = profile_url or href
        if actor_id is None:
            return self._warn(key, "WebFinger answer has no ActivityPub self link")
        entry = {"actor_id": actor_id}
        if profile_url:
            entry["profile_url"] = profile_url
        return entry

    def _warn(self, key: str, reason: str) -> dict[str, str] | None:
        """Record why `key` is unresolved; returns None, the "no entry" result, for brevity."""
        self.warnings.append(f"mention {key} could not be resolved: {reason}; it stays plain text")
        return None
