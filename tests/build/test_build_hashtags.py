"""Tag pages group the spellings Mastodon treats as one hashtag (FEDERATION.md#hashtags)."""

from __future__ import annotations

import json
from pathlib import Path

from site_gen.build.pipeline import build_site
from site_gen.config import load_config


def _post(site: Path, slug: str, day: int, tags: str, body: str) -> None:
    (site / "posts" / f"2024-06-{day:02d}-{slug}.md").write_text(
        f"---\ntitle: {slug}\ndate: 2024-06-{day:02d}\ntags: [{tags}]\n---\n{body}\n",
        encoding="utf-8",
    )


def test_cafe_spellings_share_one_page_and_other_scripts_keep_theirs(
    sample_site: Path, tmp_path: Path
) -> None:
    _post(sample_site, "accented", 1, "Café", "Espresso.")
    _post(sample_site, "plain", 2, "cafe, Ёлка", "Latte under the #ёлка.")
    _post(sample_site, "shouted", 3, "CAFE", "Filter, and #日本語 notes.")
    config = load_config(sample_site)
    out = build_site(config, output=tmp_path / "public", jobs=1, offline=True, clean=True).output

    tag_dirs = sorted(p.name for p in (out / "tags").iterdir())
    assert [name for name in tag_dirs if name.startswith(("caf", "CAF", "Caf"))] == ["cafe"]
    cafe = (out / "tags" / "cafe" / "index.html").read_text("utf-8")
    assert all(f"/posts/{slug}/" in cafe for slug in ("accented", "plain", "shouted"))
    # Folding is for Latin letters only: the Cyrillic and Japanese tags keep their own pages.
    assert (out / "tags" / "ёлка" / "index.html").is_file()
    assert (out / "tags" / "日本語" / "index.html").is_file()
    assert "/posts/plain/" in (out / "tags" / "ёлка" / "index.html").read_text("utf-8")

    note = json.loads((out / "ap" / "posts" / "accented").read_text("utf-8"))
    hashtags = [tag for tag in note["tag"] if tag["type"] == "Hashtag"]
    assert hashtags == [{"type": "Hashtag", "href": config.urls.tag_page("cafe"), "name": "#Café"}]
    assert config.urls.tag_page("cafe").endswith("/tags/cafe/")
    plain = json.loads((out / "ap" / "posts" / "plain").read_text("utf-8"))
    assert [tag["name"] for tag in plain["tag"] if tag["type"] == "Hashtag"] == ["#cafe", "#Ёлка"]

    featured = json.loads((out / "ap" / "featured-tags").read_text("utf-8"))
    cafe_tags = [tag for tag in featured["items"] if tag["href"].endswith("/tags/cafe/")]
    assert len(cafe_tags) == 1
    assert cafe_tags[0]["name"] in {"#Café", "#cafe", "#CAFE"}
