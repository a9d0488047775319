"""`read_post`: links and mentions in the federated HTML of a post."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen.config import SiteConfig, load_config
from site_gen.content.model import Mention
from site_gen.content.reader import merge_tags, read_post

BOB = Mention(
    "@bob@social.example", "https://social.example/users/bob", "https://social.example/@bob"
)


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    (tmp_path / "site.yaml").write_text(
        "base_url: https://blog.example\nusername: alice\ndisplay_name: Alice\n", "utf-8"
    )
    return load_config(tmp_path)


def _post(config: SiteConfig, body: str, mentions: dict[str, Mention] | None = None):  # type: ignore[no-untyped-def]
    path = config.posts_dir / "2024-05-01-hello.md"
    data = f"---\ndate: 2024-05-01\n---\n{body}\n".encode()
    return read_post(path, data, config, mentions or {})


def test_relative_links_are_absolute_in_the_federated_html(config: SiteConfig) -> None:
    post = _post(config, "See [the garden](../garden/) and [the archive](/archive/).")
    page = config.urls.post_page(post.slug)
    assert page.startswith("https://blog.example/")
    assert 'href="https://blog.example/archive/"' in post.federated_html
    assert 'href="https://blog.example/posts/garden/"' in post.federated_html
    assert 'href="../garden/"' in post.html  # the page itself keeps the link as written


def test_mentions_are_found_whatever_their_case(config: SiteConfig) -> None:
    post = _post(config, "Hello @Bob@Social.Example, how are you?", {"@bob@social.example": BOB})
    assert [m.actor_id for m in post.mentions] == [BOB.actor_id]
    assert 'href="https://social.example/@bob"' in post.federated_html
    assert 'class="u-url mention"' in post.html


def test_inline_hashtags_merge_with_front_matter_as_mastodon_normalises() -> None:
    # item 72: `#cafe` in the text is the front matter's `Café`; the front matter spelling wins.
    merged = merge_tags(("Café", "Python"), ("cafe", "CAFÉ", "python", "Привет"))
    assert merged == ("Café", "Python", "Привет")
