"""Hypothesis strategies for inbox bodies: JSON shaped like activities, with hostile values.

Bodies are serialized here, not by `json.dumps` alone, so they can hold what a sender can
write and Python would not produce: integers of thousands of digits, `NaN`, lone surrogates
(escaped, or as raw UTF-8 bytes), deep nesting and bytes that are not UTF-8 at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = ["ACTOR_ID", "OUR_ACTOR", "bodies", "urls"]

ACTOR_ID = "https://remote.example/users/fuzz"
OUR_ACTOR = "https://alice.example/ap/actor"


@dataclass(frozen=True)
class Literal:
    """JSON text written as is (a number Python would refuse to print, NaN, ...)."""

    text: str


surrogates = st.integers(0xD800, 0xDFFF).map(chr)
plain = st.text(max_size=40)
# One string in four may hold a lone surrogate: enough to test them, few enough to get past them.
texts = st.one_of(plain, plain, plain, st.text(st.characters() | surrogates, max_size=20))
urls = st.sampled_from(
    ["http://[::1", "https://h:99999/x", "https://remote.example:0/", "http://[::1]:80/a",
     OUR_ACTOR, "https://alice.example/posts/1", "https://alice.example/ap/followers",
     f"{ACTOR_ID}/statuses/1", f"{ACTOR_ID}#main-key", ACTOR_ID, "https://other.example/u/b",
     "http://user:pw@remote.example/x", "https://", "http://%zz/", "https://a..b/",
     "http://[fe80::1%25eth0]/", "javascript:alert(1)", "", "https://remote.example/\ud800",
     "HTTPS://REMOTE.EXAMPLE/users/fuzz", "https://xn--/", "https://remote.example:-1/",
     "https://127.0.0.1/", "https://[::ffff:127.0.0.1]/", "http://remote.example:65536"]
) | st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["remote.example", "[::1", "[::1]", "alice.example", "h", ""]) | texts,
    st.sampled_from(["", ":443", ":99999", ":", ":0x1"]) | st.integers(-5, 10**6).map(":{}".format),
    texts,
)  # fmt: skip
huge = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e999", "-0.0", "1" * 5000, "-" + "9" * 4301]
)
numbers = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.integers(), st.integers(), st.integers(), huge.map(Literal),
)  # fmt: skip
scalars = st.none() | st.booleans() | numbers | texts | urls
real_types = st.sampled_from(
    ["Follow", "Undo", "Accept", "Reject", "Create", "Update", "Delete", "Like", "Announce",
     "Move", "Block", "Flag", "Add", "Remove", "EmojiReact"]
)  # fmt: skip
types = st.sampled_from(
    ["Follow", "Undo", "Accept", "Reject", "Create", "Update", "Delete", "Like", "Announce",
     "Move", "Block", "Flag", "Add", "Remove", "EmojiReact", "Note", "Person", "Tombstone", ""]
) | texts  # fmt: skip
keys = st.sampled_from(
    ["id", "type", "actor", "object", "target", "inReplyTo", "to", "cc", "content", "url",
     "attributedTo", "published", "tag", "alsoKnownAs", "movedTo", "origin", "@context"]
) | texts  # fmt: skip


def _ids(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What an id-valued property holds: a URL, an object with an id, a list of them, junk."""
    return urls | st.fixed_dictionaries({"id": urls}, optional={"type": types}) | st.lists(
        urls | children, max_size=3
    ) | children  # fmt: skip


json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=20,
)


def _activity(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "@context": st.just("https://www.w3.org/ns/activitystreams") | json_values,
            "id": _ids(children),
            "type": types | st.lists(types, max_size=2),
            "actor": st.just(ACTOR_ID) | _ids(children),
            "object": _ids(children),
            "target": _ids(children),
            "inReplyTo": _ids(children),
            "to": _ids(children),
            "content": texts,
        },
    ).flatmap(lambda fixed: st.dictionaries(keys, json_values, max_size=3).map(
        lambda extra: {**extra, **fixed}
    ))  # fmt: skip


activities = st.recursive(
    _activity(json_values), lambda children: _activity(children | json_values), max_leaves=6
)


@st.composite
def signable_activities(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly from the signing actor (so the actor check passes) with a string type."""
    activity = draw(activities)
    # sampled_from, not integers: hypothesis favours integer bounds, so a 1-in-10 would not be
    if draw(st.sampled_from([True] * 9 + [False])):
        activity["actor"] = ACTOR_ID
        activity["type"] = draw(real_types)
    return activity


def serialize(value: Any, *, ascii_only: bool) -> str:
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, dict):
        inner = ",".join(
            f"{serialize(str(k), ascii_only=ascii_only)}:{serialize(v, ascii_only=ascii_only)}"
            for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(serialize(item, ascii_only=ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """The request body: the drawn JSON as escaped ASCII or raw UTF-8, nested, or raw bytes."""
    choice = draw(st.sampled_from(["json"] * 14 + ["wrapped"] * 4 + ["binary", "deep"]))
    if choice == "binary":
        return draw(st.binary(max_size=200))
    if choice == "deep":
        depth = draw(st.integers(1, 20_000))
        return b"[" * depth + b"]" * draw(st.integers(0, depth))
    value = draw(signable_activities())
    for _ in range(draw(st.integers(1, 3)) if choice == "wrapped" else 0):
        value = {"type": "Create", "actor": ACTOR_ID, "object": value}
    text = serialize(value, ascii_only=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")
