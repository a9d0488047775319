"""`build_site` and `check_site`: the build as one visible pipeline of fixed stages.

    inputs -> mentions -> posts (pool) -> model -> listing pages (pool) -> site files -> write

Everything is rendered into a staging folder before the output folder is touched, so a
content error stops the build with the previous output intact. The same input gives the
same bytes: no build time goes into any file, and every list is sorted.

Speed (../shared/PERFORMANCE.md section 1): the worker processes render AND write every
file that shows post content (post pages, objects, index and outbox pages), taking posts
from the post cache, so the main process holds only metadata. A rebuild reads only the
source files whose stat changed (`source_index`) and renders only the pages whose input
hash changed (`page_plan`); unchanged bytes are never written again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import site_gen
from site_gen.build.artifacts import Artifact
from site_gen.build.federation_documents import read_public_key, render_federation_documents
from site_gen.build.feeds import FEED_LENGTH, render_atom_feed
from site_gen.build.metadata_pages import metadata_pages
from site_gen.build.page_plan import plan_pages, previous_pages_checker
from site_gen.build.post_rendering import (
    POOL_THRESHOLD,
    PostEntry,
    RenderPool,
    RenderSettings,
    SourceTask,
    page_hash,
)
from site_gen.build.site_pages import render_site_pages
from site_gen.build.sitemap import render_robots
from site_gen.build.source_index import SourceIndex, scan_sources
from site_gen.build.static_files import static_artifacts
from site_gen.build.theme import Theme
from site_gen.build.writer import Manifest, OutputWriter
from site_gen.config import SiteConfig
from site_gen.content.model import Post
from site_gen.content.post_cache import PostCache
from site_gen.errors import ContentError, OutputError
from site_gen.federation.urls import output_path_for_url
from site_gen.hosting import render_host_config, write_site_files

if TYPE_CHECKING:
    import httpx

__all__ = ["BuildReport", "build_site", "check_site", "fingerprint"]

# Bump when a change of the code changes what a post renders to (invalidates the caches).
RENDER_VERSION = "2"


@dataclass(frozen=True)
class BuildReport:
    """What a build or check did; `warnings` are worth showing but did not stop it."""

    output: Path | None
    posts: int
    drafts: int
    files: int
    written: int
    unchanged: int
    removed: int
    rendered: int  # posts rendered from Markdown (the rest came from the cache)
    seconds: float
    warnings: tuple[str, ...] = field(default=())


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


def _check_output_folder(config: SiteConfig, output: Path) -> None:
    """Refuse an output folder that would swallow the site's own files when replaced."""
    protected = [config.root, config.posts_dir, config.static_dir, config.templates_dir]
    protected.append(config.state_dir)
    for folder in protected:
        if output == folder.resolve() or folder.resolve().is_relative_to(output):
            raise OutputError(f"the output folder {output} would replace {folder}")


def _manifest_path(config: SiteConfig, output: Path) -> Path:
    name = hashlib.sha256(str(output).encode()).hexdigest()[:16]
    return config.state_dir / "cache" / f"manifest-{name}.pickle"


def _run(
    config: SiteConfig,
    *,
    output: Path | None,
    jobs: int,
    drafts: bool,
    offline: bool,
    clean: bool,
    client: httpx.Client | None,
) -> BuildReport:
    from site_gen.content.mentions import MentionResolver, normalize_handle

    started = time.perf_counter()
    warnings: list[str] = []

    # 1. Inputs: the public key first (no key, no build), the theme, every source file's
    #    stamp; only files that changed since the last build are read.
    public_key_pem = read_public_key(config.public_key_path)
    scratch = None if output is not None else Path(tempfile.mkdtemp(prefix="site-gen-check-"))
    cache_dir = scratch or config.state_dir / "cache"
    theme = Theme(config.templates_dir, cache_dir / "templates")
    post_fingerprint = fingerprint(config, drafts)
    site_fingerprint = f"{post_fingerprint}:{theme.fingerprint()}"
    index_path = cache_dir / "sources.pickle"
    index = SourceIndex(post_fingerprint)
    if output is not None and not clean:
        index = SourceIndex.load(index_path, post_fingerprint)
    stamps = scan_sources(config.posts_dir)
    known = {name: index.entries[name] for name, _, stamp in stamps if _same(index, name, stamp)}
    tasks = [SourceTask(path, stamp, False) for name, path, stamp in stamps if name not in known]

    # 2. Mentions: resolve every handle once (the committed mentions.json, then WebFinger
    #    unless offline); an unchanged post whose mentions now resolve differently is redone.
    resolver = MentionResolver(config.root / "mentions.json", offline=offline, client=client)
    try:
        handles = [h for task in tasks for h in _handles(Path(task.path))]
        handles += [m.handle for entry in known.values() for m in entry.post.mentions]
        resolved = resolver.resolve(handles)
        if output is not None:
            resolver.save()
    finally:
        resolver.close()
    warnings.extend(resolver.warnings)
    stale = [
        (entry.source, entry.stamp)
        for entry in known.values()
        if any(resolved.get(normalize_handle(m.handle)) != m for m in entry.post.mentions)
    ]
    for path, _stamp in stale:
        del known[Path(path).name]
    tasks += [SourceTask(path, stamp, True) for path, stamp in stale]

    # 3. Posts: changed sources read and rendered in the pool, each writing its own page and
    #    object into the staging folder; the main process keeps metadata only.
    loaded = None if output is None else Manifest.load(_manifest_path(config, output))
    previous = None if clean else loaded
    if previous is not None and previous.fingerprint != site_fingerprint:
        previous = Manifest(files=previous.files)  # keep digests: unchanged bytes not rewritten
    writer = OutputWriter(output, previous) if output is not None else None
    claimed: set[str] = set()  # check mode: only the paths, to refuse the same path twice

    def claim(path: str, digest: str = "", staged: bool = False) -> None:
        if writer is not None:
            writer.record(path, digest, staged)
        elif path in claimed:
            raise OutputError(f"two files would be written at {path}")
        else:
            claimed.add(path)

    settings = RenderSettings(
        config,
        resolved,
        drafts,
        post_fingerprint,
        site_fingerprint,
        cache_dir / "posts.sqlite3",
        writer.staging if writer is not None else None,
        writer.previous_files if writer is not None else {},
    )
    first_build = previous is None or not previous.pages
    use_pool = jobs > 1 and (
        len(tasks) >= POOL_THRESHOLD or (first_build and len(stamps) >= POOL_THRESHOLD)
    )
    pool = RenderPool(settings, jobs if use_pool else 0)
    page_hashes: dict[str, str] = {}
    try:
        entries = dict(known)
        by_slug: dict[str, str] = {}
        rendered_keys: set[str] = set()
        rendered = 0
        for entry in known.values():
            _claim_slug(by_slug, entry)
        for result in pool.sources(tasks):
            if result.error is not None:
                message, where, line = result.error
                raise ContentError(message, where, line)
            assert result.entry is not None
            _claim_slug(by_slug, result.entry)
            entries[result.path.name] = result.entry
            rendered += result.rendered
            rendered_keys.add(result.entry.key)
            for record in result.files:
                claim(record.path, record.digest, record.staged)
                page_hashes[record.path] = record.page_hash

        # 4. The model: one immutable, sorted tuple of the posts that are built.
        model = tuple(_sorted_entries(e for e in entries.values() if drafts or not e.post.draft))
        drafts_left_out = sum(1 for e in entries.values() if e.post.draft and not drafts)
        posts = tuple(entry.post for entry in model)
        published = tuple(post for post in posts if not post.draft)

        # 5. Pages whose inputs changed: post pages of unchanged posts (theme, config
        #    changed), index and outbox pages, in the pool; the rest are kept as they are.
        incremental = writer is not None and writer.incremental and previous is not None
        is_kept = previous_pages_checker(
            previous.pages if previous else {}, writer.previous_files if writer else {}, incremental
        )
        plan = plan_pages(model, rendered_keys, config, site_fingerprint, is_kept)
        page_hashes.update(plan.hashes)
        page_records = pool.pages(plan.tasks)
        for path, _hash in plan.kept:
            assert writer is not None
            writer.keep(path)

        # 6. Listings by title, rendered here while the workers render the rest.
        site_files = metadata_pages(model, config, theme, site_fingerprint, is_kept, page_hashes)
        site_hash = page_hash(site_fingerprint, "site pages", len(published))
        site_paths = [p for p, h in (previous.pages if previous else {}).items() if h == site_hash]
        if site_paths and all(is_kept(path, site_hash) for path in site_paths):
            site_files += site_paths  # kept as they are (and Jinja is not even loaded)
        else:
            for item in render_site_pages(published, config, theme):
                page_hashes[item.path] = site_hash
                site_files.append(item)
        site_files += [
            render_robots(config),
            *static_artifacts(config.static_dir),
            *(
                Artifact(host_file.path, host_file.content, "text/plain; charset=utf-8")
                for host_file in render_host_config(config)
                if host_file.location == "output"
            ),
        ]
        for site_file in site_files:
            if isinstance(site_file, str):
                assert writer is not None
                writer.keep(site_file)
            else:
                _stage(writer, claim, site_file)
        for record in page_records:
            claim(record.path, record.digest, record.staged)
        pool.close()

        # 7. The feed and the ActivityPub documents (actor, collections, discovery), kept
        #    when their inputs did not change; the few full posts they embed are cached.
        urls = config.urls
        shown = [entry for entry in model if not entry.post.draft]
        newest, pinned = shown[:FEED_LENGTH], [e for e in shown if e.post.pinned]
        feed_path = output_path_for_url(urls.path_of(urls.atom_feed))
        feed_hash = page_hash(site_fingerprint, "feed", *(e.digest for e in newest))
        documents_hash = page_hash(
            site_fingerprint,
            "documents",
            public_key_pem,
            repr(sorted(resolved.items())),
            *(e.row_digest for e in shown),
            *(e.digest for e in pinned),
        )
        page_hashes[feed_path] = feed_hash
        documents = [
            p for p, h in (previous.pages if previous else {}).items() if h == documents_hash
        ]
        documents_kept = bool(documents) and all(is_kept(p, documents_hash) for p in documents)
        feed_kept = is_kept(feed_path, feed_hash)
        wanted = ([] if feed_kept else newest) + ([] if documents_kept else pinned)
        full = _full_posts(wanted, settings) if wanted else {}
        if feed_kept:
            assert writer is not None
            writer.keep(feed_path)
        else:
            _stage(writer, claim, render_atom_feed([full[e.key] for e in newest], config))
        if documents_kept:
            assert writer is not None
            for path in documents:
                writer.keep(path)
                page_hashes[path] = documents_hash
        else:
            for item in render_federation_documents(
                published, config, public_key_pem, resolved, pinned=[full[e.key] for e in pinned]
            ):
                _stage(writer, claim, item)
                page_hashes[item.path] = documents_hash

        # 8. Write: swap the staged output in, then remember what was written.
        if writer is None:
            return BuildReport(
                None,
                len(published),
                drafts_left_out,
                len(claimed),
                0,
                0,
                0,
                rendered,
                time.perf_counter() - started,
                tuple(warnings),
            )
        written = writer.commit()
    except BaseException:
        pool.close()
        if writer is not None:
            writer.abort()
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    # 9. Remember what was built (only what changed: a no-change rebuild writes nothing).
    assert output is not None
    if tasks:  # new entries went into the post cache: forget the ones no longer used
        cache = PostCache(settings.cache_path)
        cache.prune(entry.key for entry in entries.values())
        cache.close()
    pages = {path: h for path, h in page_hashes.items() if path in writer.files}
    manifest = Manifest(site_fingerprint, writer.files, pages)
    if manifest != loaded:
        manifest.save(_manifest_path(config, output))
    if tasks or index.entries.keys() != entries.keys():
        index.entries = entries
        index.save(index_path)
    return BuildReport(
        output,
        len(published),
        drafts_left_out,
        len(writer.files),
        written.written,
        written.unchanged,
        written.removed,
        rendered,
        time.perf_counter() - started,
        tuple(warnings),
    )


def _full_posts(entries: Sequence[PostEntry], settings: RenderSettings) -> dict[str, Post]:
    """Posts with their content, from the cache (read again if the cache lost one)."""
    from site_gen.content.reader import read_post

    cache = PostCache(settings.cache_path)
    try:
        found = cache.get_many([entry.key for entry in entries])
    finally:
        cache.close()
    for entry in entries:
        if entry.key not in found:
            path = Path(entry.source)
            found[entry.key] = read_post(
                path, path.read_bytes(), settings.config, settings.mentions
            )
    return found


def _handles(path: Path) -> tuple[str, ...]:
    """The mentions of a changed source, to resolve before the workers render it."""
    from site_gen.content.mentions import extract_mentions

    data = path.read_bytes()
    return extract_mentions(data.decode("utf-8", errors="replace")) if b"@" in data else ()


def _claim_slug(by_slug: dict[str, str], entry: PostEntry) -> None:
    """Slugs are unique: the error names both files, in a stable order."""
    other = by_slug.get(entry.post.slug)
    if other is not None:
        first, second = sorted([Path(other), Path(entry.source)])
        raise ContentError(f"duplicate slug '{entry.post.slug}' (also in {first})", second)
    by_slug[entry.post.slug] = entry.source


def _same(index: SourceIndex, name: str, stamp: tuple[int, int, int]) -> bool:
    entry = index.entries.get(name)
    return entry is not None and entry.stamp == stamp


def _sorted_entries(entries: Iterable[PostEntry]) -> list[PostEntry]:
    """Newest first; the slug breaks ties so the order never depends on the file system."""
    ordered = sorted(entries, key=lambda entry: entry.post.slug)
    ordered.sort(key=lambda entry: entry.post.published, reverse=True)
    return ordered


def _stage(writer: OutputWriter | None, claim: Callable[..., None], artifact: Artifact) -> None:
    if writer is not None:
        writer.add(artifact)
    else:
        claim(artifact.path)


def build_site(
    config: SiteConfig,
    *,
    output: Path | None = None,
    jobs: int = 2,
    drafts: bool = False,
    offline: bool = False,
    clean: bool = False,
    client: httpx.Client | None = None,
) -> BuildReport:
    """Build the site into `output` (default: the configured output folder)."""
    target = (output or config.output_dir).resolve()
    _check_output_folder(config, target)
    report = _run(
        config,
        output=target,
        jobs=jobs,
        drafts=drafts,
        offline=offline,
        clean=clean,
        client=client,
    )
    if output is None:  # host files of the site folder (vercel.json, deploy/nginx.conf)
        write_site_files(config.root, render_host_config(config))
    return report


def check_site(
    config: SiteConfig, *, jobs: int = 2, drafts: bool = False, offline: bool = True
) -> BuildReport:
    """Read, validate and render everything, writing nothing (not even caches)."""
    return _run(
        config, output=None, jobs=jobs, drafts=drafts, offline=offline, clean=True, client=None
    )
