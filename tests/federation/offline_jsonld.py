"""Offline JSON-LD expansion for the document tests: contexts come from tests/fixtures only.

A term that no context defines is not dropped silently by the ActivityStreams context: its
`@vocab` is `_:`, so the term expands to a blank-node IRI `_:term`. `undefined_terms` finds
those (and any relative IRI), which is exactly "a term Mastodon would not understand".
"""

from __future__ import annotations

import json
from typing import Any

from fixtures_path import JSONLD_CONTEXTS
from pyld import jsonld

CONTEXTS = JSONLD_CONTEXTS
_INDEX: dict[str, str] = json.loads((CONTEXTS / "index.json").read_text(encoding="utf-8"))[
    "contexts"
]
requested: list[str] = []


def load_document(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader: the stored contexts, and nothing from the network, ever."""
    requested.append(url)
    name = _INDEX.get(url)
    if name is None:
        raise AssertionError(
            f"a document needs the context {url}, which is not stored offline: add it to"
            f" {CONTEXTS / 'index.json'}"
        )
    document = json.loads((CONTEXTS / name).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": load_document})


def compact(expanded: Any, context: Any) -> dict[str, Any]:
    return jsonld.compact(expanded, {"@context": context}, {"documentLoader": load_document})


def undefined_terms(expanded: Any, path: str = "") -> list[str]:
    """Every property or type in an expanded document that no context defined."""
    found: list[str] = []
    if isinstance(expanded, list):
        for index, item in enumerate(expanded):
            found += undefined_terms(item, f"{path}[{index}]")
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key == "@type":
                types = value if isinstance(value, list) else [value]
                found += [f"{path}@type={t}" for t in types if "://" not in t]
            elif not key.startswith("@") and "://" not in key:
                found.append(f"{path}/{key}")
            if key != "@value":
                found += undefined_terms(value, f"{path}/{key}")
    return found


def key_names(document: Any) -> set[str]:
    """All keys used anywhere in a compacted document (except inside `@context`)."""
    names: set[str] = set()
    if isinstance(document, list):
        for item in document:
            names |= key_names(item)
    elif isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                continue
            if key in ("contentMap", "nameMap", "summaryMap"):
                names.add(key)  # its keys are language tags, not terms
                continue
            names.add(key)
            names |= key_names(value)
    return names
