"""Benchmark the build: a synthetic corpus of N posts, a cold full build, a one-post rebuild.

usage: python bench/build.py N [--jobs 2] [--keep DIR]
       python bench/build.py [N] --conversations [--replies R] [--rounds 3] [--jobs 2]

The corpus comes from bench/gen_corpus.py (fixed seed; about 600 words, front matter with 3 of
50 tags, a heading, a list, a fenced Python block and two links per post: the shape other
generators are usually measured on). Each phase runs in a fresh process, as the command line
would, and reports wall time, posts/s and peak RSS (self and the largest worker, from
resource.getrusage).

`--conversations` compares the same N posts (default 1,000) built without and with
conversations (bench/gen_conversations.py: R approved replies, default 5 per post, plus likes
and boosts), cold builds alternating in one run, and prints the median wall time and peak
RSS of each and their ratio beside the goals (at most 1.3 times the time, peak under
300 MiB). Then it flips one reply's `status:` to rejected and rebuilds, printing the time and
every file written (goal: that post's page, object and collections, and the listings that
show its reply count). The issue's figure: `python bench/build.py 10000 --conversations
--replies 50000`.

`--hugo` builds the same N posts with `site-gen build` and with Hugo (bench/hugo_compare.py),
cold builds alternating in one run, and prints the median wall and CPU time of each, their
ratio and the peak RSS beside the goals (ratio at most 1.0, peak under 300 MiB).

`--proofs` compares the same N posts (default 10,000) built without and with integrity proofs
(bench/proof_build.py; goal: at most 1.15 times) and profiles JCS canonicalization.

Before measuring, every mode compiles the project's modules once (`python -m compileall`):
an installed package has its `.pyc` files, and with PYTHONDONTWRITEBYTECODE set every run
would otherwise compile about a hundred modules from source. The phases print whether the
user's cache of compiled templates (`$XDG_CACHE_HOME/site-gen/templates`) was warm or cold.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from gen_conversations import write_conversations
from gen_corpus import write_corpus
from scratch import empty_set_aside, new_file_cost, scratch_folder, set_aside

REPO = Path(__file__).resolve().parents[1]
TEST_PUBLIC_KEY = REPO / "tests" / "build" / "keys" / "test-public-key.pem"

_PHASE = r"""
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from site_gen.build.pipeline import build_site
from site_gen.config import load_config
report = build_site(load_config(sys.argv[1]), jobs=int(sys.argv[2]), offline=True)
wall = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF,
          resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
print(json.dumps({"wall": wall, "cpu": cpu, "rss_self": me, "rss_children": kids,
                  "rendered": report.rendered, "written": report.written, "files": report.files,
                  "posts": report.posts}))
"""

_SITE_YAML = """\
base_url: https://bench.example
username: bench
display_name: Bench
posts_per_page: 10
conversation:
  show_faces: true
"""


def compile_modules() -> None:
    """The `.pyc` files an installed package has, so no run compiles our modules from source."""
    packages = [str(REPO / name) for name in ("site_core", "site_remote", "site_gen")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)


def template_cache_state(environ: Mapping[str, str] = os.environ) -> str:
    """'warm' when the user's cache of compiled templates holds files, else 'cold'."""
    from site_gen.build.theme import template_cache_folder

    folder = template_cache_folder(environ)
    warm = folder is not None and folder.is_dir() and any(folder.glob("*.jinja"))
    return "warm" if warm else "cold"


def make_site(n: int, folder: Path, replies: int = 0) -> None:
    posts = folder / "posts"
    write_corpus(n, posts)
    if replies:
        write_conversations(n, folder, replies)
    (folder / "site.yaml").write_text(_SITE_YAML, encoding="utf-8")
    shutil.copy(TEST_PUBLIC_KEY, folder / "public-key.pem")


def run_phase(site: Path, jobs: int) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _PHASE, str(site), str(jobs)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall"] = time.perf_counter() - started
    return result


def edit_one_post(site: Path) -> None:
    post = sorted((site / "posts").glob("*.md"))[len(list((site / "posts").glob("*.md"))) // 2]
    text = post.read_text(encoding="utf-8")
    post.write_text(text + "\nOne more sentence, edited for the rebuild.\n", encoding="utf-8")


def show(label: str, n: int, result: dict[str, float]) -> None:
    wall = result["process_wall"]
    print(
        f"{label:<20} {wall:7.2f} s wall {result['cpu']:7.2f} s CPU {n / wall:6.0f} posts/s  "
        f"rendered {int(result['rendered']):>5} written {int(result['written']):>5}  "
        f"peak RSS self {result['rss_self']:6.0f} MiB, largest worker "
        f"{result['rss_children']:6.0f} MiB, sum {result['rss_self'] + result['rss_children']:6.0f}"
        " MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=None, help="number of posts")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--keep", type=Path, default=None, help="build in DIR and keep it")
    parser.add_argument(
        "--conversations", action="store_true", help="compare builds without and with replies"
    )
    parser.add_argument("--replies", type=int, default=None, help="approved replies (5 per post)")
    parser.add_argument("--rounds", type=int, default=3, help="cold builds of each site")
    parser.add_argument(
        "--proofs", action="store_true", help="compare builds without and with integrity proofs"
    )
    parser.add_argument(
        "--hugo", action="store_true", help="compare full builds with Hugo's on the same posts"
    )
    args = parser.parse_args()
    compile_modules()
    if args.hugo:
        from hugo_compare import compare as compare_hugo

        if args.n is None:
            parser.error("the number of posts is required with --hugo")
        compare_hugo(args.n, args.rounds, args.jobs, args.keep)
        return
    if args.proofs:
        from proof_build import compare as compare_proofs

        compare_proofs(args.n or 10_000, args.rounds, args.jobs, args.keep)
        return
    if args.conversations:
        from conversation_build import compare

        n = args.n or 1_000
        compare(n, args.replies or 5 * n, args.rounds, args.jobs, args.keep)
        return
    if args.n is None:
        parser.error("the number of posts is required (or --conversations)")
    folder = args.keep or scratch_folder("site-gen-bench-")
    try:
        if not (folder / "site.yaml").exists():
            make_site(args.n, folder)
        set_aside(folder / ".site-gen")
        set_aside(folder / "public")
        print(f"{args.n} posts, jobs={args.jobs}, site in {folder}")
        print(new_file_cost(folder))
        print(f"template cache: {template_cache_state()} before the first build")
        show("full build (cold)", args.n, run_phase(folder, args.jobs))
        show("no-change rebuild", args.n, run_phase(folder, args.jobs))
        edit_one_post(folder)
        show("one-post rebuild", args.n, run_phase(folder, args.jobs))
    finally:
        empty_set_aside()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
