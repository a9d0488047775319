"""Who may quote, reply, like and boost: the `interactionPolicy` of every post, the quote
choice as it travels to the function, and the documents the function answers with, expanded
offline with no dropped term (FEDERATION.md#quote-consent, FEDERATION.md#interaction-policy)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from documents_sample import SITE_YAML, config, post
from offline_jsonld import compact, expand, key_names, undefined_terms
from site_function.authorization_stamps import (
    QuoteGrant,
    quote_authorization_id,
    read_quote_token,
    read_reply_token,
    reply_authorization_id,
)
from site_function.interaction_answers import (
    authorization_delete,
    quote_answer,
    quote_authorization,
    reply_answer,
    reply_authorization,
)

from site_core.context import PUBLIC
from site_core.errors import ConfigError
from site_core.interaction_policy import QuotePolicy, quote_choice_of
from site_core.publish.owner_settings import OwnerSettings
from site_core.serialize import serialize
from site_gen.federation.objects import build_object

KEY = b"k" * 32
QUOTE = "https://quoter.example/users/q/statuses/1"
QUOTER = "https://quoter.example/users/q"


def _policy(review: str = "nobody", quotes: str | None = None) -> dict[str, Any]:
    yaml = SITE_YAML + f"conversation:\n  show_without_review: {review}\n"
    cfg = config(yaml)
    document = build_object(post("hello", 1, quotes=quotes), cfg)
    policy: dict[str, Any] = document["interactionPolicy"]
    return policy


def test_quotes_default_to_everyone_as_on_mastodon() -> None:
    urls = config().urls
    assert _policy()["canQuote"] == {"automaticApproval": [PUBLIC], "manualApproval": []}
    assert _policy(quotes="followers")["canQuote"]["automaticApproval"] == [urls.followers]
    assert _policy(quotes="nobody")["canQuote"] == {"automaticApproval": [], "manualApproval": []}


@pytest.mark.parametrize(
    ("review", "automatic", "manual"),
    [("everyone", "public", []), ("followers", "followers", [PUBLIC]), ("nobody", None, [PUBLIC])],
)
def test_reply_like_boost_follow_show_without_review(
    review: str, automatic: str | None, manual: list[str]
) -> None:
    urls = config().urls
    expected = {"public": [PUBLIC], "followers": [urls.followers], None: []}[automatic]
    policy = _policy(review)
    for name in ("canReply", "canLike", "canAnnounce"):
        assert policy[name] == {"automaticApproval": expected, "manualApproval": manual}


def test_a_bad_quotes_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match="'quotes' must be everyone, followers or nobody"):
        config(SITE_YAML + "quotes: some\n")


def test_the_quote_policy_is_read_from_the_objects_and_travels() -> None:
    cfg = config(SITE_YAML + "quotes: followers\n")
    urls = cfg.urls
    objects = [
        (urls.post_object(slug), build_object(post(slug, day, quotes=quotes), cfg))
        for slug, day, quotes in [("a", 1, None), ("b", 2, None), ("c", 3, "nobody")]
    ]
    policy = QuotePolicy.of_objects(objects, urls)
    assert policy == QuotePolicy("followers", ((urls.post_object("c"), "nobody"),))
    assert policy.choice_for(urls.post_object("a")) == "followers"
    assert policy.choice_for(urls.post_object("c")) == "nobody"
    assert quote_choice_of({}, urls) == "nobody"  # no canQuote: nobody, as Mastodon reads it
    owner = replace(OwnerSettings(), quotes=policy)
    assert OwnerSettings.from_dict(json.loads(json.dumps(owner.to_dict()))) == owner
    assert OwnerSettings.from_dict({"manually_approves_followers": False}).quotes == QuotePolicy()
    with pytest.raises(ValueError, match="quotes"):
        OwnerSettings.from_dict({**owner.to_dict(), "quotes": {"default": "all", "posts": {}}})


def test_a_quote_stamp_verifies_only_as_granted() -> None:
    urls = config().urls
    grant = QuoteGrant("hello", QUOTE, QUOTER)
    url = quote_authorization_id(KEY, urls, grant)
    token = url.rsplit("/", 1)[1]
    assert url.startswith(urls.base_url)
    assert read_quote_token(KEY, token) == grant
    assert read_quote_token(b"x" * 32, token) is None  # another server's key
    payload, stamp = token.split(".")
    other = quote_authorization_id(KEY, urls, replace(grant, quoter_id="https://evil.example/u"))
    assert read_quote_token(KEY, f"{other.rsplit('/', 1)[1].split('.')[0]}.{stamp}") is None
    assert read_quote_token(KEY, payload) is None
    assert read_quote_token(KEY, "%%%.###") is None
    reply = reply_authorization_id(urls, QUOTE)
    assert read_reply_token(reply.rsplit("/", 1)[1]) == QUOTE
    assert read_reply_token("\xff") is None


def _answers() -> list[tuple[str, dict[str, Any]]]:
    urls = config().urls
    grant = QuoteGrant("hello", QUOTE, QUOTER)
    authorization = quote_authorization_id(KEY, urls, grant)
    request = {"id": f"{QUOTER}#quote_requests/1", "type": "QuoteRequest", "actor": QUOTER,
               "object": urls.post_object("hello"), "instrument": {"id": QUOTE}}  # fmt: skip
    post_id = urls.post_object("hello")
    reply = reply_authorization_id(urls, QUOTE)
    return [
        ("accept-quote", quote_answer("Accept", request, urls, "hello", authorization)),
        ("reject-quote", quote_answer("Reject", request, urls, "hello")),
        ("quote-authorization", quote_authorization(urls, grant, authorization)),
        ("delete-authorization", authorization_delete(urls, authorization)),
        ("reply-authorization", reply_authorization(urls, QUOTE, post_id, reply)),
        ("accept-reply", reply_answer("Accept", urls, QUOTE, QUOTER, post_id, reply)),
        ("reject-reply", reply_answer("Reject", urls, QUOTE, QUOTER, post_id, None)),
        ("note", build_object(post("hello", 1, quotes="followers"), config())),
    ]


ANSWERS = _answers()


@pytest.mark.parametrize(("name", "document"), ANSWERS, ids=[name for name, _ in ANSWERS])
def test_answers_expand_offline_and_drop_no_term(name: str, document: dict[str, Any]) -> None:
    expanded = expand(json.loads(serialize(document)))
    assert expanded, name
    assert undefined_terms(expanded) == []
    assert key_names(compact(expanded, document["@context"])) == key_names(document)


def test_a_quote_accept_is_found_by_its_post() -> None:
    from site_function.interaction_answers import quote_accept_prefix

    urls = config().urls
    accept = ANSWERS[0][1]
    assert accept["id"].startswith(quote_accept_prefix(urls, "hello"))
    assert not accept["id"].startswith(quote_accept_prefix(urls, "hell"))
