"""FEP-8fcf's sans-IO part: the digest by the FEP's own worked example, the header, the audience."""

from __future__ import annotations

import hashlib

import pytest

from site_core.follower_sync import (
    EMPTY_DIGEST,
    SyncHeader,
    addresses,
    authority_of,
    format_header,
    parse_header,
    partial_collection,
    partial_digest,
)


def test_digest_is_the_worked_example_of_the_fep() -> None:
    """FEP-8fcf, "Partial follower collection digest": the two followers on
    testing.example.org of https://example.org/users/1."""
    one, two = "https://testing.example.org/users/1", "https://testing.example.org/users/2"
    assert hashlib.sha256(one.encode()).hexdigest() == (
        "3a06e99569547f444c352ab7f52e4bab207abec5ca6f07b0045cfdc9723f8fa9"
    )
    assert hashlib.sha256(two.encode()).hexdigest() == (
        "f939a1585d4a8f02ee339210dbe7315d7003476663d6095f7d996fc4bc7a49b6"
    )
    expected = "c33f48cd341ef046a206b8a72ec97af65079f9a3a9b90eef79c5920dce45c61f"
    assert partial_digest([one, two]) == expected
    assert partial_digest([two, one]) == expected  # XOR: order does not matter
    assert partial_digest([]) == EMPTY_DIGEST
    assert partial_digest([one, two, two]) == partial_digest([one])  # a pair cancels out


def test_header_round_trip_and_the_fep_example_parse() -> None:
    example = (
        'collectionId="https://example.org/users/1/followers", '
        'url="https://example.org/users/1/followers_synchronization", '
        'digest="c33f48cd341ef046a206b8a72ec97af65079f9a3a9b90eef79c5920dce45c61f"'
    )
    parsed = parse_header(example)
    assert parsed == SyncHeader(
        "https://example.org/users/1/followers",
        "https://example.org/users/1/followers_synchronization",
        "c33f48cd341ef046a206b8a72ec97af65079f9a3a9b90eef79c5920dce45c61f",
    )
    again = format_header(parsed.collection_id, parsed.url, parsed.digest)
    assert parse_header(again) == parsed


@pytest.mark.parametrize(
    "value",
    [
        "",
        'collectionId="a", url="b"',  # no digest
        'collectionId="a", url="b", digest="xyz"',  # not hex
        'collectionId="a", url="b", digest="' + "0" * 63 + '"',  # too short
        'collectionId="a" url="b" digest="' + "0" * 64 + '"',  # no commas
        'collectionId="a", url="b", digest="' + "0" * 64 + '", junk',
        "x" * 5000,
    ],
)
def test_malformed_headers_are_ignored(value: str) -> None:
    assert parse_header(value) is None


def test_authority_is_scheme_host_and_non_default_port() -> None:
    assert authority_of("https://Mastodon.Example/users/a") == "https://mastodon.example"
    assert authority_of("https://mastodon.example:443/users/a") == "https://mastodon.example"
    assert authority_of("http://mastodon.test:8080/inbox") == "http://mastodon.test:8080"
    assert authority_of("http://[::1]:81/x") == "http://[::1]:81"
    assert authority_of("https://a.example/x") != authority_of("http://a.example/x")
    assert authority_of("mailto:a@b") is None
    assert authority_of("http://[::1/x") is None


def test_addressed_to_followers_in_any_audience_field() -> None:
    followers = "https://alice.example/ap/followers"
    assert addresses({"cc": [followers]}, followers)
    assert addresses({"to": followers}, followers)
    assert addresses({"to": [{"id": followers}]}, followers)
    assert not addresses({"to": ["https://www.w3.org/ns/activitystreams#Public"]}, followers)
    assert not addresses({"object": {"cc": [followers]}}, followers)  # top level only


def test_partial_collection_is_sorted_and_counted() -> None:
    doc = partial_collection("https://f.example/x", ["https://b/2", "https://b/1"])
    assert doc["type"] == "OrderedCollection"
    assert doc["orderedItems"] == ["https://b/1", "https://b/2"]
    assert doc["totalItems"] == 2
