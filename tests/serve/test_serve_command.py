"""`site-gen serve --port 0` as a user runs it: prints its URL, serves, stops on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_serve_command_prints_its_url_and_serves(site: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "from site_gen.cli import main; main()",
        "serve",
        "--site",
        str(site),
        "--port",
        "0",
        "--no-watch",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        _check_and_stop(process)
    assert process.returncode == 0


def _check_and_stop(process: subprocess.Popen[str]) -> None:
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and not line.startswith("Serving "):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
        # init writes base_url http://localhost:8000: the preview answers as localhost.
        assert line.startswith("Serving http://localhost:"), line
        url = line.split()[1].rstrip("/")
        for _ in range(100):  # bounded: the socket is bound before the message
            try:
                response = httpx.get(f"{url}/", timeout=2)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
