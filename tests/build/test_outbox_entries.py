"""The outbox pages joined from each post's stored entry: the same bytes as serializing the
whole page, and an entry is always that of the post stored beside it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from site_core.serialize import serialize
from site_gen.build.outbox_pages import outbox_chunks, outbox_item, outbox_page, outbox_page_bytes
from site_gen.build.pipeline import build_site
from site_gen.config import load_config
from site_gen.content.post_cache import PostCache
from site_gen.content.reader import read_post
from site_gen.federation.objects import build_object, published_posts


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_page_joined_from_entries_is_the_serialized_page(sample_site: Path) -> None:
    config = load_config(sample_site)
    posts = [
        read_post(path, path.read_bytes(), config, {})
        for path in sorted((sample_site / "posts").glob("*.md"))
    ]
    visible = published_posts(posts)
    chunks = outbox_chunks(visible[:3] * 9)  # two pages: a next and a prev
    assert len(chunks) == 2
    for number, chunk in enumerate(chunks, start=1):
        items = [outbox_item(post, build_object(post, config), config) for post in chunk]
        joined = outbox_page_bytes(number, len(chunks), 27, items, config)
        assert joined == serialize(outbox_page(number, len(chunks), 27, chunk, config))
    empty = outbox_page_bytes(1, 1, 0, [], config)
    assert empty == serialize(outbox_page(1, 1, 0, [], config))


def test_a_rewritten_post_loses_its_entry(tmp_path: Path, sample_site: Path) -> None:
    config = load_config(sample_site)
    path = sorted((sample_site / "posts").glob("*.md"))[0]
    post = read_post(path, path.read_bytes(), config, {})
    cache = PostCache(tmp_path / "posts.sqlite3")
    try:
        cache.put_outbox_items([("k", b"{}")])  # no post under "k": nothing is stored
        assert cache.outbox_items(["k"]) == {}
        cache.put_many([("k", post)])
        cache.put_outbox_items([("k", b'{"a":1}')])
        assert cache.outbox_items(["k", "other"]) == {"k": b'{"a":1}'}
        cache.put_many([("k", post)])
        assert cache.outbox_items(["k"]) == {}
    finally:
        cache.close()


def test_a_build_stores_the_entries_and_works_without_them(
    sample_site: Path, tmp_path: Path
) -> None:
    """Entries come from the source stage; a cache without them (cleared, or written by an
    older version with its own table) gives the same output as a clean build."""
    config = load_config(sample_site)
    first = build_site(config, jobs=1, offline=True)
    cache_file = sample_site / ".site-gen" / "cache" / "posts.sqlite3"
    with sqlite3.connect(cache_file) as db:
        # Every post but the draft has its entry: from its object, or made by the outbox page
        # (a post with a conversation renders its object later, with the pages).
        without = db.execute("SELECT count(*) FROM rendered_posts WHERE outbox_item IS NULL")
        assert without.fetchone()[0] == len(first.drafts_left_out) == 1
        db.execute("UPDATE rendered_posts SET outbox_item = NULL")
        db.execute("CREATE TABLE posts (key TEXT PRIMARY KEY, post BLOB NOT NULL)")
    shutil.rmtree(first.output)
    again = build_site(config, jobs=1, offline=True)
    clean = build_site(
        load_config(sample_site), output=tmp_path / "clean", jobs=1, offline=True, clean=True
    )
    assert _tree(again.output) == _tree(clean.output)
    with sqlite3.connect(cache_file) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "posts" not in tables  # the older version's table is dropped
