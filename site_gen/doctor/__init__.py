"""`site-gen doctor`: the deployed site checked from the outside, as the fediverse sees it.

One module per family of checks (`discovery_checks`, `document_checks`, `jsonld_checks`,
`inbox_checks`, `function_checks`, `host_checks`, `platform_checks`, `privacy_checks`),
each `async (DoctorTarget, Observer) -> list[Finding]`; `runner` runs them in order on one
guarded session and `report` prints what they found.
"""

from __future__ import annotations

from site_gen.doctor.report import DoctorReport, Finding, Status
from site_gen.doctor.runner import run_doctor
from site_gen.doctor.target import DoctorTarget

__all__ = ["DoctorReport", "DoctorTarget", "Finding", "Status", "run_doctor"]
