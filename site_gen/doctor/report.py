"""What the doctor found: one `Finding` per check, and the report that prints them.

Every finding says what was seen and, unless it passed, the fix in one sentence that names
the README section explaining it, so an owner can act without reading the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

__all__ = ["README_SECTIONS", "DoctorReport", "Finding", "Status"]

Status = Literal["pass", "warn", "fail", "info"]

# The README sections fixes point to (heading text, as GitHub shows it).
README_SECTIONS = {
    "doctor": "Doctor",
    "deploying": "Deploying",
    "hosts": "What each target writes and can do",
    "function": "The function",
    "env": "Environment variables",
    "deploy_function": "Deploying the function",
    "configuration": "Configuration",
    "keys": "Commands",
    "publishing": "Publishing",
}


@dataclass(frozen=True)
class Finding:
    """One check's result. `fix` is empty when the check passed."""

    check: str
    status: Status
    seen: str
    fix: str = ""

    @classmethod
    def ok(cls, check: str, seen: str) -> Finding:
        return cls(check, "pass", seen)

    @classmethod
    def problem(
        cls, check: str, seen: str, fix: str, section: str, status: Status = "fail"
    ) -> Finding:
        """A failed (or warned, or noted) check with its fix and the README section."""
        return cls(check, status, seen, f"{fix} (README: {README_SECTIONS[section]})")


@dataclass(frozen=True)
class DoctorReport:
    """All findings of one run, in the order the checks ran."""

    target: str
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, target: str, findings: Iterable[Finding]) -> DoctorReport:
        return cls(target, tuple(findings))

    @property
    def failed(self) -> bool:
        return any(finding.status == "fail" for finding in self.findings)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("pass", "warn", "fail", "info"), 0)
        for finding in self.findings:
            counts[finding.status] += 1
        return counts

    def to_json(self) -> str:
        data = {
            "target": self.target,
            "ok": not self.failed,
            "counts": self.counts(),
            "findings": [asdict(finding) for finding in self.findings],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [f"site-gen doctor: {self.target}"]
        for finding in self.findings:
            lines.append(f"{finding.status.upper():5} {finding.check}: {finding.seen}")
            if finding.fix:
                lines.append(f"      fix: {finding.fix}")
        summary = ", ".join(f"{count} {status}" for status, count in self.counts().items())
        lines.append(summary)
        return "\n".join(lines)
