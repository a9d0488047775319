"""`build_site` and `check_site`: the build as one visible pipeline of fixed stages.

    inputs -> mentions -> posts (pool, cache) -> model -> post pages -> site pages -> write

Everything is read and rendered before the output folder is touched, so a content error
stops the build with the previous output intact. The same input gives the same bytes: no
build time goes into any file, and every list is sorted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import site_gen
from site_gen.build.artifacts import Artifact
from site_gen.build.federation_documents import read_public_key, render_federation_documents
from site_gen.build.feeds import render_atom_feed
from site_gen.build.listing_pages import render_archive, render_index_pages, render_tag_pages
from site_gen.build.post_rendering import (
    RenderSettings,
    SourceFile,
    render_pages,
    render_sources,
)
from site_gen.build.site_pages import render_site_pages
from site_gen.build.sitemap import render_robots, render_sitemap
from site_gen.build.static_files import static_artifacts
from site_gen.build.theme import Theme
from site_gen.build.views import post_view
from site_gen.build.writer import Manifest, OutputWriter
from site_gen.config import SiteConfig
from site_gen.content.model import Post
from site_gen.content.post_cache import PostCache, post_key
from site_gen.errors import ContentError, OutputError
from site_gen.federation.urls import output_path_for_url
from site_gen.hosting import render_host_config, write_site_files

if TYPE_CHECKING:
    import httpx

__all__ = ["BuildReport", "build_site", "check_site", "fingerprint"]

# Bump when a change of the code changes what a post renders to (invalidates the caches).
RENDER_VERSION = "1"


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


def _sources(config: SiteConfig, key_fingerprint: str) -> list[SourceFile]:
    folder = config.posts_dir
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.md") if p.is_file() and not p.name.startswith("."))
    sources = []
    for path in paths:
        data = path.read_bytes()
        sources.append(SourceFile(path, data, post_key(key_fingerprint, data)))
    return sources


def _check_output_folder(config: SiteConfig, output: Path) -> None:
    """Refuse an output folder that would swallow the site's own files when replaced."""
    protected = [config.root, config.posts_dir, config.static_dir, config.templates_dir]
    protected.append(config.state_dir)
    for folder in protected:
        if output == folder.resolve() or folder.resolve().is_relative_to(output):
            raise OutputError(f"the output folder {output} would replace {folder}")


def _sorted_posts(posts: Iterable[Post]) -> list[Post]:
    """Newest first; the slug breaks ties so the order never depends on the file system."""
    ordered = sorted(posts, key=lambda post: post.slug)
    ordered.sort(key=lambda post: post.published, reverse=True)
    return ordered


def _manifest_path(config: SiteConfig, output: Path) -> Path:
    name = hashlib.sha256(str(output).encode()).hexdigest()[:16]
    return config.state_dir / "cache" / f"manifest-{name}.json"


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
    from site_gen.content.mentions import MentionResolver, extract_mentions

    started = time.perf_counter()
    warnings: list[str] = []

    # 1. Inputs: the public key first (no key, no build), the theme, every source file.
    public_key_pem = read_public_key(config.public_key_path)
    theme = Theme(config.templates_dir)
    post_fingerprint = fingerprint(config, drafts)
    site_fingerprint = f"{post_fingerprint}:{theme.fingerprint()}"
    sources = _sources(config, post_fingerprint)
    cache = PostCache(config.state_dir / "cache" / "posts.sqlite3" if output else None)
    cached = cache.get_many([source.key for source in sources])

    # 2. Mentions: resolve every handle once (the committed mentions.json, then WebFinger
    #    unless offline); a cached post whose mentions now resolve differently is redone.
    resolver = MentionResolver(config.root / "mentions.json", offline=offline, client=client)
    try:
        handles = [
            h
            for s in sources
            if s.key not in cached and b"@" in s.data
            for h in extract_mentions(s.data.decode("utf-8", errors="replace"))
        ]
        handles += [m.handle for post in cached.values() for m in post.mentions]
        resolved = resolver.resolve(handles)
        if output is not None:
            resolver.save()
    finally:
        resolver.close()
    warnings.extend(resolver.warnings)
    for key, post in list(cached.items()):
        if any(resolved.get(_normal(m.handle)) != m for m in post.mentions):
            del cached[key]

    # 3. Posts: cache hits as they are; the rest read and rendered in the pool, each with
    #    its own page and object, staged as they arrive. Slugs must be unique.
    previous = None if clean or output is None else Manifest.load(_manifest_path(config, output))
    if previous is not None and previous.fingerprint != site_fingerprint:
        previous = Manifest(files=previous.files)  # keep digests: unchanged bytes not rewritten
    writer = OutputWriter(output, previous) if output is not None else None
    staged: dict[str, tuple[Artifact, ...]] = {}  # check mode keeps nothing but the paths
    try:
        settings = RenderSettings(config, resolved, drafts)
        posts: dict[str, Post] = {}
        keys: dict[str, str] = {}
        fresh: list[tuple[str, Post]] = []

        def accept(post: Post, key: str) -> bool:
            other = posts.get(post.slug)
            if other is not None:
                first, second = sorted([other.source, post.source])
                raise ContentError(f"duplicate slug '{post.slug}' (also in {first})", second)
            posts[post.slug] = post
            if drafts or not post.draft:
                keys[post.slug] = key
                return True
            return False

        missing = [source for source in sources if source.key not in cached]
        for result in render_sources(missing, settings, jobs):
            if result.error is not None:
                message, where, line = result.error
                raise ContentError(message, where, line)
            assert result.post is not None
            fresh.append((result.source.key, result.post))
            if accept(result.post, result.source.key):
                _stage(writer, staged, result.artifacts)

        # 4. The model: one immutable, sorted tuple of the posts that are published.
        to_render = []
        for source in sources:
            hit = cached.get(source.key)
            if hit is None:
                continue
            post = dataclasses.replace(hit, source=source.path)
            if not accept(post, source.key):
                continue
            own_files = _post_paths(post, config)
            if (
                writer is not None
                and previous is not None
                and previous.posts.get(post.slug) == source.key
                and all(path in previous.files for path in own_files)
            ):
                for path in own_files:
                    writer.keep(path)
            else:
                to_render.append(post)
        model = tuple(_sorted_posts(p for p in posts.values() if drafts or not p.draft))
        drafts_left_out = sum(1 for p in posts.values() if p.draft and not drafts)

        # 5. Pages of cached posts whose output is missing or stale (theme, config changed).
        for _slug, artifacts in render_pages(_sorted_posts(to_render), settings, jobs):
            _stage(writer, staged, artifacts)

        # 6. Site-wide files: listings, feed, sitemap, ActivityPub documents, theme, static.
        published = tuple(post for post in model if not post.draft)
        views = [post_view(post, config) for post in model]
        site_files: list[Artifact] = [
            *render_index_pages(model, views, config, theme),
            *render_tag_pages(model, views, config, theme),
            render_archive(model, views, config, theme),
            *render_site_pages(published, config, theme),
            render_atom_feed(published, config),
            render_sitemap(model, config),
            render_robots(config),
            *render_federation_documents(published, config, public_key_pem, resolved),
            *static_artifacts(config.static_dir),
            *(
                Artifact(host_file.path, host_file.content, "text/plain; charset=utf-8")
                for host_file in render_host_config(config)
                if host_file.location == "output"
            ),
        ]
        _stage(writer, staged, site_files)

        # 7. Write: swap the staged output in, then remember what was written.
        if writer is None:
            return BuildReport(
                None,
                len(published),
                drafts_left_out,
                len(staged),
                0,
                0,
                0,
                len(fresh),
                time.perf_counter() - started,
                tuple(warnings),
            )
        written = writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        if output is None:
            cache.close()
    assert output is not None
    manifest = Manifest(site_fingerprint, writer.files, keys)
    manifest.save(_manifest_path(config, output))
    cache.put_many(fresh)
    cache.prune(keys.values())
    cache.close()
    return BuildReport(
        output,
        len(published),
        drafts_left_out,
        len(writer.files),
        written.written,
        written.unchanged,
        written.removed,
        len(fresh),
        time.perf_counter() - started,
        tuple(warnings),
    )


def _post_paths(post: Post, config: SiteConfig) -> list[str]:
    """The files `render_post_artifacts` makes for a post."""
    urls = config.urls
    paths = [output_path_for_url(urls.path_of(urls.post_page(post.slug)))]
    if not post.draft:
        paths.append(output_path_for_url(urls.path_of(urls.post_object(post.slug))))
    return paths


def _normal(handle: str) -> str:
    return "@" + handle.strip().lstrip("@").lower()


def _stage(
    writer: OutputWriter | None, staged: dict[str, tuple[Artifact, ...]], items: Iterable[Artifact]
) -> None:
    for artifact in items:
        if writer is not None:
            writer.add(artifact)
        elif artifact.path in staged:
            raise OutputError(f"two files would be written at {artifact.path}")
        else:
            staged[artifact.path] = ()


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
