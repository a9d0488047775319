"""Images of a post: inline ones sized from their files and lazy, attached ones captioned."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from site_core.errors import ContentError
from site_gen.config import SiteConfig, load_config
from site_gen.content.inline_images import size_inline_images
from site_gen.content.model import Post
from site_gen.content.reader import read_post


def _png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    (tmp_path / "site.yaml").write_text(
        "base_url: https://blog.example\nusername: alice\ndisplay_name: Alice\n", "utf-8"
    )
    config = load_config(tmp_path)
    (config.static_dir / "images").mkdir(parents=True)
    (config.static_dir / "images" / "cat.png").write_bytes(_png(40, 30))
    return config


def _post(config: SiteConfig, text: str) -> Post:
    path = config.posts_dir / "2024-05-01-hello.md"
    return read_post(path, f"---\ndate: 2024-05-01\n{text}\n".encode(), config, {})


def test_an_inline_image_gets_the_size_of_its_file_and_loads_lazily(config: SiteConfig) -> None:
    post = _post(config, "---\nText.\n\n![A grey cat](/images/cat.png)")
    assert 'alt="A grey cat"' in post.html
    assert 'width="40" height="30" loading="lazy" decoding="async"' in post.html
    # The federated copy is not the page: servers get the image as the Markdown wrote it.
    assert "loading=" not in post.federated_html


def test_a_relative_inline_image_is_sized_from_the_file_it_resolves_to(config: SiteConfig) -> None:
    post = _post(config, "---\n![cat](../../images/cat.png)")
    assert 'width="40" height="30"' in post.html


def test_remote_images_and_given_sizes_are_left_alone(config: SiteConfig) -> None:
    remote = '<p><img src="https://cdn.example.org/x.png" alt="x"></p>'
    assert size_inline_images(remote, config.static_dir, "/posts/hello/") == (
        '<p><img src="https://cdn.example.org/x.png" alt="x" loading="lazy" decoding="async"></p>'
    )
    given = '<img src="/images/cat.png" alt="c" width="4" loading="eager">'
    assert size_inline_images(given, config.static_dir, "/posts/hello/") == given
    outside = '<img src="/../secret.png" alt="s">'
    assert "width" not in size_inline_images(outside, config.static_dir, "/posts/hello/")


def test_an_attached_image_keeps_its_caption(config: SiteConfig) -> None:
    post = _post(
        config,
        "images:\n  - src: images/cat.png\n    alt: A grey cat asleep.\n"
        "    caption: '  Mimi, after lunch.  '\n---\nText.",
    )
    assert [(i.alt, i.caption, i.width, i.height) for i in post.images] == [
        ("A grey cat asleep.", "Mimi, after lunch.", 40, 30)
    ]


def test_a_caption_that_is_not_text_is_refused(config: SiteConfig) -> None:
    with pytest.raises(ContentError, match=r"'images.caption' must be text") as caught:
        _post(config, "images:\n  - src: images/cat.png\n    alt: Cat\n    caption: [1]\n---\nx")
    assert caught.value.line == 4
