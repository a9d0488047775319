"""Runs the families of checks in order on one guarded session, within the run's bounds.

The order follows a remote server's path: discovery, the documents, their JSON-LD, the
inbox, the function, the host configuration, what Threads and Bridgy Fed ask, and privacy
(last, because it also scans every answer the others fetched).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from site_gen.doctor.discovery_checks import check_discovery
from site_gen.doctor.document_checks import check_documents
from site_gen.doctor.function_checks import check_function
from site_gen.doctor.host_checks import check_host
from site_gen.doctor.inbox_checks import check_inbox
from site_gen.doctor.jsonld_checks import check_jsonld
from site_gen.doctor.observer import Observer
from site_gen.doctor.platform_checks import check_platforms
from site_gen.doctor.privacy_checks import check_privacy
from site_gen.doctor.report import DoctorReport, Finding
from site_gen.doctor.target import DoctorTarget
from site_remote.client import ClientSettings, make_session, user_agent_for

__all__ = ["CHECK_FAMILIES", "run_doctor"]

CheckFamily = Callable[[DoctorTarget, Observer], Awaitable[list[Finding]]]
CHECK_FAMILIES: tuple[CheckFamily, ...] = (
    check_discovery,
    check_documents,
    check_jsonld,
    check_inbox,
    check_function,
    check_host,
    check_platforms,
    check_privacy,
)


async def run_doctor(
    target: DoctorTarget,
    *,
    allow_private_addresses: bool = False,
    time_limit: float = 60.0,
    request_timeout: float = 10.0,
) -> DoctorReport:
    """Every check against the deployed site; network trouble becomes findings, not errors."""
    settings = ClientSettings(
        user_agent=user_agent_for(target.urls.base_url),
        allow_private_addresses=allow_private_addresses,
        limit_per_host=4,
        total_timeout=request_timeout,
    )
    session = make_session(settings)
    try:
        web = Observer(session, time_limit=time_limit, request_timeout=request_timeout)
        findings: list[Finding] = []
        for family in CHECK_FAMILIES:
            findings += await family(target, web)
    finally:
        await session.close()
    return DoctorReport.of(target.urls.base_url, findings)
