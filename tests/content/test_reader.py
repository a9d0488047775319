"""`read_post`: links and mentions in the federated HTML of a post, and its images."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen.config import SiteConfig, load_config
from site_gen.content.model import Mention
from site_gen.content.reader import merge_tags, read_post
from site_core.errors import ContentError

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
    # FEDERATION.md#hashtags: `#cafe` in the text is the front matter's `Café`; the front matter spelling wins.
    merged = merge_tags(("Café", "Python"), ("cafe", "CAFÉ", "python", "Привет"))
    assert merged == ("Café", "Python", "Привет")


def _with_static(config: SiteConfig, *files: str) -> None:
    for name in files:
        file = config.static_dir / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"image")


def test_a_missing_inline_image_names_its_line_in_the_file(config: SiteConfig) -> None:
    _with_static(config, "images/missing.jpeg")
    with pytest.raises(ContentError) as caught:
        _post(config, "First paragraph.\n\n![a bike](/images/missing.jpg)")
    assert caught.value.line == 6  # front matter counted: ---, date, ---, text, blank, image
    assert caught.value.message == (
        "image '/images/missing.jpg' not found under static/: did you mean /images/missing.jpeg?"
    )


def test_a_relative_inline_image_resolves_against_the_post_page(config: SiteConfig) -> None:
    _with_static(config, "images/bike.png", "posts/hello/local.png")
    _post(config, "![here](local.png) ![root](/images/bike.png) ![up](../../images/bike.png)")
    with pytest.raises(ContentError, match=r"did you mean /images/bike.png\?"):
        _post(config, "![wrong](images/bike.png)")  # would be /posts/hello/images/bike.png


@pytest.mark.parametrize(
    "body",
    [
        "![remote](https://cdn.example.org/x.png) ![plain](http://example.org/y.png)",
        "![protocol-relative](//cdn.example.org/x.png) ![inline](data:image/png;base64,AAAA)",
        "`![in code](/images/nope.png)`\n\n```\n![in a block](/images/nope.png)\n```",
    ],
)
def test_remote_images_and_code_are_not_checked(config: SiteConfig, body: str) -> None:
    _post(config, body)


def test_raw_html_images_are_checked_too(config: SiteConfig) -> None:
    with pytest.raises(ContentError, match=r"put the file at static/images/gone.png"):
        _post(config, "Text.\n\n<img src='/images/gone.png' alt='gone'>")


def test_a_front_matter_image_typo_suggests_the_closest_file(config: SiteConfig) -> None:
    _with_static(config, "images/tulips.png")
    path = config.posts_dir / "2024-05-01-hello.md"
    data = b"---\ndate: 2024-05-01\nimages:\n  - src: images/tulip.png\n    alt: Tulips\n---\nx\n"
    with pytest.raises(ContentError) as caught:
        read_post(path, data, config, {})
    assert caught.value.line == 4
    assert caught.value.message.endswith("did you mean images/tulips.png?")
