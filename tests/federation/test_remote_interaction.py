"""The sans-IO half of remote interaction: reading handles, choosing and checking targets
(FEDERATION.md#remote-interaction)."""

from __future__ import annotations

import pytest

from site_core.remote_interaction import (
    Interaction,
    VisitorAccount,
    advertised_target,
    fill_template,
    is_safe_target,
    mastodon_target,
    nodeinfo_href,
    parse_visitor_handle,
    software_name,
)

FOLLOW = Interaction(
    "follow", "https://a.example/ap/actor", "https://a.example/profile/", "@a@a.example"
)
REPLY = Interaction(
    "reply", "https://a.example/ap/posts/p", "https://a.example/posts/p/", "@a@a.example"
)
ALLOWED = {("social.example", None)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bob@Social.Example", VisitorAccount("bob", "social.example")),
        ("bob@social.example", VisitorAccount("bob", "social.example")),
        (" acct:bob@social.example ", VisitorAccount("bob", "social.example")),
        ("@bob@social.example:8443", VisitorAccount("bob", "social.example:8443")),
        ("https://social.example/@bob", VisitorAccount("bob", "social.example")),
        ("https://social.example/@bob@other.example", VisitorAccount("bob", "other.example")),
        ("https://social.example/users/bob/", VisitorAccount("bob", "social.example")),
    ],
)
def test_handles_and_profile_urls_are_read(text: str, expected: VisitorAccount) -> None:
    assert parse_visitor_handle(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "bob", "@bob", "@bob@", "bob@@social.example", "@bob@social.example/path",
        "@bob@-bad.example", "@bob@social.example:99999", "@b ob@social.example",
        "https://social.example/", "https://social.example/@bob?x=1", "javascript:alert(1)",
        "https://user@social.example/@bob", "@bob@" + "a" * 300 + ".example",
    ],
)  # fmt: skip
def test_anything_else_is_refused(text: str) -> None:
    assert parse_visitor_handle(text) is None


def test_templates_are_filled_percent_encoded_and_unknown_names_emptied() -> None:
    assert fill_template("https://s/x?u={uri}&n={nope}", {"uri": "https://a/b?c=d"}) == (
        "https://s/x?u=https%3A%2F%2Fa%2Fb%3Fc%3Dd&n="
    )


def test_fep_intents_before_ostatus_and_create_needs_in_reply_to() -> None:
    jrd = {
        "links": [
            {
                "rel": "http://ostatus.org/schema/1.0/subscribe",
                "template": "https://s/ai?uri={uri}",
            },
            {"rel": "https://w3id.org/fep/3b86/Follow", "href": "https://s/f?o={object}"},
            {"rel": "https://w3id.org/fep/3b86/Create", "href": "https://s/share?text={content}"},
        ]
    }
    follow = advertised_target(jrd, FOLLOW)
    assert follow is not None
    assert (follow.mechanism, follow.url) == (
        "fep-3b86",
        "https://s/f?o=https%3A%2F%2Fa.example%2Fap%2Factor",
    )
    reply = advertised_target(jrd, REPLY)  # a Create without {inReplyTo} would not be a reply
    assert reply is not None
    assert reply.mechanism == "ostatus-subscribe"
    jrd["links"].append(
        {"rel": "https://w3id.org/fep/3b86/Object", "href": "https://s/o?id={object}"}
    )
    viewed = advertised_target(jrd, REPLY)
    assert viewed is not None
    assert viewed.url == "https://s/o?id=https%3A%2F%2Fa.example%2Fap%2Fposts%2Fp"
    assert advertised_target({"links": "nonsense"}, FOLLOW) is None


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://social.example/authorize_interaction?uri=x", True),
        ("https://social.example:443/x", True),
        ("http://social.example/x", True),
        ("https://social.example:8443/x", False),
        ("https://evil.example/x", False),
        ("https://social.example@evil.example/x", False),
        ("https://social.example\\@evil.example/x", False),
        ("javascript:alert(1)//social.example", False),
        ("//social.example/x", False),
        ("https://social.example/x\r\nSet-Cookie: a=b", False),
    ],
)
def test_targets_must_be_http_on_the_visitors_server(url: str, safe: bool) -> None:
    assert is_safe_target(url, ALLOWED) is safe


def test_mastodon_fallback_and_nodeinfo() -> None:
    assert mastodon_target("https://social.example", REPLY).url == (
        "https://social.example/authorize_interaction?uri=https%3A%2F%2Fa.example%2Fap%2Fposts%2Fp"
    )
    schema = "http://nodeinfo.diaspora.software/ns/schema/2.0"
    assert nodeinfo_href({"links": [{"rel": schema, "href": "https://s/n"}]}) == "https://s/n"
    assert nodeinfo_href({"links": [{"rel": "other", "href": "https://s/n"}]}) is None
    assert software_name({"software": {"name": "Mastodon"}}) == "mastodon"
    assert software_name({"software": "mastodon"}) is None
