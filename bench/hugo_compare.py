"""Full builds of the same posts by `site-gen build` and by Hugo, alternating, in one run.

Called by `bench/build.py N --hugo`. Both tools build the synthetic corpus (bench/gen_corpus.py)
cold (no cache, no output folder) as the command line would, each run a fresh process, and
alternate so that the load of the machine falls on both alike. Each run reports wall time, CPU
time (user + sys of the whole process tree, from wait4) and the peak RSS of the largest single
process; the medians and their ratio (site-gen / Hugo) are printed beside the goals (ratio at
most 1.0, peak under 300 MiB at 10,000 posts).

site-gen runs twice a round, with the user's cache of compiled templates
(`$XDG_CACHE_HOME/site-gen/templates`, pointed into the bench folder) emptied first
("templates cold": a machine's first build) and kept ("templates warm": every later build,
as `.pyc` files are after an install); both rows are printed, with their ratios. Our modules
are compiled once before measuring (`python -m compileall`, by bench/build.py), as an
installed package's are.

A third tool runs in the same rounds: the floor (bench/markdown_floor.py), site-gen's own
front matter and Markdown steps alone over the same posts, one HTML file each, forked into
the same workers. A build must keep its output byte-identical, and so its Markdown library:
nothing it does can be cheaper than that, and the floor's ratio to Hugo is the best ratio any
such build could print.

Hugo is Debian's package (`apt-get install hugo`); it has no default theme, so it gets
minimal layouts: a base, a post page (title, date, tag links, content), and list pages of 10
posts each with their summary and a pager, plus its built-in RSS feeds, tag pages and
sitemap; fenced code is highlighted by Chroma (its default). site-gen writes more (ActivityPub
objects, outbox pages, archive and tag pages): the comparison does not flatter it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build import make_site, template_cache_state
from scratch import empty_set_aside, new_file_cost, scratch_folder, set_aside

TIME_GOAL, MEMORY_GOAL_MIB = 1.0, 300

_HUGO_CONFIG = """\
baseURL = "https://bench.example/"
title = "Bench"
paginate = 10
"""

_LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<title>{{ .Title }}</title></head><body>{{ block "main" . }}{{ end }}</body></html>\n'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
        '<time>{{ .Date.Format "2006-01-02" }}</time>'
        '<ul>{{ range .Params.tags }}<li><a href="{{ "tags/" | relURL }}{{ . | urlize }}/">'
        "{{ . }}</a></li>{{ end }}</ul>{{ .Content }}</article>{{ end }}\n"
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}'
        '<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}'
        "</article>{{ end }}{{ with .Paginator }}{{ if .HasPrev }}"
        '<a href="{{ .Prev.URL }}">newer</a>{{ end }}{{ if .HasNext }}'
        '<a href="{{ .Next.URL }}">older</a>{{ end }}{{ end }}{{ end }}\n'
    ),
    "index.html": (
        '{{ define "main" }}{{ $p := .Paginate (where .Site.RegularPages "Section" "posts") }}'
        '{{ range $p.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
        "{{ .Summary }}</article>{{ end }}{{ if $p.HasPrev }}"
        '<a href="{{ $p.Prev.URL }}">newer</a>{{ end }}{{ if $p.HasNext }}'
        '<a href="{{ $p.Next.URL }}">older</a>{{ end }}{{ end }}\n'
    ),
}


def make_hugo_site(posts: Path, folder: Path) -> None:
    """A Hugo site over a copy of the same post files (front matter and bodies unchanged)."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    shutil.copytree(posts, folder / "content" / "posts", dirs_exist_ok=True)
    (folder / "config.toml").write_text(_HUGO_CONFIG, encoding="utf-8")
    for name, text in _LAYOUTS.items():
        path = folder / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall, CPU (the process and every descendant it waited for) and the largest RSS."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{command[0]} failed ({process.returncode}): {message}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss / 1024}


def _cold_site_gen(site: Path, jobs: int, user_cache: Path, templates: str) -> dict[str, float]:
    """A cold build (no `.site-gen/`, no output); `templates` "cold" empties the user's
    cache of compiled templates first, "warm" keeps what the last build left there."""
    set_aside(site / ".site-gen")
    set_aside(site / "public")
    if templates == "cold":
        set_aside(user_cache)
    env = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}
    if template_cache_state(env) != templates:
        raise SystemExit(f"the template cache in {user_cache} is not {templates}")
    site_gen = Path(sys.executable).parent / "site-gen"
    return measure([str(site_gen), "build", "--offline", "--jobs", str(jobs)], site, env)


def _markdown_floor(site: Path, jobs: int) -> dict[str, float]:
    """site-gen's front matter and Markdown steps alone over the same posts (the floor under
    any build of them that keeps its output: bench/markdown_floor.py)."""
    from site_gen.build.post_rendering import POOL_THRESHOLD

    out = site.parent / "floor-out"
    set_aside(out)
    floor = str(Path(__file__).with_name("markdown_floor.py"))
    command = [sys.executable, floor, str(site / "posts"), str(out), "--jobs", str(jobs),
               "--pool-from", str(POOL_THRESHOLD)]  # fmt: skip
    return measure(command, site)


def _cold_hugo(hugo: str, site: Path) -> dict[str, float]:
    for folder in ("public", "resources"):
        set_aside(site / folder)
    return measure([hugo, "--quiet"], site)


def _files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _row(label: str, runs: list[dict[str, float]], files: int) -> None:
    walls = " ".join(f"{run['wall']:.2f}" for run in runs)
    print(
        f"{label:<24} {_median(runs, 'wall'):7.2f} s wall  {_median(runs, 'cpu'):7.2f} s CPU  "
        f"peak {_median(runs, 'peak'):6.0f} MiB  files {files:>6}  (wall per run: {walls})"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def compare(n: int, rounds: int, jobs: int, keep: Path | None) -> None:
    """Build N posts with both tools, alternating, `rounds` cold builds each; print medians."""
    hugo = shutil.which("hugo")
    if hugo is None:
        print("hugo is not installed (Debian: apt-get install hugo): no comparison to make")
        return
    folder = keep or scratch_folder("site-gen-hugo-")
    try:
        ours, theirs = folder / "site-gen", folder / "hugo"
        if not (ours / "site.yaml").exists():
            make_site(n, ours)
            make_hugo_site(ours / "posts", theirs)
        version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True)
        print(f"{n} posts, jobs={jobs}, {rounds} cold builds each, alternating, in {folder}")
        print(f"reference: {version.stdout.strip()}")
        print(new_file_cost(folder))
        user_cache = folder / "user-cache"  # $XDG_CACHE_HOME of the site-gen runs
        runs: dict[str, list[dict[str, float]]] = {"cold": [], "hugo": [], "warm": [], "floor": []}
        for number in range(rounds):
            # The order turns each round: a build pays for the files of the one before it
            # still being written back. The first run of all empties the template cache.
            order = list(runs)[number % 4 :] + list(runs)[: number % 4]
            for kind in order:
                if kind == "hugo":
                    runs[kind].append(_cold_hugo(hugo, theirs))
                elif kind == "floor":
                    runs[kind].append(_markdown_floor(ours, jobs))
                else:
                    runs[kind].append(_cold_site_gen(ours, jobs, user_cache, kind))
        files = _files(ours / "public")
        _row("site-gen, templates cold", runs["cold"], files)
        _row("site-gen, templates warm", runs["warm"], files)
        _row("Hugo", runs["hugo"], _files(theirs / "public"))
        _row("floor: Markdown alone", runs["floor"], _files(folder / "floor-out"))
        for templates in ("cold", "warm"):
            wall = _median(runs[templates], "wall") / _median(runs["hugo"], "wall")
            cpu = _median(runs[templates], "cpu") / _median(runs["hugo"], "cpu")
            peak = _median(runs[templates], "peak")
            print(
                f"ratio site-gen (templates {templates}) / Hugo: wall {wall:.2f}, CPU {cpu:.2f} "
                f"(goal <= {TIME_GOAL}: {_verdict(wall <= TIME_GOAL)}); peak {peak:.0f} MiB "
                f"(goal < {MEMORY_GOAL_MIB} MiB: {_verdict(peak < MEMORY_GOAL_MIB)})"
            )
        floor = _median(runs["floor"], "wall")
        print(
            f"ratio floor (site-gen's front matter + Markdown alone, one file per post) / Hugo: "
            f"wall {floor / _median(runs['hugo'], 'wall'):.2f}, CPU "
            f"{_median(runs['floor'], 'cpu') / _median(runs['hugo'], 'cpu'):.2f}: no build of "
            f"these posts that keeps its output can do better; site-gen (templates warm) takes "
            f"{_median(runs['warm'], 'wall') / floor:.2f} times the floor"
        )
    finally:
        empty_set_aside()
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
