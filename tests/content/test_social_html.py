"""Hashtag and mention links in post HTML, and the Mastodon allow-list sanitizer
(FEDERATION.md#allowed-html)."""

from __future__ import annotations

import pytest

from site_gen.content.model import Mention
from site_gen.content.social_html import link_tags_and_mentions, to_federated_html
from site_core.urls import UrlScheme

URLS = UrlScheme("https://blog.example.org", "alice")
BOB = Mention(
    "@bob@social.example", "https://social.example/users/bob", "https://social.example/@bob"
)
HASHTAG = (
    '<a href="https://blog.example.org/tags/{lower}/" class="mention hashtag" rel="tag">'
    "#<span>{tag}</span></a>"
)
BOB_LINK = (
    '<span class="h-card" translate="no"><a href="https://social.example/@bob" '
    'class="u-url mention">@<span>bob</span></a></span>'
)


def test_hashtags_are_linked_and_returned() -> None:
    html, tags = link_tags_and_mentions("<p>Tomatoes #Garden #garden #bikes_2024</p>", URLS, {})
    garden = HASHTAG.format(lower="garden", tag="Garden")
    lower = HASHTAG.format(lower="garden", tag="garden")
    bikes = HASHTAG.format(lower="bikes_2024", tag="bikes_2024")
    assert html == f"<p>Tomatoes {garden} {lower} {bikes}</p>"
    assert tags == ("Garden", "bikes_2024")


@pytest.mark.parametrize(
    "fragment",
    [
        "<p>issue #123</p>",
        "<p>page#section</p>",
        "<p>it&#39;s fine</p>",
        "<pre><code>#include &lt;stdio.h&gt;</code></pre>",
        "<p><code>#notatag</code></p>",
        '<p><a href="https://x.example/">#linked</a></p>',
        "<p>mail bob@social.example</p>",
        "<p>@ghost@nowhere.example is not resolved</p>",
    ],
)
def test_nothing_is_linked_where_it_must_not_be(fragment: str) -> None:
    unresolved = {"@ghost@nowhere.example": Mention("@ghost@nowhere.example", None)}
    assert link_tags_and_mentions(fragment, URLS, unresolved) == (fragment, ())


def test_resolved_mentions_become_h_cards_case_insensitively() -> None:
    html, tags = link_tags_and_mentions(
        "<p>Hi @Bob@Social.Example and @bob@social.example.</p>",
        URLS,
        {"@bob@social.example": BOB},
    )
    assert html.count('class="u-url mention"') == 2
    assert html.endswith(f"{BOB_LINK}.</p>")
    assert tags == ()


def test_linking_keeps_entities_comments_and_attributes() -> None:
    source = '<p class="x">A &amp; B &lt;#tag&gt; <!-- c --><br/><img src="a.png" alt="#no"></p>'
    html, tags = link_tags_and_mentions(source, URLS, {})
    assert tags == ("tag",)
    assert html.startswith('<p class="x">A &amp; B &lt;<a href=')
    assert html.endswith('&gt; <!-- c --><br/><img src="a.png" alt="#no"></p>')


# --- the sanitizer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ("<p><style>p{color:red}</style>x</p>", "<p>x</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>x</p>', "<p>x</p>"),
        ('<p onclick="alert(1)" style="color:red">x</p>', "<p>x</p>"),
        ('<p><img src="x" onerror="alert(1)">x</p>', "<p>x</p>"),
        (
            '<p><a href="javascript:alert(1)">x</a></p>',
            '<p><a rel="nofollow noopener noreferrer">x</a></p>',
        ),
        (
            '<p><a href="data:text/html,&lt;script&gt;">x</a></p>',
            '<p><a rel="nofollow noopener noreferrer">x</a></p>',
        ),
        ("<svg><script>alert(1)</script></svg><p>x</p>", "<p>x</p>"),
        ('<form action="https://e.example"><input name="q"></form><p>x</p>', "<p>x</p>"),
        ("<h2>Title</h2>", "<p><strong>Title</strong></p>"),
        (
            "<table><thead><tr><th>a</th><th>b</th></tr></thead>"
            "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
            "<p>a | b</p><p>1 | 2</p>",
        ),
        (
            '<div class="codehilite"><pre><span class="k">def</span></pre></div>',
            "<pre><span>def</span></pre>",
        ),
        (
            '<p class="lead"><span class="invisible">https://</span>x</p>',
            '<p><span class="invisible">https://</span>x</p>',
        ),
    ],
)
def test_sanitizer_removes_what_mastodon_would(dirty: str, clean: str) -> None:
    assert to_federated_html(dirty) == clean


def test_sanitizer_keeps_the_allowed_markup() -> None:
    allowed = (
        "<p>a<br>b <em>e</em> <strong>s</strong> <b>b</b> <i>i</i> <u>u</u> <del>d</del> "
        "<code>c</code></p><pre><code>x = 1\n</code></pre><blockquote><p>q</p></blockquote>"
        '<ul><li>one</li></ul><ol start="3" reversed><li value="4">two</li></ol>'
    )
    assert to_federated_html(allowed) == allowed.replace("reversed", 'reversed=""')


@pytest.mark.parametrize(
    "scheme_url",
    [
        "https://x.example/",
        "http://x.example/",
        "gemini://x.example/",
        "xmpp:a@x.example",
        "magnet:?xt=urn:btih:abc",
        "ipfs://bafy",
        "dat://abc",
        "gopher://x.example/",
    ],
)
def test_allowed_link_schemes_are_kept(scheme_url: str) -> None:
    out = to_federated_html(f'<p><a href="{scheme_url}">x</a></p>')
    assert f'href="{scheme_url.replace("&", "&amp;")}"' in out
    assert 'rel="nofollow noopener noreferrer"' in out


@pytest.mark.parametrize("url", ["ftp://x.example/f", "file:///etc/passwd", "vbscript:x"])
def test_other_link_schemes_are_dropped(url: str) -> None:
    assert "href" not in to_federated_html(f'<p><a href="{url}">x</a></p>')


def test_relative_links_are_made_absolute_or_dropped() -> None:
    source = '<p><a href="../other/">o</a></p>'
    base = "https://blog.example.org/posts/one/"
    absolute = to_federated_html(source, base_url=base)
    assert 'href="https://blog.example.org/posts/other/"' in absolute
    assert "href" not in to_federated_html(source)


def test_linked_tags_and_mentions_survive_the_sanitizer() -> None:
    html, _ = link_tags_and_mentions(
        "<h1>#Garden</h1><p>with @bob@social.example</p>", URLS, {"@bob@social.example": BOB}
    )
    federated = to_federated_html(html)
    bob = BOB_LINK.replace(' translate="no"', "")  # translate is not on Mastodon's list
    assert federated == (
        f"<p><strong>{HASHTAG.format(lower='garden', tag='Garden')}</strong></p><p>with {bob}</p>"
    )


def test_accented_and_plain_hashtags_are_one_tag() -> None:
    # FEDERATION.md#hashtags: the href is the normalised page, the text keeps what the author wrote.
    html, tags = link_tags_and_mentions("<p>#Café #cafe #日本語</p>", URLS, {})
    accented = HASHTAG.format(lower="cafe", tag="Café")
    plain = HASHTAG.format(lower="cafe", tag="cafe")
    japanese = HASHTAG.format(lower="%E6%97%A5%E6%9C%AC%E8%AA%9E", tag="日本語")
    assert html == f"<p>{accented} {plain} {japanese}</p>"
    assert tags == ("Café", "日本語")
