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
A file the CSV reader cannot get through (a cell over its size limit, usually a quote left open)
is ``unreadable``: nothing after that point can be trusted, so the caller refuses all of it.

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is written with a leading apostrophe, as spreadsheets expect, and the
apostrophe is dropped again on reading, so an export imports back unchanged.
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
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    unreadable: BlocklistProblem | None = None  # where the CSV reader gave up, if it did

    @property
    def ok(self) -> bool:
        """True when every row was read."""
        return not self.problems and self.unreadable is None


def parse_blocklist(text: str, now: datetime) -> BlocklistImport:
    """Read a domain blocklist; ``now`` becomes each block's ``created_at``.

    A domain listed twice keeps its last row (files are often concatenated lists).
    """
    text = text.removeprefix("\ufeff")
    rows, unreadable = _rows_with_lines(text)
    if unreadable is not None:
        return BlocklistImport((), (), unreadable)
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
                         _bool_text(block.reject_reports), _inert(block.comment),
                         _bool_text(block.obfuscate)])  # fmt: skip
    return out.getvalue()


def _inert(cell: str) -> str:
    """The cell as a spreadsheet shows it as text, never runs it as a formula.

    A cell already starting with apostrophes before a formula start gets one more, so that
    `_from_inert` gives back exactly what was written.
    """
    return "'" + cell if cell.lstrip("'").startswith(_FORMULA_STARTS) else cell


def _from_inert(cell: str) -> str:
    """Undo `_inert` (and a spreadsheet's own escaping): one apostrophe in front of a formula
    start is dropped."""
    if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_STARTS):
        return cell[1:]
    return cell


# --- reading one row ---------------------------------------------------------------------------


def _rows_with_lines(
    text: str,
) -> tuple[list[tuple[int, list[str]]], BlocklistProblem | None]:
    """CSV rows with the line each starts on (a quoted cell may span lines), and where the
    reader gave up, if it did."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    found: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            found.append((start, [_from_inert(cell) for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        hint = "check for a quote that is opened but never closed"
        return found, BlocklistProblem(start, f"not readable as CSV ({exc}); {hint}")
    return found, None


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
