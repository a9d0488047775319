"""The load side of the inbox benches: a server in a subprocess, the load generator, and
the CPU each side spends per request.

`bench/inbox.py` drives the function and a bare app with it; `bench/conversations.py` starts
its servers with `UvicornProcess`. Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- servers -------------------------------------------------------------------------------


class UvicornProcess:
    """`uvicorn APP --loop uvloop --http httptools` on 127.0.0.1:port in a subprocess.

    The port is chosen beforehand because the pre-signed requests name it (Host header).
    """

    def __init__(self, target: str, env: dict[str, str], cwd: Path, port: int) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
             "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
             "--no-access-log"],
            env=env, cwd=cwd,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{target} exited with {self.process.returncode}") from None
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{target} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


# --- load ----------------------------------------------------------------------------------


async def drive(
    url: str,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    seconds: float,
) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    position = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal position
            while position < len(requests) and time.monotonic() < deadline:
                body, headers = requests[position]
                position += 1
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "statuses": statuses,
    }


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of one process, or of every PostgreSQL server process when
    pid is None, from /proc (0.0 where there is no /proc: the column then reads 0)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    paths = [Path(f"/proc/{pid}/stat")] if pid else list(Path("/proc").glob("[0-9]*/stat"))
    total = 0
    for path in paths:
        try:
            fields = path.read_text().rsplit(")", 1)
        except OSError:
            continue
        if pid is None and "(postgres" not in fields[0]:
            continue
        rest = fields[1].split()
        total += int(rest[11]) + int(rest[12])  # utime, stime
    return total / ticks


def measured(
    pid: int,
    url: str,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    seconds: float,
) -> dict[str, Any]:
    """`drive`'s result with the CPU each side spent per answered request: the server
    process, PostgreSQL's processes (all of them: the bench is alone on the machine) and
    this load generator."""
    before = cpu_seconds(pid), cpu_seconds(None), time.process_time()
    result = asyncio.run(drive(url, requests, concurrency, seconds))
    after = cpu_seconds(pid), cpu_seconds(None), time.process_time()
    count = max(1, result["requests"])
    result["cpu_us"] = [1e6 * (b - a) / count for a, b in zip(before, after, strict=True)]
    return result


def report(
    name: str,
    result: dict[str, Any],
    bare: dict[str, Any] | None,
    floor: dict[str, Any] | None = None,
) -> None:
    ratio = f"  {result['rate'] / bare['rate']:.0%} of bare" if bare else ""
    if floor:
        ratio += f", {result['rate'] / floor['rate']:.0%} of the floor"
    server, postgres, load = result["cpu_us"]
    print(
        f"{name:28} {result['rate']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  n={result['requests']:6}  {result['statuses']}{ratio}"
        f"\n{'':28} CPU per request: server {server:4.0f} us, PostgreSQL {postgres:4.0f} us,"
        f" load generator {load:4.0f} us",
        flush=True,
    )
