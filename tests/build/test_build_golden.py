"""The sample site (`content/`) builds to exactly the checked-in tree under `golden/`.

Regenerate after an intended change with `SITE_GEN_UPDATE_GOLDEN=1 pytest tests/build`,
then review the diff like any other change.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from build_sites import SAMPLE_SITE, copy_site

from site_gen.build.pipeline import build_site
from site_gen.config import load_config

GOLDEN = Path(__file__).resolve().parent / "golden"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_sample_site_matches_golden(tmp_path: Path) -> None:
    site = copy_site(SAMPLE_SITE, tmp_path / "site")
    report = build_site(load_config(site), jobs=1, offline=True)
    assert [w for w in report.warnings if "mention" in w] == []
    built = _tree(report.output)
    if os.environ.get("SITE_GEN_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(report.output, GOLDEN)
    expected = _tree(GOLDEN)
    assert sorted(built) == sorted(expected)
    different = [path for path in built if built[path] != expected[path]]
    assert different == [], f"differs from golden: {different}"


def test_golden_has_every_kind_of_page() -> None:
    files = set(_tree(GOLDEN))
    for path in (
        "index.html",
        "page/2/index.html",
        "archive/index.html",
        "profile/index.html",
        "privacy/index.html",
        "age-policy/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "ap/actor",
        "ap/outbox",
        "ap/outbox-pages/1",
        "ap/featured",
        ".well-known/webfinger",
        ".well-known/host-meta",
        ".well-known/nodeinfo",
        "nodeinfo/2.1",
        "posts/spring-garden/index.html",
        "ap/posts/spring-garden",
        "tags/gardens/index.html",
        "images/tulips.png",
        "theme/style.css",
    ):
        assert path in files, path
    # the draft is not built
    assert "posts/summer-plans/index.html" not in files
