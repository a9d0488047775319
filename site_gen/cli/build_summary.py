"""The closing lines of `site-gen build` and `site-gen check`, counted in words that agree.

A draft left out of a build is said out loud, by file: `site-gen new` writes `draft: true`,
and a post that silently does not appear looks like a bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from site_gen.text import plural

if TYPE_CHECKING:
    from site_gen.build.pipeline import BuildReport

__all__ = ["build_line", "check_line", "drafts_line", "summary_lines"]

_LISTED_DRAFTS = 5  # more than this, and the rest are counted, not named


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def drafts_line(report: BuildReport, root: Path) -> str | None:
    """`left out 1 draft: posts/2026-05-01-note-093000.md (...)`, or None without drafts."""
    if not report.drafts:
        return None
    names = [_shown(path, root) for path in report.drafts_left_out[:_LISTED_DRAFTS]]
    more = report.drafts - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    hint = "remove 'draft: true' to publish; 'site-gen serve' shows drafts"
    return f"left out {plural(report.drafts, 'draft')}: {listed} ({hint})"


def build_line(report: BuildReport) -> str:
    return (
        f"Built {plural(report.posts, 'post')} into {report.output}: "
        f"{plural(report.written, 'file')} written, {report.unchanged} unchanged, "
        f"{report.removed} removed in {report.seconds:.2f} s."
    )


def check_line(report: BuildReport) -> str:
    return f"OK: {plural(report.posts, 'post')}, {plural(report.files, 'file')} would be written."


def summary_lines(command: Literal["build", "check"], report: BuildReport, root: Path) -> list[str]:
    """What `build` or `check` prints last: its count, then the drafts it left out."""
    lines = [build_line(report) if command == "build" else check_line(report)]
    left_out = drafts_line(report, root)
    if left_out is not None:
        lines.append(left_out)
    return lines
