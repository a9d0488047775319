"""Checking many conversation files at once: on every core, the same tags as PyYAML's safe
loader, the first bad file by name stops the build, and the store serves the workers."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest
import yaml

from site_core.errors import ConfigError
from site_gen.build.conversation_checks import POOL_THRESHOLD
from site_gen.build.conversation_inputs import read_conversations
from site_gen.config import load_config
from site_gen.conversations.yaml_nodes import compose_nodes

FILES = Path(__file__).resolve().parent / "conversation_files"
NAME = "hello-fediverse.yaml"
TRICKY = """\
post: x
items:
- {id: 1, kind: yes, status: No, received: 2024-05-01T10:00:00Z, author: ~}
- [null, Null, "", '', true, off, 0x1F, 1_000, .5, -.inf, 2024-05-01, 12:30, "yes", nope]
- sensitive: y
  truncated: n
  name: |-
    true
  handle: Ana
  count: +12
  other: 0o17
  url: https://a.example/1
  empty:
"""


def _tags(node: yaml.Node) -> list[str]:
    found = [node.tag]
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            found += _tags(child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found += _tags(key) + _tags(value)
    return found


def test_the_fast_resolver_gives_the_safe_loaders_tags() -> None:
    standard = yaml.compose(TRICKY, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for _round in range(2):  # the second time from the words it remembered
        assert _tags(compose_nodes(TRICKY)) == _tags(standard)
    assert "tag:yaml.org,2002:bool" in _tags(standard)  # the sample holds each kind
    assert "tag:yaml.org,2002:timestamp" in _tags(standard)


def _site(tmp_path: Path, count: int) -> Path:
    """A site with `count` conversation files (copies of the valid one, renamed)."""
    site = tmp_path / "site"
    folder = site / "conversations"
    shutil.copytree(FILES, folder)
    text = (folder / NAME).read_text("utf-8")
    (folder / NAME).unlink()
    for number in range(count):
        slug = f"post-{number:04d}"
        (folder / f"{slug}.yaml").write_text(text.replace("hello-fediverse", slug), "utf-8")
    (site / "site.yaml").write_text(
        "base_url: https://blog.example\nusername: ana\ndisplay_name: Ana\n", "utf-8"
    )
    return site


def test_many_files_are_checked_in_workers_and_summarized(tmp_path: Path) -> None:
    site = _site(tmp_path, POOL_THRESHOLD + 10)
    config, cache = load_config(site), tmp_path / "cache"
    inputs = read_conversations(config, cache, jobs=2)
    assert len(inputs.summaries) == POOL_THRESHOLD + 10
    summary = inputs.summaries["post-0007"]
    assert summary.reply_count == 1
    assert summary.reply_media
    assert all(m.startswith("media/") for m in summary.reply_media)
    store = inputs.open_store()
    assert store is not None
    try:
        model = inputs.conversation("post-0007", store)
    finally:
        store.close()
    assert model is not None
    assert model.post == "post-0007"
    again = read_conversations(config, cache, jobs=2)  # from the store: the same summaries
    assert again.summaries == inputs.summaries


def test_the_first_bad_file_by_name_stops_the_check(tmp_path: Path) -> None:
    site = _site(tmp_path, POOL_THRESHOLD + 10)
    folder = site / "conversations"
    for slug in ("post-0150", "post-0031"):
        path = folder / f"{slug}.yaml"
        path.write_text(path.read_text("utf-8").replace("kind: boost", "kind: bost"), "utf-8")
    config = load_config(site)
    for _round in range(2):  # and again, with the good files from the store
        with pytest.raises(ConfigError) as caught:
            read_conversations(config, tmp_path / "cache", jobs=2)
        assert "post-0031.yaml:" in str(caught.value)
        assert "did you mean boost?" in str(caught.value)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_as_it_was_after_a_check(tmp_path: Path, enabled: bool) -> None:
    site = _site(tmp_path, 3)  # few files: checked in this process, collector paused here
    bad = site / "conversations" / "post-0001.yaml"
    bad.write_text(bad.read_text("utf-8").replace("kind: boost", "kind: bost"), "utf-8")
    config = load_config(site)
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(ConfigError):
            read_conversations(config, tmp_path / "cache", jobs=1)
        assert gc.isenabled() is enabled
        bad.unlink()
        assert len(read_conversations(config, tmp_path / "cache", jobs=1).summaries) == 2
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
