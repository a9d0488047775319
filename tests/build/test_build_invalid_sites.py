"""Sites that must fail, each with a clear message naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from build_sites import copy_site

from site_core.errors import SiteGenError
from site_gen.build.pipeline import build_site, check_site
from site_gen.config import load_config

CASES = Path(__file__).resolve().parent / "invalid_sites"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_invalid_site_fails_clearly(case: str, tmp_path: Path) -> None:
    site = copy_site(CASES / case, tmp_path / case)
    (site / "expected.txt").unlink()
    expected = (CASES / case / "expected.txt").read_text(encoding="utf-8").strip()
    with pytest.raises(SiteGenError) as caught:
        check_site(load_config(site))
    assert expected in str(caught.value).replace(str(site) + "/", "")
    with pytest.raises(SiteGenError):
        build_site(load_config(site), offline=True)
    assert not (site / "public").exists()
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".public")]
    assert leftovers == []
