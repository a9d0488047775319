"""What a long-running process (the preview) keeps between builds, so a rebuild after one
saved post costs what that post costs, not what the site costs.

A one-off build loads the source index and the manifest from the cache folder and stats
every post file. A process that builds again and again keeps both in memory instead, and
when its file watcher says which post files changed (`note_changed`), the next build stats
only those: the other posts keep the stamps the index holds. Anything the watcher cannot
vouch for (a change outside `posts/`, a first build) means a full scan, as a one-off build
does. Changes are forgotten only when a build succeeds, so a file whose error stopped one
build is read again by the next. The last page plan is kept too (`PlanMemory`), so the
next plan looks only at the posts that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_gen.build.page_plan import PlanMemory
from site_gen.build.post_rendering import PostEntry
from site_gen.build.source_index import SourceIndex, Stamp, scan_named, scan_sources
from site_gen.build.writer import Manifest

if TYPE_CHECKING:
    from site_gen.build.post_collection import BuildModel

__all__ = ["BuildMemory"]


@dataclass
class BuildMemory:
    """The source index and the manifest of the last build, and the post files changed since."""

    index: SourceIndex | None = None
    manifest: tuple[Path, Manifest] | None = None  # where it is saved, as saved
    _changed: set[str] | None = field(default=None)  # post file names; None: scan them all
    plan: PlanMemory = field(default_factory=PlanMemory)  # the last build's page plan
    model: BuildModel | None = None  # the last build's posts, in order

    def note_changed(self, paths: Iterable[Path], posts_dir: Path) -> None:
        """The watcher's changed paths: post files are remembered by name; any other path
        (a template, site.yaml, a folder) makes the next build scan every post file."""
        if self._changed is None:
            return
        for path in paths:
            if path.parent == posts_dir and path.suffix == ".md":
                self._changed.add(path.name)
            elif path.is_relative_to(posts_dir):  # a folder moved in or out, say
                self._changed = None
                return

    def rescan(self) -> None:
        """Changes the watcher did not tell: the next build scans every post file."""
        self._changed = None

    def index_for(self, fingerprint: str) -> SourceIndex | None:
        """The index of the last build if it was made under `fingerprint`."""
        if self.index is not None and self.index.fingerprint == fingerprint:
            return self.index
        return None

    def stamps(
        self, posts_dir: Path, index: SourceIndex
    ) -> tuple[dict[str, PostEntry], list[tuple[str, str, Stamp]]]:
        """The index's entries of the post files the watcher saw unchanged, and the stamp
        of every other post file: only the changed ones when the watcher has told every
        change since the last build, else every file (a full scan)."""
        if self._changed is None or self.index_for(index.fingerprint) is not index:
            return {}, scan_sources(posts_dir)
        known = dict(index.entries)
        for name in self._changed:
            known.pop(name, None)
        return known, scan_named(posts_dir, sorted(self._changed))

    def plan_for(self, manifest: Manifest | None, incremental: bool) -> PlanMemory:
        """The last plan, for a build that starts from `manifest` (None: a clean build)."""
        self.plan.begin(manifest, incremental)
        return self.plan

    def built(
        self,
        index: SourceIndex,
        manifest: tuple[Path, Manifest] | None,
        model: BuildModel | None = None,
    ) -> None:
        """A build succeeded: keep what it left, and start counting changes afresh."""
        self.index, self.manifest, self.model = index, manifest, model
        self._changed = set()
        self.plan.settle(manifest[1] if manifest is not None else None)
