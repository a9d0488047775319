"""A sample site configuration and posts for the document tests (no disk, no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from site_gen.config import SiteConfig, parse_config
from site_gen.content.model import Image, Mention, Post

SITE_YAML = """\
base_url: https://blog.example.org
username: alice
display_name: Alice Example
bio: |
  Gardens & bicycles.

  Second <paragraph>.
avatar: images/avatar.png
header: https://cdn.example.org/header.jpg
fields:
  - name: Website
    value: https://alice.example.org/
  - name: Pronouns
    value: she/her
language: en
also_known_as:
  - https://old.example.net/users/alice
"""

BOB = Mention(
    "@bob@social.example", "https://social.example/users/bob", "https://social.example/@bob"
)
UNRESOLVED = Mention("@ghost@nowhere.example", None)


def config(text: str = SITE_YAML, root: Path = Path("/srv/site")) -> SiteConfig:
    return parse_config(text, root / "site.yaml")


@cache
def public_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def post(slug: str, day: int, **changes: object) -> Post:
    values: dict[str, object] = {
        "source": Path(f"/srv/site/posts/{slug}.md"),
        "slug": slug,
        "kind": "note",
        "title": None,
        "published": datetime(2024, 5, day, 9, 30, tzinfo=UTC),
        "updated": None,
        "tags": (),
        "lang": "en",
        "content_warning": None,
        "sensitive": False,
        "images": (),
        "pinned": False,
        "in_reply_to": None,
        "summary": f"Summary of {slug}",
        "html": f"<p>{slug}</p>",
        "federated_html": f"<p>{slug}</p>",
        "mentions": (),
        "content_hash": slug,
    }
    values.update(changes)
    return Post(**values)  # type: ignore[arg-type]


def posts() -> tuple[Post, ...]:
    return (
        post(
            "garden-note",
            3,
            tags=("Garden", "bikes"),
            mentions=(BOB, UNRESOLVED),
            images=(
                Image(
                    "https://blog.example.org/images/tomato.jpg",
                    "images/tomato.jpg",
                    "A red tomato on the vine",
                    "image/jpeg",
                    800,
                    600,
                ),
            ),
            updated=datetime(2024, 5, 4, 8, 0, tzinfo=UTC),
            federated_html='<p>Hi <a href="https://blog.example.org/tags/garden/" '
            'class="mention hashtag" rel="tag">#<span>Garden</span></a></p>',
        ),
        post(
            "long-read",
            2,
            kind="article",
            title="A long read",
            tags=("garden",),
            lang="de",
            pinned=True,
        ),
        post("careful", 1, content_warning="Spiders", in_reply_to="https://social.example/notes/1"),
        post("unpublished", 5, draft=True),
    )
