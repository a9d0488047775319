"""The function as the inbox benchmark runs it: its environment, its cold start, a profiler.

Kept apart from bench/inbox.py (the scenario) and bench/inbox_load.py (the load generator,
the CPU accounting and the report) so each stays short.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
OUR_BASE = "https://alice.example"

# The function as `site_function.entrypoints.asgi` builds it, but with the inbox's rate limits
# out of reach: 64 senders on one host send far more than the 3,000 per domain every five
# minutes a real server may, and 429s would measure the refusal instead of the inbox. The
# buckets stay on: their cost is part of every request.
BENCH_APP = """
import dataclasses, os
from site_function.app import create_app
from site_function.settings import Settings

settings = Settings.from_env(os.environ)
app = create_app(dataclasses.replace(
    settings, actor_rate_limit=10**9, domain_rate_limit=10**9))
"""


def function_env(tmp: Path, database_url: str, key_file: Path) -> dict[str, str]:
    # The owner's settings come from the build: a minimal built actor that accepts follows,
    # so each Follow queues its Accept as on a published site (else Follows wait, pending).
    documents = tmp / "documents"
    actor = documents / "ap" / "actor"
    actor.parent.mkdir(parents=True, exist_ok=True)
    actor.write_text(
        json.dumps(
            {"id": f"{OUR_BASE}/ap/actor", "type": "Person", "manuallyApprovesFollowers": False}
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITE_GEN_")}
    env["SITE_GEN_DOCUMENTS_DIR"] = str(documents)
    env.update(
        SITE_GEN_BASE_URL=OUR_BASE,
        SITE_GEN_USERNAME="alice",
        SITE_GEN_PRIVATE_KEY_FILE=str(key_file),
        SITE_GEN_DATABASE_URL=database_url,
        SITE_GEN_ALLOW_PRIVATE_ADDRESSES="true",
        SITE_GEN_DRAIN_AFTER_INBOX="false",
        SITE_GEN_ADMIN_TOKEN="bench",
    )
    return env


def publish_post(database_url: str, object_id: str) -> None:
    """The post the Likes name, live in the ledger as a publish leaves it: a Like of anything
    else is ignored after one lookup, and would measure that instead of storing a Like."""
    from datetime import UTC, datetime

    from site_function.store.base import PublishedObject
    from site_function.store.factory import open_store

    store = open_store(database_url)
    try:
        now = datetime.now(UTC)
        store.save_published([PublishedObject(object_id, "hello", "h", None, "live", now, now)],
                             [], now)  # fmt: skip
    finally:
        store.close()


def cold_start(
    env: dict[str, str], runs: int = 10, module: str = "site_function.entrypoints.asgi"
) -> dict[str, float]:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    inner, wall = [], []
    # Compiled once by the first run (not counted), as a deployed function and the floor's
    # site-packages are: PYTHONDONTWRITEBYTECODE would compile the project at every run.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as pycache:
        env["PYTHONPYCACHEPREFIX"] = pycache
        for _ in range(runs + 1):
            started = time.perf_counter()
            out = subprocess.run(
                [PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            wall.append(time.perf_counter() - started)
            inner.append(float(out.stdout.strip()))
    return {
        "import_and_create_ms": 1000 * statistics.median(inner[1:]),
        "process_wall_ms": 1000 * statistics.median(wall[1:]),
    }


def profiler(
    prefix: str | None, database: str, kind: str, pid: int, seconds: float
) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server for most of one run (collapsed stacks, for flame graphs)."""
    if not prefix:
        return None
    spy = os.environ.get("PY_SPY", "py-spy")
    output = f"{prefix}-{database}-{kind}.txt"
    duration = str(max(1, int(seconds) - 2))
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", duration, "--rate", "200",
         "--format", "raw", "--nonblocking", "-o", output],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
