"""A reply stored by the function can never carry active or misleading content
(FEDERATION.md#interaction-records).

Hostile constructs go as real signed replies to the real function, and the record read back
from the store is searched for anything a reader's browser could run or misread: scripts,
event handlers, `javascript:` links, styles, frames, SVG, bidi controls. Then a property test
feeds the same pieces, shuffled with random text, to the record builder itself, and the size
rule (content cut at 20,000 characters, marked `truncated`) is checked at its edge.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from function_harness import FakeFediverse, post_signed
from hypothesis import given, settings
from hypothesis import strategies as st
from published_posts import publish_post
from site_function.interaction_records import CONTENT_CAP, reply_record

from site_core.incoming_html import BIDI_CONTROLS, INCOMING_LINK_REL

POST = "https://alice.example/ap/posts/hello"
ACTOR = "https://mallory.example/users/mallory"

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body{display:none}</style>",
    '<p style="position:fixed">x</p>',
    '<span style="x" class="h-card mention evil">x</span>',
    '<div onmouseover="alert(1)">x</div>',
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>x</details>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="https://ok.example/" onclick="alert(1)" style="x" target="_blank"'
    ' rel="opener">ok</a>',
    "<link rel=stylesheet href=https://evil.example/s.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<video><source onerror="alert(1)"></video>',
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    "<xss onafterscriptexecute=alert(1)>x</xss>",
    '<a href="//evil.example/x">x</a>',
    '<a href="/relative">x</a>',
    "<p>\u202egnp.exe\u202c</p>",
    "a\u202a b\u202b c\u202d d\u2066 e\u2067 f\u2068 g\u2069 h\u200e i\u200f j\u061c k",
    '<a href="https://evil.example/\u202ecod.exe">x</a>',
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
]
_FORBIDDEN = re.compile(r"<script|<iframe|<svg|javascript:|style|\bon[a-z]+\s*=", re.IGNORECASE)
_CLASSES = {"h-card", "mention", "hashtag", "u-url", "invisible", "ellipsis"}


class _Markup(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_safe(record: dict[str, Any]) -> None:
    dumped = json.dumps(record, ensure_ascii=False)
    assert _FORBIDDEN.search(dumped) is None, dumped
    assert BIDI_CONTROLS.isdisjoint(dumped), dumped
    markup = _Markup()
    markup.feed(record.get("content", ""))
    markup.close()
    for tag, attrs in markup.tags:
        assert tag in {"p", "br", "a", "span"}, record["content"]
        assert set(attrs) <= ({"href", "rel", "class"} if tag == "a" else {"class"})
        assert set((attrs.get("class") or "").split()) <= _CLASSES
        if tag == "a":
            assert attrs.get("rel") == INCOMING_LINK_REL
            assert (attrs.get("href") or "https:").startswith(("http:", "https:"))
    plain = [record.get("summary", "")] + [item.get("name", "") for item in record["attachment"]]
    plain += [item.get("name", "") for item in record.get("tag", [])]
    assert all("<" not in text and ">" not in text for text in plain), plain


def _note(note_id: str, in_reply_to: str, text: str, origin: str) -> dict[str, Any]:
    return {"id": note_id, "type": "Note", "inReplyTo": in_reply_to,
            "content": f"<p>before</p>{text}<p>after</p>", "summary": text,
            "attachment": [{"type": "Document", "url": f"{origin}/media/1", "name": text}],
            "tag": [{"type": "Hashtag", "name": text, "href": f"{origin}/tags/x"}]}  # fmt: skip


def test_hostile_replies_are_stored_without_anything_active(
    fediverse: FakeFediverse, make_function: Callable[..., Any]
) -> None:
    fn = make_function(replies_per_post=len(HOSTILE) + 5, replies_per_day=len(HOSTILE) + 5)
    publish_post(fn.store, POST)
    fan = fediverse.add("hostile.test", "mallory")
    mention = (
        '<span class="h-card"><a href="https://ok.example/@bob" class="u-url mention">'
        "@<span>bob</span></a></span>"
    )
    for number, construct in enumerate([*HOSTILE, mention]):
        note = {**_note(f"{fan.id}/notes/{number}", POST, construct, fan.origin),
                "attributedTo": fan.id}  # fmt: skip
        response = post_signed(fn.client, fn.inbox, fan, fan.activity("Create", note))
        assert response.status_code == 202, response.text
    held = fn.store.list_interactions(POST)
    assert len(held) == len(HOSTILE) + 1
    for interaction in held:
        _assert_safe(interaction.activity)
    [kept] = [i.activity for i in held if i.activity["id"].endswith(f"/{len(HOSTILE)}")]
    assert kept["content"] == (
        '<p>before</p><span class="h-card"><a href="https://ok.example/@bob" class="u-url mention"'
        f' rel="{INCOMING_LINK_REL}">@<span>bob</span></a></span><p>after</p>'
    )


_PIECES = st.sampled_from(
    [*HOSTILE, "<p>", "</p>", "<a href='https://ok.example/'>", "</a>", "<span>", "<", "&", '"']
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=12).map("".join))
def test_no_mix_of_hostile_pieces_survives_in_a_record(text: str) -> None:
    _assert_safe(reply_record(f"{ACTOR}/notes/1", ACTOR, POST, _note("", POST, text, ACTOR)))


def test_content_is_cut_at_the_cap_and_marked_truncated() -> None:
    def record_of(content: str) -> dict[str, Any]:
        return reply_record(f"{ACTOR}/notes/1", ACTOR, POST, {"content": content})

    fits = record_of("<p>" + "x" * (CONTENT_CAP - len("<p></p>")) + "</p>")
    assert len(fits["content"]) == CONTENT_CAP
    assert "truncated" not in fits
    over = record_of("<p>" + "x" * (CONTENT_CAP - len("<p></p>") + 1) + "</p>")
    assert over["truncated"] is True
    assert len(over["content"]) <= CONTENT_CAP
    links = record_of('<p><a href="https://ok.example/">link</a>&amp;' * 2_000 + "</p>")
    assert links["truncated"] is True
    assert len(links["content"]) <= CONTENT_CAP
    _assert_safe({**links, "attachment": []})
