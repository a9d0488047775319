"""`parse_activity` reads a body as `json.loads` would, whichever way it decodes it: the
usual `{...}` directly as UTF-8, anything else (a BOM, UTF-16) through `json.loads`."""

from __future__ import annotations

import json

import pytest
from site_function.activity_parsing import ParseFailure, parse_activity

from site_core.ids import is_http_url, parse_http_url

ACTIVITY = {
    "id": "https://a.example/likes/1",
    "type": "Like",
    "actor": "https://a.example/users/ann",
    "object": "https://alice.example/ap/posts/hello",
    "content": "café ☕",
}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(ACTIVITY).encode(),
        json.dumps(ACTIVITY, ensure_ascii=False).encode(),
        b"\xef\xbb\xbf" + json.dumps(ACTIVITY).encode(),  # UTF-8 with a BOM
        json.dumps(ACTIVITY).encode("utf-16-le"),
        json.dumps(ACTIVITY).encode("utf-16"),
    ],
)
def test_every_encoding_json_loads_reads_gives_the_activity(body: bytes) -> None:
    assert parse_activity(body) == ACTIVITY


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"type": "Like", "actor": "https://a.example/u", "x": "\xff"}', "not valid UTF-8"),
        (b'{"type": "Like", "actor": "https://a.example/u", "x": "\\ud800"}', "surrogate"),
        (b'{"type": "Like", "actor": "https://a.example/u", "x": "\xed\xa0\x80"}', "surrogate"),
        (b'{"type": "Like", "actor": "https://a.example/u",', "not valid UTF-8 JSON"),
    ],
)
def test_a_body_json_loads_refuses_or_that_holds_a_surrogate_is_refused(
    body: bytes, detail: str
) -> None:
    parsed = parse_activity(body)
    assert isinstance(parsed, ParseFailure)
    assert detail in parsed.detail


@pytest.mark.parametrize(
    "text",
    ["https://a.example/u", "http://[::1]:8080/x", "https://a.example:99999/", "ftp://a/", ""],
)
def test_is_http_url_answers_alike_before_and_after_the_id_was_split(text: str) -> None:
    before = is_http_url(text)
    parsed = parse_http_url(text)  # now remembered
    assert before == (parsed is not None) == is_http_url(text)
