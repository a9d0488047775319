"""The floor under a site-gen build: its posts through front matter and Markdown alone.

usage: python bench/markdown_floor.py POSTS_DIR OUT_DIR [--jobs 2] [--pool-from 80]

Called by `bench/build.py N --hugo` (bench/hugo_compare.py) as a third tool, alternating with
`site-gen build` and Hugo, each run a fresh process. It does only the steps of a build whose
output must stay byte-identical and so keep their libraries: each post's source read, its
front matter parsed (`site_gen.content.front_matter`, PyYAML) and its body rendered by
site-gen's own Markdown step (`site_gen.content.markdown_render`: Python-Markdown with its
extensions and guards, fenced code highlighted by Pygments once per snippet); the HTML written
to one file per post. As the build does, the lexers are compiled and the converter built
before forking `jobs` workers, and fewer posts than the build's pool threshold (`--pool-from`,
given by the caller: importing the build to read it would cost this process the build's
imports) are rendered in one process.

Nothing else is done: no templates, ActivityPub documents, feeds, tag or archive pages, no
cache. So no build of these posts can be faster than this, and its ratio to Hugo is the best
ratio a build that renders with Python-Markdown can reach on this machine.
"""

from __future__ import annotations

from pathlib import Path


def _render(job: tuple[Path, Path]) -> int:
    from site_gen.content.front_matter import parse_front_matter, split_source
    from site_gen.content.markdown_render import render_markdown

    source, out = job
    text = source.read_bytes().decode("utf-8")
    yaml_text, body, _line = split_source(text, source)
    parse_front_matter(yaml_text, source)
    html = render_markdown(body).html
    with open(out / f"{source.stem}.html", "w", encoding="utf-8") as page:
        page.write(html)
    return len(html)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--pool-from", type=int, default=80)
    args = parser.parse_args()

    from site_gen.content.markdown_render import fence_languages, warm_up

    sources = sorted(args.posts.glob("*.md"))
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(source, args.out) for source in sources]
    if args.jobs <= 1 or len(sources) < args.pool_from:
        written = sum(map(_render, jobs))
    else:
        import multiprocessing

        languages: set[str] = set()
        for source in sources:
            languages.update(fence_languages(source.read_text(encoding="utf-8")))
        warm_up(languages)
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            chunk = max(1, len(jobs) // (args.jobs * 4))
            written = sum(pool.imap_unordered(_render, jobs, chunksize=chunk))
    print(f"{len(sources)} posts, {written} characters of HTML")


if __name__ == "__main__":
    main()
