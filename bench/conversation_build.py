"""The cost of conversations on a build: the same posts without and with them, one run.

Called by `bench/build.py --conversations`. Two sites share the same posts (the corpus is
the same bytes for the same N); one also has conversation files. Cold builds (no cache, no
output) alternate between them, `rounds` of each, each in a fresh process; the medians are
compared with the goals of the issue. Then one reply of one post is rejected by editing its
`status:` line, and the rebuild's time and written files are printed.
"""

from __future__ import annotations

import shutil
import statistics
from collections import Counter
from pathlib import Path

from build import make_site, run_phase
from scratch import empty_set_aside, scratch_folder, set_aside

TIME_GOAL, MEMORY_GOAL_MIB = 1.3, 300


def _cold(site: Path, jobs: int) -> dict[str, float]:
    set_aside(site / ".site-gen")
    set_aside(site / "public")
    return run_phase(site, jobs)


def _peak(result: dict[str, float]) -> float:
    """The largest single process: the main one or a worker (forked, sharing pages)."""
    return max(result["rss_self"], result["rss_children"])


def _row(label: str, runs: list[dict[str, float]]) -> dict[str, float]:
    wall = statistics.median(r["process_wall"] for r in runs)
    peak = statistics.median(_peak(r) for r in runs)
    total = statistics.median(r["rss_self"] + r["rss_children"] for r in runs)
    walls = " ".join(f"{r['process_wall']:.2f}" for r in runs)
    print(
        f"{label:<22} {wall:7.2f} s  (runs {walls})  peak RSS {peak:5.0f} MiB "
        f"(main + largest worker {total:5.0f} MiB)  files {int(runs[0]['files'])}"
    )
    return {"wall": wall, "peak": peak}


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _snapshot(output: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every output file: a written file changes one of them."""
    found = {}
    for path in output.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[str(path.relative_to(output))] = (stat.st_ino, stat.st_mtime_ns)
    return found


def flip_one_reply(site: Path, n: int) -> str:
    """Reject the first approved reply of the middle post that has a conversation."""
    folder = site / "conversations"
    for index in range(n // 2, n):
        path = folder / f"post-{index}.yaml"
        text = path.read_text("utf-8") if path.exists() else ""
        marker = "  kind: reply\n  status: approved\n"
        if marker in text:
            edited = text.replace(marker, "  kind: reply\n  status: rejected\n", 1)
            path.write_text(edited, "utf-8")
            return f"post-{index}"
    raise SystemExit("no approved reply to flip")


def _incremental(site: Path, n: int, jobs: int) -> None:
    run_phase(site, jobs)  # the cache and output of this very site, up to date
    before = _snapshot(site / "public")
    slug = flip_one_reply(site, n)
    result = run_phase(site, jobs)
    after = _snapshot(site / "public")
    changed = sorted(path for path, stamp in after.items() if before.get(path) != stamp)
    print(
        f"one status flipped ({slug}): {result['process_wall']:.2f} s, written "
        f"{int(result['written'])} files, rendered {int(result['rendered'])} posts, "
        f"peak RSS {_peak(result):.0f} MiB"
    )
    kinds = Counter(path.split("/", 1)[0] if "/" in path else path for path in changed)
    print("  written by folder: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for path in changed[:20]:
        print(f"    {path}")
    if len(changed) > 20:
        print(f"    ... and {len(changed) - 20} more")


def compare(n: int, replies: int, rounds: int, jobs: int, keep: Path | None) -> None:
    """Build both sites `rounds` times each, alternating; print medians, ratio and goals."""
    folder = keep or scratch_folder("site-gen-bench-conv-")
    plain, talking = folder / "plain", folder / "conversations"
    try:
        for site, count in ((plain, 0), (talking, replies)):
            if not (site / "site.yaml").exists():
                make_site(n, site, count)
        print(f"{n} posts, {replies} approved replies, jobs={jobs}, {rounds} rounds, in {folder}")
        runs: dict[Path, list[dict[str, float]]] = {plain: [], talking: []}
        for number in range(rounds):
            # The order flips each round: the second build of a round pays for the first one's
            # files still being written back to disk.
            order = (plain, talking) if number % 2 == 0 else (talking, plain)
            for site in order:
                runs[site].append(_cold(site, jobs))
        without = _row("without conversations", runs[plain])
        with_ = _row("with conversations", runs[talking])
        ratio = with_["wall"] / without["wall"]
        print(
            f"ratio {ratio:.2f} (goal <= {TIME_GOAL}: {_verdict(ratio <= TIME_GOAL)}); peak "
            f"{with_['peak']:.0f} MiB (goal < {MEMORY_GOAL_MIB}: "
            f"{_verdict(with_['peak'] < MEMORY_GOAL_MIB)})"
        )
        _incremental(talking, n, jobs)
    finally:
        empty_set_aside()
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
