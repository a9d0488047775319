"""The first stages of a build: what it reads, and which posts it must read again.

A rebuild of a large site must not open every unchanged post: a source whose stat is
unchanged is taken from the source index, valid for one post fingerprint. Mentions are
inputs too, and so are the authors of the posts replies answer: an unchanged post whose
mentions or replied-to author now resolve differently is read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import site_gen
from site_gen.build.build_memory import BuildMemory
from site_gen.build.post_rendering import PostEntry, SourceTask
from site_gen.build.source_index import SourceIndex, scan_sources
from site_gen.build.theme import Theme, template_cache_folder
from site_gen.config import SiteConfig, check_profile_images
from site_gen.content.mention_lookup import LookupSettings
from site_gen.content.model import Mention, RepliedPost
from site_gen.content.reader import read_source

__all__ = [
    "RENDER_VERSION",
    "ResolvedMentions",
    "SourceChanges",
    "cache_folder",
    "fingerprint",
    "read_sources",
    "resolve_mentions",
]

# Bump when a change of the code changes what a post renders to (invalidates the caches).
RENDER_VERSION = "5"


def fingerprint(config: SiteConfig, drafts: bool) -> str:
    """Changes when anything but the source file could change what a post renders to."""
    digest = hashlib.sha256()
    settings = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    settings.pop("extra", None)
    digest.update(f"{site_gen.__version__}|{RENDER_VERSION}|{drafts}|{settings!r}".encode())
    # Image sizes are read from static/ files: their names, sizes and times are inputs too.
    if config.static_dir.is_dir():
        for path in sorted(config.static_dir.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@contextmanager
def cache_folder(config: SiteConfig, *, scratch: bool) -> Iterator[Path]:
    """The site's private cache folder; a scratch one, removed after, for a check (which
    must not write even caches)."""
    if not scratch:
        yield config.state_dir / "cache"
        return
    folder = Path(tempfile.mkdtemp(prefix="site-gen-check-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class SourceChanges:
    """The sources of a build split into the unchanged (`known`) and those to read (`tasks`)."""

    theme: Theme
    post_fingerprint: str  # configuration, static files, drafts flag
    site_fingerprint: str  # and the theme
    cache_dir: Path
    index: SourceIndex
    index_path: Path
    source_count: int  # every post file, changed or not
    known: dict[str, PostEntry]  # file name -> entry of the index, file not opened
    tasks: list[SourceTask]  # read by the workers

    @property
    def post_cache_path(self) -> Path:
        return self.cache_dir / "posts.sqlite3"


def read_sources(
    config: SiteConfig,
    cache_dir: Path,
    *,
    drafts: bool,
    reuse: bool,
    keys: str = "",
    memory: BuildMemory | None = None,
) -> SourceChanges:
    """Every source file's stamp, against the saved index when `reuse` (else all are read);
    `keys` (the proof key's fingerprint) is part of every page hash, not of the post cache.
    With `memory`, the index comes from the last build in this process and only the post
    files its watcher saw change are stat'ed again."""
    check_profile_images(config)
    theme = Theme(config.templates_dir, template_cache_folder())
    post_fingerprint = fingerprint(config, drafts)
    site_fingerprint = f"{post_fingerprint}:{theme.fingerprint()}:{keys}"
    index_path = cache_dir / "sources.pickle"
    index = SourceIndex(post_fingerprint)
    if reuse:
        kept = memory.index_for(post_fingerprint) if memory is not None else None
        index = kept or SourceIndex.load(index_path, post_fingerprint)
    known: dict[str, PostEntry] = {}
    if memory is not None and reuse:
        known, stamps = memory.stamps(config.posts_dir, index)  # `known`: files not changed
    else:
        stamps = scan_sources(config.posts_dir)
    count = len(known) + len(stamps)
    known.update(
        (name, index.entries[name]) for name, _, stamp in stamps if _same(index, name, stamp)
    )
    tasks = [SourceTask(path, stamp, False) for name, path, stamp in stamps if name not in known]
    return SourceChanges(
        theme,
        post_fingerprint,
        site_fingerprint,
        cache_dir,
        index,
        index_path,
        count,
        known,
        tasks,
    )


@dataclass(frozen=True)
class ResolvedMentions:
    resolved: dict[str, Mention]  # normalized handle -> mention
    warnings: tuple[str, ...]
    replies: dict[str, RepliedPost] = dataclasses.field(default_factory=dict)  # URL -> post
    # The languages of the fenced code of the changed sources, seen while reading them for
    # their handles: the pool compiles their lexers once, before it forks.
    code_languages: frozenset[str] = frozenset()


def resolve_mentions(
    config: SiteConfig,
    sources: SourceChanges,
    *,
    offline: bool,
    webfinger_origins: Mapping[str, str] | None,
    save: bool,
) -> ResolvedMentions:
    """Resolve every handle once (the committed mentions.json, then WebFinger unless
    offline); an unchanged post whose mentions resolve differently moves to `tasks`.

    WebFinger goes through the guarded client: servers on loopback or private addresses
    only for a site whose base_url is on loopback. `webfinger_origins` is for tests
    (`LookupSettings.origins`).
    """
    from site_gen.content.mentions import MentionResolver, normalize_handle

    known, tasks = sources.known, sources.tasks
    lookups = LookupSettings.for_site(config.base_url, origins=webfinger_origins)
    resolver = MentionResolver(config.root / "mentions.json", offline=offline, lookups=lookups)
    peeked = {task.path: _peek(Path(task.path)) for task in tasks}
    addressed = {path: (peek.handles, peek.reply_url) for path, peek in peeked.items()}
    handles = [h for found, _ in addressed.values() for h in found]
    addressing = [e for e in known.values() if e.post.mentions or e.post.in_reply_to]  # a few
    handles += [m.handle for entry in addressing for m in entry.post.mentions]
    # The actor's aliases may be handles too; they resolve like mentions.
    handles += [h for h in (*config.also_known_as, config.moved_to or "") if _is_handle(h)]
    resolved = resolver.resolve(handles)
    replies = _resolve_replies(config, known, addressed, lookups, offline=offline, save=save)
    if save:
        resolver.save()
    stale = [
        (entry.source, entry.stamp)
        for entry in addressing
        if any(resolved.get(normalize_handle(m.handle)) != m for m in entry.post.mentions)
        or (entry.post.in_reply_to and replies.get(entry.post.in_reply_to) != entry.post.replied)
    ]
    for path, _stamp in stale:
        del known[Path(path).name]
    tasks += [SourceTask(path, stamp, True) for path, stamp in stale]
    warnings = (*resolver.warnings, *replies.warnings)
    languages = frozenset(lang for peek in peeked.values() for lang in peek.languages)
    return ResolvedMentions(resolved, warnings, replies.resolved, languages)


class _Replies(NamedTuple):
    resolved: dict[str, RepliedPost]
    warnings: list[str]

    def get(self, url: str) -> RepliedPost | None:
        return self.resolved.get(url)


def _resolve_replies(
    config: SiteConfig,
    known: Mapping[str, PostEntry],
    addressed: Mapping[str, tuple[tuple[str, ...], str | None]],
    lookups: LookupSettings,
    *,
    offline: bool,
    save: bool,
) -> _Replies:
    """The author of every post replied to (`replies.json`, then the network unless offline)."""
    from site_gen.content.replies import REPLY_CACHE_FILENAME, ReplyResolver

    pairs = [(Path(path).name, url) for path, (_, url) in addressed.items() if url]
    pairs += [(name, e.post.in_reply_to) for name, e in known.items() if e.post.in_reply_to]
    resolver = ReplyResolver(config.root / REPLY_CACHE_FILENAME, offline=offline, lookups=lookups)
    resolved = resolver.resolve(sorted(pairs)) if pairs else {}
    if save:
        resolver.save()
    return _Replies(resolved, resolver.warnings)


def _is_handle(value: str) -> bool:
    """`@user@host` (or `user@host`), not an actor URL."""
    return "@" in value and not value.startswith(("https://", "http://"))


class _Peek(NamedTuple):
    handles: tuple[str, ...]
    reply_url: str | None
    languages: tuple[str, ...]


def _peek(path: Path) -> _Peek:
    """The mentions and the `in_reply_to` of a changed source, to resolve before the workers
    render it (a source whose front matter is broken has none: the worker reports it), and
    the languages of its fenced code."""
    from site_gen.content.markdown_render import fence_languages
    from site_gen.content.mentions import extract_mentions

    data = read_source(path)
    text = data.decode("utf-8", errors="replace")
    handles = extract_mentions(text) if b"@" in data else ()
    reply_url = _reply_url(text, path) if b"in_reply_to" in data else None
    languages = fence_languages(text) if b"```" in data or b"~~~" in data else ()
    return _Peek(handles, reply_url, languages)


def _reply_url(text: str, path: Path) -> str | None:
    from site_core.errors import ContentError
    from site_gen.content.front_matter import parse_front_matter, split_source

    try:
        return parse_front_matter(split_source(text, path)[0], path).in_reply_to
    except ContentError:
        return None


def _same(index: SourceIndex, name: str, stamp: tuple[int, int, int]) -> bool:
    entry = index.entries.get(name)
    return entry is not None and entry.stamp == stamp
