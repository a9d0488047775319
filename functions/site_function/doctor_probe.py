"""The inbox's answer to `site-gen doctor`'s probe: verified with our own key, never stored.

A POST carrying the probe header (`site_core.doctor_probe`) is taken out of the pipeline
before any key fetch or store access: it must be signed with the site's own key for one of
our hosts, like any delivery. Verified, it gets 202 with the function's clock, version and
store kind; otherwise 401 with the reason. Nothing is written either way, so a probe can run
against a live site at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from site_core import __version__
from site_core.doctor_probe import PROBE_HEADER, probe_reply_body
from site_function.inbox_request import InboxRequest
from site_function.runtime import FunctionRuntime

__all__ = ["ProbeAnswer", "answer_probe"]


@dataclass(frozen=True)
class ProbeAnswer:
    """The status and JSON body the inbox sends back to a probe."""

    status: int
    body: dict[str, Any]


def _refused(detail: str) -> ProbeAnswer:
    return ProbeAnswer(401, {"status": "doctor_probe_refused", "detail": detail})


def answer_probe(runtime: FunctionRuntime, request: InboxRequest) -> ProbeAnswer | None:
    """None for every ordinary delivery (no probe header); the probe's answer otherwise."""
    if PROBE_HEADER not in request.headers:
        return None
    # Imported here: the signature code is not needed to start (a delivery imports it too).
    from site_core.signatures import VerificationFailure, parse_signature
    from site_function.inbox_request import verify_received

    signature = parse_signature(request.method, request.path, request.query, request.headers)
    if isinstance(signature, VerificationFailure):
        return _refused(f"{signature.reason}: {signature.detail}")
    if signature.key_id != runtime.urls.key_id:
        return _refused("the probe must be signed with the site's own key")
    now = runtime.clock()
    public_key = runtime.settings.private_key.public_key()
    verified = verify_received(runtime.settings, request, signature, public_key, now)
    if isinstance(verified, VerificationFailure):
        return _refused(f"{verified.reason}: {verified.detail}")
    store = str(getattr(runtime.store, "dialect", type(runtime.store).__name__))
    return ProbeAnswer(202, probe_reply_body(now, __version__, store))
