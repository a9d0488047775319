"""A correct build of the sample site behind real nginx and Caddy, the real function behind
them: every check of `site-gen doctor` passes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from site_gen.doctor import DoctorReport, run_doctor

from .deploy import deployed

SERVERS = [pytest.param("nginx", marks=pytest.mark.nginx), pytest.param("caddy")]


def doctor(target) -> DoctorReport:  # type: ignore[no-untyped-def]
    return asyncio.run(run_doctor(target, allow_private_addresses=True, time_limit=60))


@pytest.mark.parametrize("server", SERVERS)
def test_a_correct_deployment_passes_every_check(server: str, tmp_path: Path) -> None:
    with deployed(tmp_path, server) as site:
        report = doctor(site.target)
    print(report.to_text())
    problems = [f for f in report.findings if f.status not in ("pass", "info")]
    assert problems == []
    assert not report.failed
