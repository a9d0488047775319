"""Write a synthetic corpus of Markdown posts for the build benchmark, the same on every run.

usage: python bench/gen_corpus.py N OUTDIR [--seed 2026] [--replies R --site SITE]

The posts have the shape static-site generators are usually compared on, so build figures stay
comparable with published ones: about 600 words (about 4 KB) per post, YAML front matter with
`title`, `date: YYYY-MM-DD HH:MM:SS` and three of 50 tags as a flow list, six paragraphs, one
`##` heading, a 4-item list, a 12-line fenced Python block (so highlighting costs what it costs
in real posts) and two links, one external and one to the previous post. No images. Files are
`post-<i>.md`; the same N and seed always give byte-identical files.

With `--replies R`, the posts also get conversations (bench/gen_conversations.py): R approved
replies, likes and boosts in `SITE/conversations/<slug>.yaml`, avatars in its `media/`.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

_WORDS = (
    "a about after again all also always an and another any are around as at away back be "
    "because been before being between both but by can come could day did do down each even "
    "every few find first for from get give good great had has have here how if in into is "
    "it its just keep know last like little long look made make many may more most much must "
    "new next no not now of often old on once one only or other our out over own part people "
    "place put right same see should show since small so some still such take than that the "
    "their them then there these they thing think this those through time to today too two "
    "under until up use very want was way we well were what when where which while who why "
    "will with without work would year you your air bed box car cup dog ear egg fig hat ink "
    "jam kit lid map net oak pen pot rug sea sky sun tea toy van web yes zip garden bicycle "
    "morning river letter window station winter harvest orchard valley meadow follower "
    "timeline server inbox outbox signature delivery network request static markdown render "
    "publish build cache queue retry timeout account profile activity object actor public "
    "private key archive"
)
# Short words as often as long ones, as in English prose: about 4.2 letters a word.
VOCABULARY = tuple(_WORDS.split())
TAGS = tuple(f"topic{number:02d}" for number in range(50))
PARAGRAPH_WORDS = (100, 80, 90, 90, 80, 90)
FIRST_DATE = datetime(2015, 1, 1, 6, 0)

CODE_BLOCK = '''```python
from dataclasses import dataclass


@dataclass
class WordCount:
    """How many words one post holds, counted line by line."""

    name: str
    total: int = 0

    def add(self, line: str) -> None:
        self.total += len(line.split()) * {factor}
```'''


def sentence(rng: random.Random, words: int) -> str:
    """A capitalised run of vocabulary words ending in a full stop."""
    chosen = [rng.choice(VOCABULARY) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def paragraph(rng: random.Random, words: int) -> str:
    """Sentences of 7 to 17 words until `words` words are used."""
    sentences: list[str] = []
    left = words
    while left > 0:
        length = min(left, rng.randint(7, 17))
        sentences.append(sentence(rng, length))
        left -= length
    return " ".join(sentences)


def front_matter(index: int, rng: random.Random) -> str:
    """Title, a date spread over the years (about two posts a day) and three distinct tags."""
    title = f"Post {index} " + " ".join(rng.choice(VOCABULARY) for _ in range(4))
    published = FIRST_DATE + timedelta(hours=11 * index, minutes=rng.randrange(60))
    tags = ", ".join(rng.sample(TAGS, 3))
    return f"---\ntitle: {title}\ndate: {published:%Y-%m-%d %H:%M:%S}\ntags: [{tags}]\n---\n\n"


def post_text(index: int, rng: random.Random) -> str:
    """One whole post: front matter, then the body blocks in reading order."""
    first, second, third, fourth, fifth, sixth = (
        paragraph(rng, words) for words in PARAGRAPH_WORDS
    )
    previous = max(index - 1, 0)
    blocks = [
        first,
        second + f" The [ActivityPub specification](https://www.w3.org/TR/activitypub/#p{index})"
        " says more.",
        "## Notes",
        "\n".join(f"- {sentence(rng, 6)}" for _ in range(4)),
        third,
        CODE_BLOCK.format(factor=1 + index % 9),
        fourth + f" The *previous* post is [here](/posts/post-{previous}/).",
        fifth,
        sixth,
    ]
    return front_matter(index, rng) + "\n\n".join(blocks) + "\n"


def write_corpus(count: int, folder: Path, seed: int = 2026) -> list[Path]:
    """Write `count` posts into `folder` (created if needed) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written: list[Path] = []
    for index in range(count):
        path = folder / f"post-{index}.md"
        path.write_text(post_text(index, rng), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of posts")
    parser.add_argument("folder", type=Path, help="where the posts go")
    parser.add_argument("--seed", type=int, default=2026, help="same seed, same corpus")
    parser.add_argument(
        "--replies", type=int, default=0, help="also write conversations with this many replies"
    )
    parser.add_argument(
        "--site", type=Path, default=None, help="the site folder of the conversations "
        "(default: the parent of the posts folder)",
    )  # fmt: skip
    args = parser.parse_args()
    written = write_corpus(args.count, args.folder, args.seed)
    size = sum(path.stat().st_size for path in written)
    print(f"{len(written)} posts, {size / 1e6:.1f} MB in {args.folder}")
    if args.replies:
        from gen_conversations import write_conversations

        site = args.site or args.folder.parent
        made = write_conversations(args.count, site, args.replies, seed=args.seed)
        print(
            f"{made.files} conversation files ({made.replies} replies, {made.likes} likes, "
            f"{made.boosts} boosts, {made.held} held), {made.media} avatars, "
            f"{made.bytes / 1e6:.1f} MB in {site / 'conversations'}"
        )


if __name__ == "__main__":
    main()
