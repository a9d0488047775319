"""The build's fast paths give what the slow ways they stand in for give, byte for byte.

Each one answers a common case without a general routine (a JSON encoding, `urlsplit`,
HTMLParser, Jinja2's lookups, strftime) and leaves every other case to it; these compare the
two on the common cases and on the near misses.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import markupsafe
import pytest

from site_core.federated_html import _TagAttributes, tag_attributes
from site_core.serialize import encode, plain, serialize, serialize_spliced
from site_core.urls import UrlScheme
from site_gen.build.object_proofs import BuildProofKey, prove_object
from site_gen.build.outbox_pages import outbox_item
from site_gen.build.post_artifacts import encoded_note, render_post_artifacts
from site_gen.build.theme import Theme
from site_gen.build.view_environment import fast_escape, view_environment_class
from site_gen.build.views import iso_date
from site_gen.config import load_config
from site_gen.content.post_cache import PostCache
from site_gen.content.reader import read_post
from site_gen.federation.objects import build_object

# --- JSON: a value encoded once, spliced into the documents that carry it ----------------


@pytest.mark.parametrize(
    "value",
    ['<p>é \u2028 "quoted" \\ </p>\n', "", 12, 1.5, None, True, [1, {"b": 2, "a": 1}], {}],
)
def test_a_spliced_value_gives_the_bytes_of_the_plain_document(value: object) -> None:
    document = {"z": 1, "content": value, "map": {"en": value}, "list": [value, "x"]}
    shared = encode(value)
    spliced = {"z": 1, "content": shared, "map": {"en": shared}, "list": [shared, "x"]}
    assert serialize_spliced(spliced) == serialize(document)
    assert plain(spliced) == document


def test_a_document_that_holds_the_mark_itself_takes_the_slow_way() -> None:
    mark = "\0encoded\0"
    document = {"a": mark, "b": f'"{mark}"', "c": encode("x")}
    assert serialize_spliced(document) == serialize({"a": mark, "b": f'"{mark}"', "c": "x"})


def test_an_unknown_value_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        serialize_spliced({"a": object()})


@pytest.mark.parametrize(
    "document",
    [
        {"b": [1.5, -2, None, True, False, 'é … \u2028 \0 "q" \\'], "a": {"z": {}, "y": []}},
        {"content": encode("<p>é</p>"), "summary": "cut…", "tags": [encode({"b": 1, "a": 2})]},
        {"@context": encode(["x", {"y": "z"}]), "id": "https://a.example/", "n": 0},
    ],
)
def test_the_c_encoder_made_at_once_encodes_as_json_encoder(
    document: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_core import serialize as module

    assert module._c_encoder_maker() is not None  # CPython: the fast way is the one taken
    fast = serialize_spliced(document)
    monkeypatch.setattr(module, "_c_encoder_maker", lambda: None)
    assert serialize_spliced(document) == fast == serialize(plain(document))


def test_the_c_encoder_made_at_once_refuses_what_json_encoder_refuses() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        serialize_spliced({"a": float("nan")})
    looped: dict[str, object] = {}
    looped["self"] = looped
    with pytest.raises(ValueError, match="Circular reference"):
        serialize_spliced(looped)


def test_the_post_documents_from_an_encoded_note_are_the_plain_ones(sample_site: Path) -> None:
    config = load_config(sample_site)
    theme = Theme(config.templates_dir)
    for path in sorted((sample_site / "posts").glob("*.md")):
        post = read_post(path, path.read_bytes(), config, {})
        note = build_object(post, config)
        shared = encoded_note(note)
        assert plain(shared) == note
        assert outbox_item(post, shared, config) == outbox_item(post, note, config)
        fast = render_post_artifacts(post, config, theme, note=shared)
        slow = render_post_artifacts(post, config, theme, note=note)
        assert fast == slow
        assert all(artifact.data.endswith(b"\n") for artifact in fast[1:])
        for artifact in fast[1:]:  # the JSON documents, each as `serialize` writes it
            assert artifact.data == serialize(json.loads(artifact.data))


def test_a_proof_covers_the_plain_document(sample_site: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    config = load_config(sample_site)
    path = sorted((sample_site / "posts").glob("*.md"))[0]
    post = read_post(path, path.read_bytes(), config, {})
    private = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    key = BuildProofKey(f"{config.urls.actor}#ed25519-key", "z6Mk", private)
    note = build_object(post, config)
    assert prove_object(encoded_note(note), post, key) == prove_object(note, post, key)


# --- URLs ----------------------------------------------------------------------------------

_BASES = [
    "https://example.com",
    "https://example.com:8443/",
    "https://example.com/blog",
    "HTTPS://Example.com",
]
_TAILS = ["", "/", "/posts/a/", "/ap/posts/a", "/tags/caf%C3%A9/", "/a?b=c", "/a#f", "/a\tb"]
_TAILS += ["/a\nb", "/a b/", "?q", "#f", "x/y", "/a/", "//other.example/a", " /a"]


@pytest.mark.parametrize("base", _BASES)
def test_path_of_is_urlsplit_path(base: str) -> None:
    urls = UrlScheme(base, "me")
    origins = {urls.base_url, "https://example.com", "http://example.com", "https://other.example"}
    for origin, tail in itertools.product(origins, _TAILS):
        url = f"{origin}{tail}"
        assert urls.path_of(url) == (urlsplit(url).path or "/"), url
    assert urls.path_of(urls.post_page("a")) == urlsplit(urls.post_page("a")).path


# --- HTML ----------------------------------------------------------------------------------


def _parsed(tag_text: str) -> dict[str, str | None]:
    parser = _TagAttributes()
    parser.feed(tag_text)
    parser.close()
    return dict(parser.attrs)


def test_plain_anchor_attributes_are_those_htmlparser_reads() -> None:
    values = ["", "x", "https://a.example/b?c=d#e", "a b", "it's", "a>b", "a&amp;b", "é", "\t"]
    names = ["href", "class", "title", "HREF", "data-x"]
    cases = ["<a>", "<a >", "<a href='x'>", "<a href=x>", '<a href="x"class="y">', "<A href='x'>"]
    cases += ['<a\thref="x">', '<a href = "x">', '<a href="x" href="y">', '<a href="x" download>']
    for name, value in itertools.product(names, values):
        cases.append(f'<a {name}="{value}">')
        cases.append(f'<a {name}="{value}" class="mention">')
        cases.append(f'<a  {name}="{value}" href="/x" >')
    for case in cases:
        assert tag_attributes(case) == _parsed(case), case


@pytest.mark.parametrize(
    "value",
    ["plain", "<b>&amp;'\"</b>", "", "é\u2028", markupsafe.Markup("<i>kept</i>"), 3, None],
)
def test_fast_escape_is_markupsafe_escape(value: object) -> None:
    fast, slow = fast_escape()(value), markupsafe.escape(value)
    assert fast == slow
    assert type(fast) is type(slow)


def test_iso_date_is_strftime() -> None:
    for moment in (datetime(2024, 5, 1, 9, 3, 7, tzinfo=UTC), datetime(999, 1, 2, 3, 4, 5)):
        assert iso_date(moment) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Jinja2: lookups on the views' dicts and macro calls -----------------------------------

_TEMPLATES = {
    "lookups.html": (
        "{{ d.url }}|{{ d.title }}|{{ d['items'] }}|{{ d.items is callable }}|"
        "{{ d.get('url') }}|{{ o.real }}|{{ n.x }}|{{ d.missing is defined }}"
    ),
    "macros.html": (
        "{% macro m(a, b='B') %}<{{ a }}{{ b }}{{ varargs|length }}>{% endmacro %}"
        "{% macro c() %}[{{ caller() }}]{% endmacro %}"
        "{{ m(1) }}{{ m(2, b=3) }}{{ m(1, 2, 3) }}{% call c() %}in{% endcall %}"
        "{% for i in [1, 2] %}{{ m(i, loop.index) }}{% endfor %}{{ f() }}"
        "{% macro p(a, b) %}({{ a }}{{ b }}{{ q(a) }}){% endmacro %}"
        "{% macro q(a) %}[{{ a }}]{% endmacro %}"
        "{{ p(1, '<') }}{% for i in '<>' %}{{ p(i, loop.first) }}{% endfor %}{{ p(q('&'), 2) }}"
        "{% set s = p(3, 4) %}{{ s|length }}{{ s }}{{ p|attr('name') }}"
    ),
}


class _Named:
    x = "attribute"


def _render(environment_class: type[jinja2.Environment], name: str, escape: bool = True) -> str:
    environment = environment_class(
        loader=jinja2.DictLoader(_TEMPLATES), autoescape=escape, undefined=jinja2.StrictUndefined
    )
    template = environment.get_template(name)
    view = {"url": "/a?b&c", "title": "<T>", "items": "key, not method"}
    return template.render(d=view, o=2, n=_Named(), f=lambda: "called")


@pytest.mark.parametrize("escape", [True, False])
@pytest.mark.parametrize("name", sorted(_TEMPLATES))
def test_the_view_environment_renders_what_jinja2_renders(name: str, escape: bool) -> None:
    fast = _render(view_environment_class(), name, escape)
    assert fast == _render(jinja2.Environment, name, escape)
    assert "&lt;" in fast if escape else "<" in fast


def test_a_missing_key_is_still_strictly_undefined() -> None:
    environment = view_environment_class()(undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'"):
        environment.from_string("{{ d.nope }}").render(d={})


# --- the post cache --------------------------------------------------------------------


def test_posts_stored_with_their_entries_are_as_stored_one_after_the_other(
    tmp_path: Path, sample_site: Path
) -> None:
    config = load_config(sample_site)
    path = sorted((sample_site / "posts").glob("*.md"))[0]
    post = read_post(path, path.read_bytes(), config, {})
    cache = PostCache(tmp_path / "posts.sqlite3")
    try:
        cache.put_many([("old", post)])
        cache.put_with_items([("a", post), ("b", post)], [("a", b"1"), ("old", b"2"), ("x", b"3")])
        assert cache.outbox_items(["a", "b", "old", "x"]) == {"a": b"1", "old": b"2"}
        assert set(cache.get_many(["a", "b", "old", "x"])) == {"a", "b", "old"}
        cache.put_with_items([("a", post)], [])  # a rewritten post loses its entry
        assert cache.outbox_items(["a"]) == {}
    finally:
        cache.close()


# --- the summary ---------------------------------------------------------------------------


def _regex_summary(body_html: str, limit: int = 200) -> str:
    """The plain way `plain_summary` stands in for: a lazy paragraph and a `\\s+` replace."""
    import html
    import re

    match = re.search(r"<p>(.*?)</p>", body_html, re.DOTALL)
    text = match.group(1) if match else body_html
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return f"{cut}…"


@pytest.mark.parametrize(
    "body_html",
    [
        "<p>One  two\n\tthree</p><p>four</p>",
        "<h1>T</h1>\n<p> lead <em>x</em>&nbsp;y&amp;z \u00a0 \u2028 \x1c end </p>",
        "<p>open without an end",
        "no paragraph at all\n  here",
        "<p></p><p>second</p>",
        "<div><p>a</div>b</p>",
        "<p>" + "word " * 80 + "</p>",
        "<p>" + "x" * 300 + "</p>",
        "",
    ],
)
def test_plain_summary_is_the_regex_summary(body_html: str) -> None:
    from site_gen.content.reader import plain_summary

    assert plain_summary(body_html) == _regex_summary(body_html)
    assert plain_summary(body_html, 10) == _regex_summary(body_html, 10)
