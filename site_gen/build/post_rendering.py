"""The work of a build that scales with the posts, done in worker processes (both cores).

Two kinds of task, both of which render AND write their files into the staging folder, so
that no post's HTML ever reaches the main process:

- a source file becomes its `Post` (Markdown, or the post cache when its bytes did not
  change), which goes into the post cache, and its page and object are rendered; the main
  process gets back a `PostEntry` (the post without its HTML) and the file records;
- a page that lists posts with their content (an index page, an outbox page) or the page
  of an unchanged post whose theme changed: its posts come from the post cache by key.

Errors travel back as values and are raised in the parent, where the pipeline decides.
Small batches run in-process, where a pool would cost more than it saves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from site_core.errors import ContentError
from site_gen.build.artifacts import Artifact
from site_gen.build.conversation_inputs import ConversationInputs
from site_gen.build.conversation_view import OwnReply
from site_gen.build.object_proofs import BuildProofKey
from site_gen.build.outbox_pages import outbox_item, outbox_items, outbox_page_bytes
from site_gen.build.post_artifacts import encoded_note, render_post_artifacts
from site_gen.build.theme import Theme, template_cache_folder
from site_gen.build.writer import stage_file
from site_gen.config import SiteConfig
from site_gen.content.model import Mention, Post, RepliedPost
from site_gen.content.post_cache import PostCache, post_key
from site_gen.content.reader import read_post, read_source
from site_gen.federation.objects import build_object

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from site_gen.build.conversation_cache import ConversationStore

__all__ = [
    "NO_SOURCE",
    "FileRecord",
    "PageTask",
    "PostEntry",
    "RenderPool",
    "RenderSettings",
    "SourceResult",
    "SourceTask",
    "page_hash",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
# Fewer sources are rendered in-process. Cold builds, 2 cores, median of 9: with the cores
# free the pool is faster at 100 posts (0.35 s against 0.38 s) and ties at 50; with them busy
# with other work one process wins up to about 150 posts (and always uses less CPU).
POOL_THRESHOLD = 80


def page_hash(*parts: object) -> str:
    """The hash of exactly the inputs of a page: equal hash, equal bytes."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class RenderSettings:
    config: SiteConfig
    mentions: Mapping[str, Mention]
    drafts: bool  # render the pages of drafts too
    post_fingerprint: str  # configuration, static files, drafts flag: part of the post keys
    site_fingerprint: str  # and the theme: part of every page hash
    cache_path: Path
    staging: Path | None  # None: check mode, render but write nothing
    previous_files: Mapping[str, str]  # what the output holds: same bytes are not written
    replies: Mapping[str, RepliedPost] = dataclasses.field(default_factory=dict)  # by URL
    # Each post's conversation (conversations/<slug>.yaml): part of its page hash.
    conversations: ConversationInputs = dataclasses.field(default_factory=ConversationInputs)
    # The site's Ed25519 key: the post objects' integrity proofs (None: no proofs).
    proof_key: BuildProofKey | None = None
    # The languages of the changed sources' fenced code: their lexers are compiled before
    # the fork (`_warm_up`).
    code_languages: frozenset[str] = frozenset()


class FileRecord(NamedTuple):
    path: str
    digest: str
    staged: bool
    page_hash: str


class SourceTask(NamedTuple):
    path: str  # read by the worker: the main process never holds the sources
    stamp: tuple[int, int, int]  # (mtime_ns, size, inode) when scanned
    force: bool  # render even if cached (its mentions resolve differently now)


@dataclass(frozen=True)
class PostEntry:
    """What the main process keeps of a post: everything but its HTML, and two digests."""

    key: str
    source: str  # the file (a string: 10,000 Paths take long to unpickle)
    stamp: tuple[int, int, int]
    post: Post  # html and federated_html are empty, source is NO_SOURCE
    digest: str  # of the whole post: pages showing its content change with it
    row_digest: str  # of the metadata: pages listing it (tags, archive) change with it


class SourceResult(NamedTuple):
    path: Path
    entry: PostEntry | None
    error: tuple[str, str | None, int | None] | None  # ContentError's message, path, line
    files: tuple[FileRecord, ...]
    rendered: bool  # from Markdown, not from the cache


class PageTask(NamedTuple):
    kind: str  # "post", "index" or "outbox"
    number: int
    pages: int
    total: int
    posts: tuple[tuple[str, str], ...]  # (cache key, source file) of each post shown
    page_hash: str
    own: tuple[OwnReply, ...] = ()  # a post page: our own posts that answer its thread


NO_SOURCE = Path()  # one object shared by every PostEntry: pickled once
_ROW_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Post)
    if f.name not in {"source", "html", "federated_html", "content_hash"}
)


def _entry(key: str, stamp: tuple[int, int, int], post: Post) -> PostEntry:
    # A post is a function of its key (file name, bytes, configuration) and of how its
    # mentions and replied-to author resolve (a cached post is used only while they resolve
    # the same way).
    resolved = f"{key}|{post.mentions!r}|{post.replied!r}"
    digest = hashlib.blake2b(resolved.encode(), digest_size=16).hexdigest()
    row = repr(tuple(getattr(post, name) for name in _ROW_FIELDS))
    row_digest = hashlib.blake2b(row.encode(), digest_size=16).hexdigest()
    light = dataclasses.replace(post, html="", federated_html="", source=NO_SOURCE)
    return PostEntry(key, str(post.source), stamp, light, digest, row_digest)


class _Worker:
    """The state of one process: settings, compiled templates, its cache connection."""

    def __init__(self, settings: RenderSettings, theme: Theme | None = None) -> None:
        self.settings = settings
        self.theme = theme or Theme(settings.config.templates_dir, template_cache_folder())
        self._cache: PostCache | None = None
        self._conversations: ConversationStore | None = None

    @property
    def cache(self) -> PostCache:
        if self._cache is None:
            self._cache = PostCache(self.settings.cache_path)
        return self._cache

    @property
    def conversation_store(self) -> ConversationStore | None:
        """The checked conversations, opened in this process on first use."""
        if self._conversations is None:
            self._conversations = self.settings.conversations.open_store()
        return self._conversations

    def close(self) -> None:
        for connection in (self._cache, self._conversations):
            if connection is not None:
                connection.close()

    def _mentions_hold(self, post: Post) -> bool:
        from site_gen.content.mentions import normalize_handle

        found, replies = self.settings.mentions, self.settings.replies
        if post.in_reply_to and replies.get(post.in_reply_to) != post.replied:
            return False
        return all(found.get(normalize_handle(m.handle)) == m for m in post.mentions)

    def _write(self, artifacts: Sequence[Artifact], hash_: str) -> tuple[FileRecord, ...]:
        settings = self.settings
        records = []
        for artifact in artifacts:
            previous = settings.previous_files.get(artifact.path)
            digest, staged = stage_file(settings.staging, artifact.path, artifact.data, previous)
            records.append(FileRecord(artifact.path, digest, staged, hash_))
        return tuple(records)

    def _post_files(
        self, post: Post, digest: str, key: str, items: list[tuple[str, bytes]]
    ) -> tuple[FileRecord, ...]:
        """The post's page and object, written; its outbox entry (made from that same object)
        is added to `items`."""
        if post.draft and not self.settings.drafts:
            return ()
        if post.slug in self.settings.conversations.summaries:
            # Rendered with the pages (stage 5), once the model says which of our own posts
            # answer its thread (`page_plan`).
            return ()
        # A post's files depend on the post and the site fingerprint, and the manifest
        # forgets every page hash when that fingerprint changes.
        config, proof_key = self.settings.config, self.settings.proof_key
        note = None if post.draft else encoded_note(build_object(post, config))
        if note is not None:
            items.append((key, outbox_item(post, note, config)))
        artifacts = render_post_artifacts(post, config, self.theme, proof_key=proof_key, note=note)
        return self._write(artifacts, digest)

    def sources(self, tasks: Sequence[SourceTask]) -> list[SourceResult]:
        settings = self.settings
        read = []
        for task in tasks:
            path = Path(task.path)
            data = read_source(task.path)
            read.append((task, path, data, post_key(settings.post_fingerprint, path.name, data)))
        cached = self.cache.get_many([key for task, _, _, key in read if not task.force])
        results, fresh = [], []
        items: list[tuple[str, bytes]] = []
        for task, path, data, key in read:
            post = cached.get(key)
            rendered = post is None or not self._mentions_hold(post)
            if rendered:
                try:
                    post = read_post(
                        path, data, settings.config, settings.mentions, settings.replies
                    )
                except ContentError as exc:
                    where = str(exc.path) if exc.path is not None else None
                    results.append(
                        SourceResult(path, None, (exc.message, where, exc.line), (), False)
                    )
                    continue
                fresh.append((key, post))
            assert post is not None
            if post.source != path:  # a cached post read from another file of the same name
                post = dataclasses.replace(post, source=path)
            entry = _entry(key, task.stamp, post)
            files = self._post_files(post, entry.digest, key, items)
            results.append(SourceResult(path, entry, None, files, rendered))
        # Each post with its entry (a post stored without one would have it cleared).
        self.cache.put_with_items(fresh, items)
        return results

    def _posts(self, pairs: Sequence[tuple[str, str]]) -> list[Post]:
        """The full posts of `pairs` from the cache (read again if the cache lost one)."""
        found = self.cache.get_many([key for key, _ in pairs])
        posts = []
        for key, path in pairs:
            post = found.get(key)
            if post is None:
                source = Path(path)
                settings = self.settings
                post = read_post(
                    source,
                    read_source(source),
                    settings.config,
                    settings.mentions,
                    settings.replies,
                )
                self.cache.put_many([(key, post)])
                found[key] = post
            posts.append(post)
        return posts

    def pages(self, tasks: Sequence[PageTask]) -> list[FileRecord]:
        from site_core.urls import ACTIVITY_JSON, output_path_for_url
        from site_gen.build.listing_pages import render_index_page
        from site_gen.build.views import post_view

        config = self.settings.config
        urls = config.urls
        conversations = self.settings.conversations
        records: list[FileRecord] = []
        for task in tasks:
            if task.kind == "outbox":
                items = outbox_items(self.cache, task.posts, self._posts, config)
                data = outbox_page_bytes(task.number, task.pages, task.total, items, config)
                path = output_path_for_url(urls.path_of(urls.outbox_page(task.number)))
                records.extend(self._write([Artifact(path, data, ACTIVITY_JSON)], task.page_hash))
                continue
            posts = self._posts(task.posts)
            if task.kind == "post":
                file = conversations.conversation(posts[0].slug, self.conversation_store)
                artifacts = render_post_artifacts(
                    posts[0], config, self.theme, file, task.own, self.settings.proof_key
                )
            elif task.kind == "index":
                count = conversations.reply_count
                views = [post_view(post, config, count(post.slug)) for post in posts]
                artifacts = [render_index_page(task.number, task.pages, views, config, self.theme)]
            records.extend(self._write(artifacts, task.page_hash))
        return records


_worker: _Worker | None = None


def _init_worker(settings: RenderSettings, theme: Theme | None = None) -> None:
    global _worker
    _worker = _Worker(settings, theme)


def _warm_up(theme: Theme, languages: frozenset[str]) -> None:
    """Import the renderers, compile the templates and the lexers once, in the parent, before
    forking: otherwise every worker pays for them again (a third of a small build's CPU)."""
    from site_gen.content.markdown_render import warm_up

    importlib.import_module("site_gen.content.social_html")  # what read_post imports
    warm_up(languages)
    theme.compile_all()


def _run_sources(chunk: Sequence[SourceTask]) -> list[SourceResult]:
    assert _worker is not None
    return _worker.sources(chunk)


def _run_pages(chunk: Sequence[PageTask]) -> list[FileRecord]:
    assert _worker is not None
    return _worker.pages(chunk)


def _chunks(items: Sequence[_T], size: int, workers: int = 0) -> list[Sequence[_T]]:
    """Chunks of at most `size`, and with `workers`, at least four per worker: the last
    chunk of a small build must not leave one worker rendering a third of the posts alone."""
    if workers:
        size = max(1, min(size, -(-len(items) // (4 * workers))))
    return [items[i : i + size] for i in range(0, len(items), size)]


class RenderPool:
    """A fork pool of `jobs` workers, or the calling process itself when `jobs` is 0.

    Start it before the main process opens the post cache: a forked child must not inherit
    an open SQLite connection.
    """

    def __init__(self, settings: RenderSettings, jobs: int, theme: Theme | None = None) -> None:
        self._pool: Pool | None = None
        self._jobs = jobs
        if jobs <= 1:  # in-process: not even `multiprocessing` is loaded
            _init_worker(settings, theme)
            return
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            # fork: the workers inherit the imported modules, the compiled templates and the
            # settings without pickling.
            if theme is not None:
                _warm_up(theme, settings.code_languages)
            # The cache's file and table made here, closed before the fork: workers that
            # start at once would otherwise race to create them.
            PostCache(settings.cache_path).close()
            forked = multiprocessing.get_context("fork")
            self._pool = forked.Pool(jobs, initializer=_init_worker, initargs=(settings, theme))
        else:
            spawned = multiprocessing.get_context("spawn")
            self._pool = spawned.Pool(jobs, initializer=_init_worker, initargs=(settings,))

    def _map(
        self, function: Callable[[Sequence[_T]], list[_R]], items: Sequence[_T], size: int
    ) -> Iterator[_R]:
        if self._pool is None:
            for chunk in _chunks(items, size):
                yield from function(chunk)
            return
        for results in self._pool.imap_unordered(function, _chunks(items, size, self._jobs)):
            yield from results

    def sources(self, tasks: Sequence[SourceTask]) -> Iterator[SourceResult]:
        """Each source's result, in no particular order."""
        return self._map(_run_sources, tasks, 40)

    def pages(self, tasks: Sequence[PageTask]) -> Iterator[FileRecord]:
        """The files of the pages; the work starts at once, before the first `next()`."""
        if self._pool is None:
            return self._map(_run_pages, tasks, 20)
        chunks = _chunks(tasks, 10, self._jobs)
        return (r for rs in self._pool.imap_unordered(_run_pages, chunks) for r in rs)

    def close(self) -> None:
        global _worker
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
        elif _worker is not None:
            _worker.close()
        _worker = None
