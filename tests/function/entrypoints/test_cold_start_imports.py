"""A cold start imports what an inbox delivery needs, and the rest on the first request for it.

A new interpreter imports the ASGI entry point configured by variables alone, as a host
starts it; none of the modules below may be imported by then: the admin page (Jinja2, its
templates, the owner's services), the state archive, publishing, the notification sender
(no receiver configured here), the HTTP clients, the other database driver, the signature
code (the first delivery imports it) and cryptography's public modules (the key is loaded with
its compiled bindings alone: `site_core.keys`). The same
process then asks for the admin page, which must import Jinja2 then: the list names modules
the function does use. A behaviour, not a timing: the figures come from bench/inbox.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.bindings._rust import openssl
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from entrypoint_harness import BuiltSite, process_environment, site_environment

# Packages and modules a cold start must not import (a prefix covers its submodules).
NOT_AT_START = (
    "jinja2",
    "markupsafe",
    "nh3",
    "site_function.admin_page",
    "site_function.owner.state_archive",
    "site_function.owner.blocks",
    "site_function.owner.draining",
    "site_function.delivery",
    "site_function.notifications.notifier",
    "site_core.publish.plan",
    "site_core.remote_interaction",
    "site_function.routes.admin",
    "site_function.routes.publishing",
    "site_function.routes.interact",
    "psycopg",
    "aiohttp",
    "httpx",
    "mangum",
    "site_gen",
    # Imported by the first request that needs them: the signature code (a delivery's check,
    # the doctor's probe), the follower-sync check (a delivery with its header), the
    # notification settings (none configured here) and the passphrase check (none set).
    "site_core.signatures",
    "site_function.follower_sync_inbound",
    "site_function.signed_requests",
    "site_function.notifications",
    "site_core.passphrase",
    # The private key is parsed by cryptography's compiled bindings (`site_core.keys`): its
    # public modules (the SSH formats and every cipher among them) wait for the first
    # signature, and the store's thread pool for the first store call.
    "cryptography.hazmat.primitives",
    "concurrent.futures.thread",
)

_CHILD = """
import asyncio, json, sys
import site_function.entrypoints.asgi as entry
at_start = sorted(sys.modules)
import httpx

async def admin_page():
    transport = httpx.ASGITransport(app=entry.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        return (await http.get("/admin/")).status_code

status = asyncio.run(admin_page())
print(json.dumps({"at_start": at_start, "status": status, "after": sorted(sys.modules)}))
"""


def _imported(names: list[str], wanted: str) -> list[str]:
    return [name for name in names if name == wanted or name.startswith(wanted + ".")]


def test_the_entry_point_imports_no_admin_page_archive_or_client(
    tmp_path: Path, built_site: BuiltSite
) -> None:
    env = process_environment(site_environment(built_site, tmp_path))
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    found = json.loads(child.stdout)
    at_start = found["at_start"]
    assert "site_function.routes.inbox" in at_start  # the app was built
    early = {wanted: _imported(at_start, wanted) for wanted in NOT_AT_START}
    assert not {wanted: names for wanted, names in early.items() if names}
    assert found["status"] == 200
    assert _imported(found["after"], "jinja2")
    assert _imported(found["after"], "site_function.admin_page.pages")


def test_the_key_loader_at_start_is_cryptography_s_public_one() -> None:
    """`site_core.keys` loads keys through the bindings that the public names stand for; a
    cryptography release that changes that must fail here, not at a deployed cold start."""
    assert openssl.keys.load_pem_private_key is serialization.load_pem_private_key
    assert issubclass(openssl.rsa.RSAPrivateKey, rsa.RSAPrivateKey)
    assert issubclass(openssl.ed25519.Ed25519PrivateKey, ed25519.Ed25519PrivateKey)
