"""Every federation rule the repository cites is defined in FEDERATION.md, and no reference to
an outside checklist comes back (paths outside the repository: test_repository_stands_alone.py).

Code, tests and documents cite a rule as `FEDERATION.md#<name>`; FEDERATION.md defines it as
`<a id="<name>"></a>**<name>**` (its section headings are anchors too). A rename or a typo
leaves a reference pointing at nothing, which only this test notices. The numbered references
to an outside checklist are gone for good: a fresh clone does not have it, so a reader could not
follow them.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FEDERATION = REPO / "FEDERATION.md"

_RULE = re.compile(r'<a id="([a-z0-9-]+)"></a>\*\*([a-z0-9-]+)\*\* — ')
_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
_CITED = re.compile(r"FEDERATION\.md#([A-Za-z0-9_-]+)")
_LOCAL_LINK = re.compile(r"\]\(#([^)]+)\)")

# What must never come back (this file, which spells them out, is not scanned).
_FORBIDDEN = {
    "a numbered checklist item": re.compile(r"\b[Ii]tems?[ \t]+\d{1,3}\b"),
    "the outside checklist": re.compile(r"\binterop[\s#]+(?:items?|section|checklist)\b", re.I),
    "a lettered checklist section": re.compile(r"\(section [A-M]\)"),
    "the outside performance notes": re.compile(r"\bPERFORMANCE\.md\b"),
}


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _repository_files() -> list[Path]:
    """Tracked files, plus new ones not yet added (ignored files left out)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    paths = sorted({REPO / name for name in listed.split("\0") if name})
    return [path for path in paths if path.is_file()]


def _texts() -> list[tuple[Path, str]]:
    """Every text file of the repository but this one (files with NUL bytes are binary)."""
    found = []
    for path in _repository_files():
        if path == Path(__file__).resolve():
            continue
        data = path.read_bytes()
        if b"\0" not in data:
            found.append((path, data.decode("utf-8", errors="replace")))
    return found


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _rules() -> dict[str, int]:
    """Rule name -> how many times FEDERATION.md defines it."""
    counts: dict[str, int] = {}
    for anchor, name in _RULE.findall(FEDERATION.read_text(encoding="utf-8")):
        assert anchor == name, f"FEDERATION.md: rule **{name}** has the anchor {anchor!r}"
        counts[name] = counts.get(name, 0) + 1
    return counts


def _section_anchors() -> set[str]:
    return {_slug(h) for h in _HEADING.findall(FEDERATION.read_text(encoding="utf-8"))}


def _anchors() -> set[str]:
    """Everything `FEDERATION.md#...` may name: the rules and the section headings."""
    return set(_ANCHOR.findall(FEDERATION.read_text(encoding="utf-8"))) | _section_anchors()


def test_rules_are_defined_once_each() -> None:
    rules = _rules()
    assert len(rules) >= 40, "FEDERATION.md lost its rules (no `<a id=...></a>**name** — ` entry)"
    twice = sorted(name for name, count in rules.items() if count > 1)
    assert twice == [], f"rules defined more than once in FEDERATION.md: {twice}"
    clash = sorted(set(rules) & _section_anchors())
    assert clash == [], f"rule names that are also section anchors: {clash}"


def test_every_cited_rule_exists() -> None:
    anchors = _anchors()
    broken = []
    for path, text in _texts():
        for match in _CITED.finditer(text):
            if match.group(1) not in anchors:
                where = f"{path.relative_to(REPO)}:{_line(text, match.start())}"
                broken.append(f"{where}: FEDERATION.md#{match.group(1)}")
    local = FEDERATION.read_text(encoding="utf-8")
    for match in _LOCAL_LINK.finditer(local):
        if match.group(1) not in anchors:
            broken.append(f"FEDERATION.md:{_line(local, match.start())}: (#{match.group(1)})")
    assert broken == [], "references to rules FEDERATION.md does not define:\n" + "\n".join(broken)


def test_no_reference_points_outside_the_repository() -> None:
    found = []
    for path, text in _texts():
        for what, pattern in _FORBIDDEN.items():
            for match in pattern.finditer(text):
                where = f"{path.relative_to(REPO)}:{_line(text, match.start())}"
                found.append(f"{where}: {what}: {match.group(0)!r}")
    assert found == [], (
        "cite the rule in FEDERATION.md (FEDERATION.md#<name>) or state the fact itself:\n"
        + "\n".join(found)
    )


def test_the_forbidden_patterns_catch_what_they_are_for() -> None:
    """The patterns are narrow on purpose; this keeps them from going blind."""
    caught = {
        "see item 77": "a numbered checklist item",
        "(items 45, 49)": "a numbered checklist item",
        "Item 31: stale": "a numbered checklist item",
        "(interop\n    # item 56)": "the outside checklist",
        "interop section F": "the outside checklist",
        "(section H)": "a lettered checklist section",
        "PERFORMANCE.md": "the outside performance notes",
    }
    for sample, what in caught.items():
        assert _FORBIDDEN[what].search(sample), (what, sample)
    for fine in ("interoperability", "a 4-item list", "items in the queue", "RFC 9421 section 2.5"):
        assert not any(p.search(fine) for p in _FORBIDDEN.values()), fine
