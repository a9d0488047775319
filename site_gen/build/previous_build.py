"""What the previous build into an output left, and what this one leaves for the next.

The manifest (every file's digest, every page's input hash) lets a rebuild keep the pages
whose inputs did not change; the source index and the post cache let it skip reading and
rendering unchanged posts. Each is saved only when it changed: a no-change rebuild writes
nothing at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from site_gen.build.build_inputs import SourceChanges
from site_gen.build.page_plan import previous_pages_checker
from site_gen.build.post_rendering import PostEntry
from site_gen.build.staged_output import StagedOutput
from site_gen.build.writer import Manifest, OutputWriter
from site_gen.config import SiteConfig
from site_gen.content.post_cache import PostCache

__all__ = ["PreviousBuild", "manifest_path"]


def manifest_path(config: SiteConfig, output: Path) -> Path:
    """One manifest per output folder, in the site's private cache."""
    name = hashlib.sha256(str(output).encode()).hexdigest()[:16]
    return config.state_dir / "cache" / f"manifest-{name}.pickle"


class PreviousBuild(NamedTuple):
    path: Path | None  # of the manifest (None: a check, which saves nothing)
    saved: Manifest | None  # as loaded, to save only what changed
    manifest: Manifest | None  # what this build may reuse (None: a clean or first build)

    @classmethod
    def load(
        cls,
        config: SiteConfig,
        output: Path | None,
        *,
        clean: bool,
        site_fingerprint: str,
        kept: tuple[Path, Manifest] | None = None,
    ) -> PreviousBuild:
        """The manifest saved for `output`; `kept` is one this process saved and holds
        (the preview's last build), taken instead of reading the file again."""
        path = None if output is None else manifest_path(config, output)
        if kept is not None and kept[0] == path:
            saved: Manifest | None = kept[1]
        else:
            saved = None if path is None else Manifest.load(path)
        manifest = None if clean else saved
        if manifest is not None and manifest.fingerprint != site_fingerprint:
            manifest = Manifest(files=manifest.files)  # keep digests: unchanged bytes not rewritten
        return cls(path, saved, manifest)

    @property
    def pages(self) -> Mapping[str, str]:
        """Path -> input hash of every page the previous build rendered."""
        return self.manifest.pages if self.manifest is not None else {}

    @property
    def first_build(self) -> bool:
        return self.manifest is None or not self.manifest.pages

    def writer(self, output: Path) -> OutputWriter:
        return OutputWriter(output, self.manifest)

    def pages_with(self, hash_: str) -> list[str]:
        """The pages rendered from inputs of this hash (a group, like the site pages)."""
        return [path for path, h in self.pages.items() if h == hash_]

    def kept_checker(self, output: StagedOutput) -> Callable[[str, str], bool]:
        """`is_kept(path, hash)`: does the output still hold that page made from those inputs?"""
        incremental = output.incremental and self.manifest is not None
        return previous_pages_checker(self.pages, output.previous_files, incremental)

    def remember(
        self,
        writer: OutputWriter,
        page_hashes: Mapping[str, str],
        sources: SourceChanges,
        entries: dict[str, PostEntry],
    ) -> tuple[Path, Manifest]:
        """Save the manifest, the source index and the post cache, each only if it changed;
        returns where the manifest is saved and what it holds."""
        assert self.path is not None, "a check remembers nothing"
        if sources.tasks:  # new entries went into the post cache: forget the ones no longer used
            cache = PostCache(sources.post_cache_path)
            cache.prune(entry.key for entry in entries.values())
            cache.close()
        files = writer.files
        if page_hashes.keys() <= files.keys():  # as a rule: no loop over 70,000 pages
            pages = dict(page_hashes)
        else:
            pages = {path: h for path, h in page_hashes.items() if path in files}
        manifest = Manifest(sources.site_fingerprint, writer.files, pages)
        if manifest != self.saved:
            manifest.save(self.path)
        if sources.tasks or sources.index.entries.keys() != entries.keys():
            sources.index.entries = entries
            sources.index.save(sources.index_path)
        return self.path, manifest
