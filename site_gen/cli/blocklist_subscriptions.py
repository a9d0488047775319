"""Blocklist subscriptions: shared Mastodon-format CSV lists, proposed and never applied silently.

site.yaml's `blocklists:` names each list by its https URL. `sync` fetches each (the guarded
session of `site_remote`: no internal address, redirects re-checked, at most `MAX_BYTES`),
reads it as Mastodon's domain-block CSV and writes, per list, `blocklists/<name>.csv` (the
list as read, in Mastodon's export format) and `blocklists/<name>.md` (the diff against the
current blocks, and each new block's preview). The workflow commits both to a branch and opens
a pull request; after the merge, `apply_subscriptions` blocks what the merged files add, with
the same preview in its output. A domain a list no longer names stays blocked: lifting a
block is the owner's own decision (`site-gen blocks remove`), reported in the diff.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from site_function.blocklist_csv import format_blocklist, parse_blocklist

from site_core.errors import SiteGenError
from site_gen.config import load_config
from site_gen.config_blocklists import blocklist_url

__all__ = [
    "BLOCKLIST_DIR",
    "MAX_BYTES",
    "ListDiff",
    "diff_list",
    "fetch_list",
    "list_name",
    "read_subscriptions",
    "subscribe",
    "summary_text",
]

BLOCKLIST_DIR = "blocklists"
MAX_BYTES = 2_000_000  # a list of ~40,000 domains
_KEY = "blocklists"


def _check_url(url: str) -> str:
    try:
        return blocklist_url(url)
    except ValueError as exc:
        raise SiteGenError(str(exc)) from None


def read_subscriptions(site_dir: Path) -> list[str]:
    """The `blocklists:` of site.yaml, each checked (`config_blocklists`)."""
    return list(load_config(site_dir).blocklists)


def subscribe(site_dir: Path, url: str) -> bool:
    """Add the URL to site.yaml's `blocklists:` (the file's other lines kept); False if there."""
    url = _check_url(url)
    if url in read_subscriptions(site_dir):
        return False
    path = site_dir / "site.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    where = next((i for i, line in enumerate(lines) if line.startswith(f"{_KEY}:")), None)
    if where is None:
        lines += [f"{_KEY}:", f"  - {url}"]
    elif lines[where].strip() in (f"{_KEY}:", f"{_KEY}: []"):
        lines[where] = f"{_KEY}:"
        lines.insert(where + 1, f"  - {url}")
    else:
        raise SiteGenError(f"{path}: write {_KEY} as one '  - URL' line per list to subscribe")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True


def list_name(url: str) -> str:
    """A file name for the list: its host and path, as safe characters."""
    parts = urlsplit(url)
    stem = re.sub(r"[^a-z0-9]+", "-", f"{parts.hostname}{parts.path}".lower()).strip("-")
    return stem[:80] or "blocklist"


def fetch_list(url: str, *, allow_private: bool = False) -> str:
    """The list's text through the guarded session, or an error saying what went wrong."""
    from site_remote.client import ClientSettings, make_session, user_agent_for
    from site_remote.media_fetch import fetch_bytes

    async def get() -> Any:
        settings = ClientSettings(user_agent_for(url), allow_private, total_timeout=30.0)
        async with make_session(settings) as session:
            return await fetch_bytes(session, url, max_bytes=MAX_BYTES, accept="text/csv, */*")

    result = asyncio.run(get())
    if not result.ok or result.body is None:
        raise SiteGenError(f"{url}: cannot fetch the blocklist ({result.outcome} {result.detail})")
    try:
        return bytes(result.body).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SiteGenError(f"{url}: the blocklist is not UTF-8 text") from None


@dataclass(frozen=True)
class ListDiff:
    """One list against the current blocks: the CSV to propose, what it adds, what it drops."""

    csv_text: str
    added: list[str]
    dropped: list[str]
    problems: list[str]


def diff_list(text: str, blocked: set[str], previous: str | None) -> ListDiff:
    """The list as read, the domains it blocks that are not blocked yet, and those the last
    synced copy (`previous`) named that it no longer does."""
    now = datetime.now(UTC)
    parsed = parse_blocklist(text, now)
    if parsed.unreadable is not None:
        raise SiteGenError(f"the blocklist cannot be read: {parsed.unreadable}")
    domains = {block.value for block in parsed.blocks}
    before = {b.value for b in parse_blocklist(previous, now).blocks} if previous else set()
    return ListDiff(
        format_blocklist(parsed.blocks),
        sorted(domains - blocked),
        sorted(before - domains),
        [str(problem) for problem in parsed.problems],
    )


def summary_text(url: str, diff: ListDiff, preview_lines: list[str]) -> str:
    """The reviewable summary written beside the CSV (and put in the pull request)."""
    lines = [f"# {url}", "", f"New blocks: {len(diff.added)}"]
    lines += [f"- {domain}" for domain in diff.added]
    if diff.dropped:
        lines += ["", "No longer listed (still blocked; `site-gen blocks remove` to lift):"]
        lines += [f"- {domain}" for domain in diff.dropped]
    if diff.problems:
        lines += ["", "Rows skipped:"] + [f"- {problem}" for problem in diff.problems]
    lines += ["", "Preview:", "", "```", *preview_lines, "```"]
    return "\n".join(lines) + "\n"
