"""The conversation collections of a post expand with pyld (offline contexts) without
dropping a term, and compact back to the same keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from offline_jsonld import compact, expand, key_names, undefined_terms

from site_core.serialize import serialize
from site_core.urls import UrlScheme
from site_gen.federation.conversation_collections import (
    REPLIES_PAGE_SIZE,
    ConversationIds,
    conversation_documents,
    embedded_replies,
)

URLS = UrlScheme("https://blog.example", "alice")
IDS = ConversationIds(
    replies=tuple(f"https://r.example/s/{n}" for n in range(REPLIES_PAGE_SIZE + 3)),
    thread=("https://r.example/s/0", "https://r.example/s/1"),
    likes=3,
    shares=None,
)
DOCUMENTS = conversation_documents("hello", IDS, URLS)


@pytest.mark.parametrize(("url", "document"), DOCUMENTS, ids=[url for url, _ in DOCUMENTS])
def test_collection_expands_offline_and_drops_no_term(url: str, document: dict[str, Any]) -> None:
    assert document["id"] == url
    expanded = expand(json.loads(serialize(document)))
    assert expanded
    assert undefined_terms(expanded) == []
    assert key_names(compact(expanded, document["@context"])) == key_names(document)


def test_the_shapes_of_the_collections() -> None:
    by_id = dict(DOCUMENTS)
    replies = by_id[URLS.replies_collection("hello")]
    assert replies["first"] == embedded_replies("hello", IDS, URLS)["first"]
    assert replies["totalItems"] == REPLIES_PAGE_SIZE + 3
    assert replies["first"]["next"] == URLS.replies_page("hello", 2)
    assert by_id[URLS.replies_page("hello", 2)]["items"] == list(IDS.replies[REPLIES_PAGE_SIZE:])
    assert by_id[URLS.likes_collection("hello")]["totalItems"] == 3
    assert "totalItems" not in by_id[URLS.shares_collection("hello")]  # counts hidden
    context = by_id[URLS.context_collection("hello")]
    assert context["type"] == "OrderedCollection"
    assert context["orderedItems"] == [URLS.post_object("hello"), *IDS.thread]
