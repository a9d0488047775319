"""Write synthetic conversations for the posts of bench/gen_corpus.py, the same on every run.

    write_conversations(count, site_dir, replies=5000)

`replies` approved replies are spread over the `count` posts `post-<i>` (about a third
answer an earlier reply of the same post, one in twelve carries a content warning), plus
approved likes and boosts and a few pending and rejected replies, written as
`conversations/post-<i>.yaml` by the project's own writer (`write_conversation_file`), so
the files have exactly the shape `site-gen conversations pull` gives. The authors come from
a pool of 2,000 accounts whose avatars are a few hundred small WebP files in
`conversations/media/`, made with Pillow once per corpus.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gen_corpus import FIRST_DATE, VOCABULARY

from site_gen.conversations.data_files import (
    MEDIA_DIR,
    Author,
    ConversationFile,
    ConversationItem,
    conversations_dir,
    write_conversation_file,
)

__all__ = ["ConversationCorpus", "write_conversations"]

AUTHORS, PICTURES, AVATAR_PIXELS = 2_000, 300, 96
NESTED_EVERY, WARNING_EVERY, WITHOUT_AVATAR_EVERY = 3, 12, 25


@dataclass(frozen=True)
class ConversationCorpus:
    """What was written: counts by kind and status, files and their size."""

    files: int
    replies: int
    likes: int
    boosts: int
    held: int  # pending or rejected replies (never shown)
    media: int
    bytes: int


def avatars(folder: Path, count: int = PICTURES, seed: int = 7) -> list[str]:
    """`count` distinct 96 x 96 WebP avatars in `folder`, named by their content."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = []
    for index in range(count):
        size = (AVATAR_PIXELS, AVATAR_PIXELS)
        noise = Image.effect_noise(size, 20 + index % 40)
        gradient = Image.linear_gradient("L").resize(size).rotate(index * 37 % 360)
        tint = Image.new("L", size, rng.randrange(256))
        out = io.BytesIO()
        Image.merge("RGB", (gradient, noise, tint)).save(out, "WEBP", quality=80, method=4)
        data = out.getvalue()
        name = hashlib.blake2b(data, digest_size=16).hexdigest() + ".webp"
        (folder / name).write_bytes(data)
        names.append(f"{MEDIA_DIR}/{name}")
    return names


def author(number: int, pictures: list[str]) -> Author:
    """Account `number` of the pool, on one of 200 servers."""
    host = f"h{number % 200}.example"
    avatar = None if number % WITHOUT_AVATAR_EVERY == 0 else pictures[number % len(pictures)]
    return Author(
        id=f"https://{host}/users/u{number}",
        name=f"Person {number}",
        handle=f"@u{number}@{host}",
        url=f"https://{host}/@u{number}",
        avatar=avatar,
    )


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(low, high)))


class _Writer:
    """The items of every post, built up in memory, then written file by file."""

    def __init__(self, count: int, base_url: str, pictures: list[str], seed: int) -> None:
        self.count, self.base_url, self.pictures = count, base_url.rstrip("/"), pictures
        self.rng = random.Random(seed)
        self.items: dict[int, list[ConversationItem]] = defaultdict(list)
        self.serial = 0

    def _when(self, post: int) -> datetime:
        published = FIRST_DATE.replace(tzinfo=UTC) + timedelta(hours=11 * post + 1)
        return published + timedelta(minutes=self.rng.randrange(60 * 24 * 7))

    def _who(self) -> tuple[Author, int]:
        self.serial += 1
        return author(self.rng.randrange(AUTHORS), self.pictures), self.serial

    def reply(self, status: str = "approved") -> None:
        """One reply to a random post, or to an earlier reply of it."""
        rng, post = self.rng, self.rng.randrange(self.count)
        who, serial = self._who()
        earlier = [i.id for i in self.items[post] if i.kind == "reply"]
        parent = f"{self.base_url}/ap/posts/post-{post}"
        if earlier and serial % NESTED_EVERY == 0:
            parent = rng.choice(earlier)
        warned = serial % WARNING_EVERY == 0
        when = self._when(post)
        text = _words(rng, 8, 40).capitalize()
        self.items[post].append(
            ConversationItem(
                id=f"{who.id}/statuses/{serial}",
                kind="reply",
                status=status,  # type: ignore[arg-type]
                received=when,
                author=who,
                url=f"{who.url}/{serial}",
                in_reply_to=parent,
                published=when,
                language="en",
                summary=f"About {rng.choice(VOCABULARY)}" if warned else None,
                sensitive=warned,
                content=f"<p>{text}.</p>",
            )
        )

    def reaction(self, kind: str) -> None:
        """One approved like or boost of a random post."""
        post = self.rng.randrange(self.count)
        who, serial = self._who()
        fragment = "likes" if kind == "like" else "boosts"
        self.items[post].append(
            ConversationItem(
                id=f"{who.id}#{fragment}/{serial}",
                kind=kind,  # type: ignore[arg-type]
                status="approved",
                received=self._when(post),
                author=who,
            )
        )


def write_conversations(
    count: int,
    site_dir: Path,
    replies: int,
    *,
    likes: int | None = None,
    boosts: int | None = None,
    base_url: str = "https://bench.example",
    seed: int = 2026,
) -> ConversationCorpus:
    """Write the conversations of posts 0..count-1 into `site_dir/conversations/`."""
    likes = replies if likes is None else likes
    boosts = replies // 2 if boosts is None else boosts
    held = replies // 20
    folder = conversations_dir(site_dir)
    pictures = avatars(folder / MEDIA_DIR)
    writer = _Writer(count, base_url, pictures, seed)
    for _ in range(replies):
        writer.reply()
    for number in range(held):
        writer.reply("pending" if number % 2 else "rejected")
    for _ in range(likes):
        writer.reaction("like")
    for _ in range(boosts):
        writer.reaction("boost")
    for post, items in sorted(writer.items.items()):
        write_conversation_file(site_dir, ConversationFile(f"post-{post}", tuple(items)))
    size = sum(path.stat().st_size for path in folder.glob("*.yaml"))
    return ConversationCorpus(len(writer.items), replies, likes, boosts, held, len(pictures), size)
