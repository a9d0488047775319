"""Lighthouse scores of the sample site's main pages, at the mobile and desktop presets.

usage: python bench/lighthouse.py [--page NAME ...] [--preset mobile|desktop ...] [--keep DIR]

Builds the sample site (`content/`), serves it on 127.0.0.1 and runs Lighthouse on the home
page, a post with a conversation, a tag page, the archive and the profile, printing a table
of the performance, accessibility, best-practices and SEO scores and, under it, every audit
that cost a point. Run by hand, not in CI.

Lighthouse comes from npm into bench/lighthouse/ (installed from its lock file on first use)
and drives the system's Chromium (/usr/bin/chromium, or $CHROME_PATH): no browser download.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sample_site import REPO, SAMPLE_PAGES, served_sample_site

TOOL = REPO / "bench" / "lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
PRESETS = ("mobile", "desktop")


def install() -> None:
    """`npm ci` from bench/lighthouse's lock file, once; no browser is downloaded."""
    if LIGHTHOUSE.exists():
        return
    print("installing Lighthouse into bench/lighthouse/ (npm ci)", file=sys.stderr)
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    npm = shutil.which("npm") or "npm"
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    subprocess.run(command, cwd=TOOL, env=env, check=True)


def run(url: str, preset: str, report: Path) -> dict[str, Any]:
    """One Lighthouse run; its JSON report (also kept at `report`)."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, env=env, check=True, timeout=300)
    result: dict[str, Any] = json.loads(report.read_text("utf-8"))
    return result


def scores(result: dict[str, Any]) -> dict[str, int]:
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def lost_points(result: dict[str, Any]) -> list[str]:
    """The scored audits of the four categories that did not pass, with their titles."""
    lost = []
    for name in CATEGORIES:
        for ref in result["categories"][name]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                value = audit.get("displayValue", "")
                lost.append(f"{name}: {ref['id']} ({audit['score']}) {audit['title']} {value}")
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [name for name, _ in SAMPLE_PAGES]
    parser.add_argument("--page", action="append", choices=names, help="only these pages")
    parser.add_argument("--preset", action="append", choices=PRESETS, help="only these presets")
    parser.add_argument("--keep", type=Path, help="write the JSON reports into DIR")
    args = parser.parse_args()
    install()
    pages = [(n, p) for n, p in SAMPLE_PAGES if not args.page or n in args.page]
    presets = args.preset or list(PRESETS)
    reports = args.keep or Path(tempfile.mkdtemp(prefix="site-gen-lighthouse-"))
    reports.mkdir(parents=True, exist_ok=True)
    print(f"{'page':<10} {'preset':<8} " + " ".join(f"{c:>14}" for c in CATEGORIES))
    problems: list[str] = []
    with served_sample_site() as origin:
        for name, path in pages:
            for preset in presets:
                result = run(origin + path, preset, reports / f"{name}-{preset}.json")
                row = scores(result)
                print(f"{name:<10} {preset:<8} " + " ".join(f"{row[c]:>14}" for c in CATEGORIES))
                problems += [f"{name} {preset}: {line}" for line in lost_points(result)]
    for line in problems:
        print(line)
    if args.keep is None:
        shutil.rmtree(reports, ignore_errors=True)


if __name__ == "__main__":
    main()
