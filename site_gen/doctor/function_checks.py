"""The function itself: health, version against this CLI's, its store, the admin token.

`/healthz` says whether the store takes writes; the version and the store's kind come from
the signed probe's answer (only the key's holder learns them); the admin token, when the
doctor has one, is tried on a read-only admin endpoint.
"""

from __future__ import annotations

from site_core import __version__
from site_core.doctor_probe import parse_probe_reply
from site_gen.doctor.inbox_checks import inboxes, send_probe
from site_gen.doctor.observer import Observer
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["check_function"]


async def check_function(target: DoctorTarget, web: Observer) -> list[Finding]:
    findings = [await _health(target, web)]
    seen = await send_probe(target, web, (await inboxes(target, web))["inbox"])
    reply = parse_probe_reply(seen.body) if seen is not None and seen.status == 202 else None
    if reply is not None:
        findings.append(_version(reply.version))
        findings.append(Finding.ok("function store", f"{reply.store}, takes writes"))
    findings.append(await _admin(target, web))
    return findings


async def _health(target: DoctorTarget, web: Observer) -> Finding:
    seen = await web.send("GET", f"{target.function_base}/healthz", {"Accept": "application/json"})
    document = seen.json()
    if seen.status == 200 and isinstance(document, dict) and document.get("status") == "ok":
        return Finding.ok("function health", "/healthz: ok")
    if seen.status == 503:
        store = document.get("store") if isinstance(document, dict) else None
        fix = (
            "The function's store refuses writes: check SITE_GEN_DATABASE_URL and the database "
            "server"
        )
        return Finding.problem("function health", f"503, store {store!r} unavailable", fix, "env")
    fix = "Deploy the function and proxy /healthz to it with the host config the build wrote"
    return Finding.problem(
        "function health", f"/healthz: {seen.describe()}", fix, "deploy_function"
    )


def _version(version: str) -> Finding:
    if version == __version__:
        return Finding.ok("function version", f"{version}, the same as this site-gen")
    fix = "Deploy the function from the same site-gen version as the CLI"
    seen = f"the function runs {version or 'an unknown version'}, this site-gen is {__version__}"
    return Finding.problem("function version", seen, fix, "deploy_function", "warn")


async def _admin(target: DoctorTarget, web: Observer) -> Finding:
    if target.admin_token is None:
        fix = "Set SITE_GEN_ADMIN_TOKEN to let the doctor try the admin API"
        return Finding.problem("admin token", "no admin token here, not tried", fix, "keys", "info")
    headers = {"Authorization": f"Bearer {target.admin_token}", "Accept": "application/json"}
    seen = await web.send("GET", f"{target.function_base}/admin/api/blocks", headers)
    if seen.status == 200:
        return Finding.ok("admin token", "the admin API accepts it")
    if seen.status == 401:
        fix = "The token must equal the function's SITE_GEN_ADMIN_TOKEN"
        return Finding.problem("admin token", "the function refused the token (401)", fix, "env")
    fix = "Proxy /admin/api/ to the function with the host config the build wrote"
    return Finding.problem("admin token", f"/admin/api/blocks: {seen.describe()}", fix, "hosts")
