"""What the entry-point tests share: a site configured by environment variables only.

Each test starts the function the way its host does (a uvicorn process, Lambda's handler,
Vercel's loader), configured by `SITE_GEN_*` variables alone: the built site's key file and
documents folder (`conftest.built_site`), and an SQLite database in a temp folder. The
follower is an account of the tests' own on a loopback server (`function_harness.FakeFediverse`,
host `127.0.0.1`), whose actor the function fetches over real HTTP, so private addresses are
allowed as for local development.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from function_harness import ADMIN_TOKEN, Received, RemoteActor

from site_core.keys import load_private_key, load_public_key, public_key_pem
from site_core.signatures import VerifiedSignature, verify_request

BASE_URL = "http://localhost:8000"
ACTOR = f"{BASE_URL}/ap/actor"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class BuiltSite:
    """A site made by `site-gen init` (base_url http://localhost:8000, user alice), built."""

    folder: Path

    @property
    def key_file(self) -> Path:
        return self.folder / ".site-gen" / "private-key.pem"

    @property
    def key(self) -> Any:
        return load_private_key(self.key_file.read_bytes())

    @property
    def public(self) -> Path:
        return self.folder / "public"


def site_environment(site: BuiltSite, state: Path, **extra: str) -> dict[str, str]:
    """The `SITE_GEN_*` variables of `site`, with its database in the folder `state`."""
    return {
        "SITE_GEN_BASE_URL": BASE_URL,
        "SITE_GEN_USERNAME": "alice",
        "SITE_GEN_PRIVATE_KEY_FILE": str(site.key_file),
        "SITE_GEN_DATABASE_URL": f"sqlite:///{state / 'state.sqlite3'}",
        "SITE_GEN_DOCUMENTS_DIR": str(site.public),
        "SITE_GEN_ADMIN_TOKEN": ADMIN_TOKEN,
        "SITE_GEN_ALLOW_PRIVATE_ADDRESSES": "true",
        **extra,
    }


def process_environment(site_env: dict[str, str]) -> dict[str, str]:
    """This process's environment without any `SITE_GEN_*`, the venv first on PATH, plus
    `site_env`: what a host gives the function's process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **site_env}


def signed_follow(follower: RemoteActor, inbox_url: str) -> tuple[dict[str, Any], bytes, dict]:
    """A Follow of our actor by `follower`, its body and headers signed for `inbox_url`."""
    follow = follower.activity("Follow", ACTOR)
    body = json.dumps(follow).encode()
    return follow, body, follower.sign(inbox_url, body)


def verified_accept(received: Received, our_key: Any) -> dict[str, Any]:
    """Check our signature on a delivery as a strict receiver would; the activity's JSON."""
    headers = {k.lower(): v for k, v in received.headers.items()}
    public = load_public_key(public_key_pem(our_key))
    result = verify_request(
        "POST", received.path, "", headers, received.body, public, datetime.now(UTC)
    )
    assert isinstance(result, VerifiedSignature), result
    assert result.key_id == f"{ACTOR}#main-key"
    return received.json


def assert_accepts(accept: dict[str, Any], follow: dict[str, Any]) -> None:
    """`accept` is our Accept of exactly this Follow."""
    assert accept["type"] == "Accept"
    assert accept["actor"] == ACTOR
    assert accept["object"]["id"] == follow["id"]
    assert accept["object"]["actor"] == follow["actor"]


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll `condition` until true or `seconds` have passed (bounded)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
