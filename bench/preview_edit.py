"""Benchmark the preview: from saving a post to its reloaded page being served.

usage: python bench/preview_edit.py [N] [--edits 5] [--keep DIR] [--function]

A synthetic corpus of N posts (default 10,000; bench/gen_corpus.py) is served by
`site-gen serve` as a real process on 127.0.0.1 (a port the system picks). Once the first
build is done, the bench edits one post's body at a time (a different post each time),
starting the clock just before the write, and polls that post's page over HTTP until the
new sentence appears. One warm-up edit is not counted. It prints each edit's time to the
served page, the build's own time from the serve log ("rebuilt in ... s"), and the CPU
time the serve process spent (from /proc, its workers included once reaped), then the
median of the counted edits (goal at 10,000 posts: under 0.3 s) and the load average
before and after, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from gen_corpus import write_corpus
from scratch import scratch_folder

REPO = Path(__file__).resolve().parents[1]
TEST_PUBLIC_KEY = REPO / "tests" / "build" / "keys" / "test-public-key.pem"
SITE_GEN = Path(sys.executable).with_name("site-gen")
_SITE_YAML = """\
base_url: https://bench.example
username: bench
display_name: Bench
posts_per_page: 10
"""
_SERVING = re.compile(r"Serving (http://127\.0\.0\.1:\d+)/")
_REBUILT = re.compile(r"rebuilt in ([0-9.]+) s")
_POLL_SECONDS = 0.005
_EDIT_TIMEOUT = 60.0
_START_TIMEOUT = 600.0
_WATCHER_SETTLES = 2.0


@dataclass(frozen=True)
class EditTiming:
    post: str
    served: float  # wall seconds from just before the write to the page showing the edit
    build: float | None  # the build's own time, from the serve log
    cpu: float  # CPU seconds of the serve process over the edit


class ServeProcess:
    """`site-gen serve` with its output read line by line in a thread."""

    def __init__(self, site: Path, function: bool, port: int) -> None:
        command = [str(SITE_GEN), "serve", "--site", str(site), "--port", str(port)]
        if not function:
            command.append("--no-function")
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: re.Pattern[str], seconds: float) -> re.Match[str]:
        """The first log line (from now on) matching `pattern`; each line is echoed."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                if self.process.poll() is not None:
                    raise RuntimeError("site-gen serve exited") from None
                continue
            print(f"    serve: {line}")
            if found := pattern.search(line):
                return found
        raise TimeoutError(f"no line matching {pattern.pattern!r} within {seconds} s")

    def cpu_seconds(self) -> float:
        """User and system time of the process and its reaped children (/proc/PID/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def make_site(n: int, folder: Path) -> None:
    write_corpus(n, folder / "posts")
    (folder / "site.yaml").write_text(_SITE_YAML, encoding="utf-8")
    shutil.copy(TEST_PUBLIC_KEY, folder / "public-key.pem")


def page_body(connection: http.client.HTTPConnection, path: str) -> bytes:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.read()


def edit_and_poll(serve: ServeProcess, base: str, site: Path, index: int, n: int) -> EditTiming:
    """Append a sentence to one post and poll its page until the sentence is served."""
    slug = f"post-{index % n}"
    source = site / "posts" / f"{slug}.md"
    marker = f"Edited for the preview bench, mark{time.time_ns()}."
    text = source.read_text(encoding="utf-8") + f"\n{marker}\n"
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    cpu_before = serve.cpu_seconds()
    started = time.perf_counter()
    source.write_text(text, encoding="utf-8")
    while marker.encode() not in page_body(connection, f"/posts/{slug}/"):
        if time.perf_counter() - started > _EDIT_TIMEOUT:
            while not serve.lines.empty():
                print(f"    serve: {serve.lines.get()}")
            raise TimeoutError(f"{slug}: the edit did not show within {_EDIT_TIMEOUT} s")
        time.sleep(_POLL_SECONDS)
    served = time.perf_counter() - started
    connection.close()
    build = float(serve.wait_for(_REBUILT, _EDIT_TIMEOUT).group(1))
    time.sleep(0.3)  # let the rebuild's bookkeeping finish before reading its CPU time
    return EditTiming(slug, served, build, serve.cpu_seconds() - cpu_before)


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(n: int, edits: int, folder: Path, function: bool, port: int) -> None:
    if not (folder / "site.yaml").exists():
        make_site(n, folder)
    print(f"{n} posts in {folder}; load average before: {load()}")
    started = time.perf_counter()
    serve = ServeProcess(folder, function, port)
    try:
        base = serve.wait_for(_SERVING, _START_TIMEOUT).group(1)
        print(f"first build and start: {time.perf_counter() - started:.1f} s, serving {base}")
        time.sleep(_WATCHER_SETTLES)  # "Serving" is printed before the watcher starts
        timings = []
        for number in range(edits + 1):
            timing = edit_and_poll(serve, base, folder, n // 7 + number * (n // (edits + 2)), n)
            label = "warm-up" if number == 0 else f"edit {number}"
            print(
                f"{label:<8} {timing.post:<12} served after {timing.served:6.3f} s; "
                f"build {timing.build:6.3f} s; CPU {timing.cpu:6.3f} s"
            )
            if number:
                timings.append(timing)
    finally:
        serve.stop()
    served = statistics.median(t.served for t in timings)
    build = statistics.median(t.build or 0.0 for t in timings)
    cpu = statistics.median(t.cpu for t in timings)
    print(
        f"median of {len(timings)} edits: served after {served:.3f} s (goal < 0.3 s), "
        f"build {build:.3f} s, CPU {cpu:.3f} s; load average after: {load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000, help="number of posts")
    parser.add_argument("--edits", type=int, default=5, help="counted edits (one more warms up)")
    parser.add_argument("--keep", type=Path, default=None, help="use and keep the site in DIR")
    parser.add_argument("--function", action="store_true", help="serve the function too")
    parser.add_argument(
        "--port", type=int, default=0, help="a fixed port keeps a kept site's build valid"
    )
    args = parser.parse_args()
    folder = args.keep or scratch_folder("site-gen-preview-bench-")
    try:
        run(args.n, args.edits, folder, args.function, args.port)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
