"""Mastodon's domain-block CSV, read and written, so published blocklists work as they are.

Sans-IO: text in, ``Block`` records and per-line problems out (and back). Three shapes are read:

- Mastodon's export (4.1+): ``#domain,#severity,#reject_media,#reject_reports,#public_comment,
  #obfuscate`` - the header names the columns, in any order; unknown columns (``#private_comment``,
  ``#set_nsfw``, ...) are ignored;
- the same header without ``#`` (older exports and many shared lists);
- a plain list, one domain per line (``#`` lines are comments); extra cells, if any, are taken in
  Mastodon's column order.

A bad row does not stop the reading: it becomes a ``BlocklistProblem`` with its line number,
and the caller decides whether to import the good rows (an expected outcome, not an exception).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from site_function.store.base import Block, normalize_domain

__all__ = [
    "MASTODON_COLUMNS",
    "SEVERITIES",
    "BlocklistImport",
    "BlocklistProblem",
    "format_blocklist",
    "parse_blocklist",
]

MASTODON_COLUMNS = ("domain", "severity", "reject_media", "reject_reports", "public_comment",
                    "obfuscate")  # fmt: skip
SEVERITIES = ("suspend", "silence", "noop")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_KNOWN_HEADERS = {*MASTODON_COLUMNS, "private_comment", "set_nsfw"}
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class BlocklistProblem:
    """A row that could not be read, with its 1-based line number in the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class BlocklistImport:
    """The domain blocks read from a CSV, and the rows that were refused."""

    blocks: tuple[Block, ...]
    problems: tuple[BlocklistProblem, ...]

    @property
    def ok(self) -> bool:
        """True when every row was read."""
        return not self.problems


def parse_blocklist(text: str, now: datetime) -> BlocklistImport:
    """Read a domain blocklist; ``now`` becomes each block's ``created_at``.

    A domain listed twice keeps its last row (files are often concatenated lists).
    """
    text = text.removeprefix("\ufeff")
    rows = _rows_with_lines(text)
    columns: Sequence[str] = MASTODON_COLUMNS
    blocks: dict[str, Block] = {}
    problems: list[BlocklistProblem] = []
    header_seen = False
    for line, cells in rows:
        first = cells[0].strip() if cells else ""
        if not any(cell.strip() for cell in cells):
            continue
        names = [cell.strip().lstrip("#").strip().lower() for cell in cells]
        if not header_seen and set(names) & _KNOWN_HEADERS:
            header_seen = True
            if "domain" not in names:
                problems.append(BlocklistProblem(line, "the header has no domain column"))
                return BlocklistImport((), tuple(problems))
            columns = names
            continue
        header_seen = True  # only the first row may be a header
        if first.startswith("#"):
            continue  # a comment in a plain list
        block = _block_from(dict(zip(columns, cells, strict=False)), now, line, problems)
        if block is not None:
            blocks[block.value] = block
    return BlocklistImport(tuple(blocks.values()), tuple(problems))


def format_blocklist(blocks: Iterable[Block]) -> str:
    """Write the domain blocks in Mastodon's export format (account blocks are left out)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"#{name}" for name in MASTODON_COLUMNS])
    for block in sorted((b for b in blocks if b.kind == "domain"), key=lambda b: b.value):
        writer.writerow([block.value, block.severity, _bool_text(block.reject_media),
                         _bool_text(block.reject_reports), block.comment,
                         _bool_text(block.obfuscate)])  # fmt: skip
    return out.getvalue()


# --- reading one row ---------------------------------------------------------------------------


def _rows_with_lines(text: str) -> list[tuple[int, list[str]]]:
    """CSV rows with the line each starts on (a quoted cell may span lines)."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    found: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        found.append((start, cells))
        start = reader.line_num + 1
    return found


def _block_from(
    row: dict[str, str], now: datetime, line: int, problems: list[BlocklistProblem]
) -> Block | None:
    domain, error = _domain(row.get("domain", ""))
    if error:
        problems.append(BlocklistProblem(line, error))
        return None
    severity = (row.get("severity") or "suspend").strip().lower()
    if severity not in SEVERITIES:
        allowed = ", ".join(SEVERITIES)
        problems.append(BlocklistProblem(line, f"unknown severity {severity!r} ({allowed})"))
        return None
    flags: dict[str, bool] = {}
    for name in ("reject_media", "reject_reports", "obfuscate"):
        value = (row.get(name) or "").strip().lower()
        if value not in _TRUE | _FALSE:
            problems.append(BlocklistProblem(line, f"{name} must be true or false, not {value!r}"))
            return None
        flags[name] = value in _TRUE
    comment = (row.get("public_comment") or row.get("comment") or "").strip()
    return Block("domain", domain, now, severity, comment, **flags)


def _domain(raw: str) -> tuple[str, str | None]:
    """The normalised domain, or an error message for the person importing."""
    text = raw.strip()
    if text.startswith("*."):
        text = text[2:]  # "*.example.com": a domain block covers subdomains anyway
    if not text:
        return "", "empty domain"
    if "*" in text:
        return "", f"{raw.strip()!r} is obfuscated (a public list hides part of the domain)"
    if "/" in text or ":" in text or "@" in text or " " in text:
        return "", f"{raw.strip()!r} is not a domain (give the host name only)"
    domain = normalize_domain(text)
    labels = domain.split(".")
    if len(domain) > 253 or not all(_LABEL.match(label) for label in labels):
        return "", f"{raw.strip()!r} is not a valid domain"
    return domain, None


def _bool_text(value: bool) -> str:
    return "true" if value else "false"
