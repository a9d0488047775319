"""Every checked document expands as JSON-LD with no dropped term, offline.

A property no context defines is what Mastodon and other JSON-LD processors silently drop.
The ActivityStreams context maps unknown terms to blank-node IRIs (`_:term`), so a term that
expands to no absolute IRI is one a peer would not understand. Contexts come from
`contexts/` beside this module (the published ActivityStreams and security contexts, the same
files the tests use): the doctor never fetches a context from the network. pyld is a
development dependency; without it the check says so and passes nothing.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from site_gen.doctor.accept_headers import MASTODON
from site_gen.doctor.document_checks import document_urls
from site_gen.doctor.observer import Observer
from site_gen.doctor.report import Finding
from site_gen.doctor.target import DoctorTarget

__all__ = ["CONTEXTS", "check_jsonld", "undefined_terms"]

CONTEXTS = Path(__file__).resolve().parent / "contexts"


class UnknownContext(Exception):
    """A document names a context that is not stored beside the doctor."""


def _load_document(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader: the stored contexts, and nothing from the network, ever."""
    index = json.loads((CONTEXTS / "index.json").read_text(encoding="utf-8"))["contexts"]
    name = index.get(url)
    if name is None:
        raise UnknownContext(url)
    document = json.loads((CONTEXTS / name).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


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
                found += [f"{path}@type={t}" for t in types if "://" not in str(t)]
            elif not key.startswith("@") and "://" not in key:
                found.append(f"{path}/{key}")
            if key != "@value":
                found += undefined_terms(value, f"{path}/{key}")
    return found


async def check_jsonld(target: DoctorTarget, web: Observer) -> list[Finding]:
    try:
        jsonld = importlib.import_module("pyld.jsonld")
    except ImportError:
        seen = "pyld is not installed, so documents were not expanded"
        fix = "Install pyld (pip install pyld) to check that no term is dropped"
        return [Finding.problem("json-ld", seen, fix, "doctor", "info")]
    findings = []
    for name, url in (await document_urls(target, web)).items():
        document = (await web.get(url, MASTODON)).json()
        if isinstance(document, dict):
            findings.append(_expanded(jsonld, f"{name} json-ld", document))
    return findings


def _expanded(jsonld: Any, check: str, document: dict[str, Any]) -> Finding:
    try:
        expanded = jsonld.expand(document, {"documentLoader": _load_document})
    except UnknownContext as exc:
        seen = f"names the context {exc}, which the doctor does not hold"
        return Finding.problem(
            check, seen, "Use only the ActivityStreams and security contexts", "doctor", "warn"
        )
    except jsonld.JsonLdError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, UnknownContext):
            seen = f"names the context {cause}, which the doctor does not hold"
            return Finding.problem(
                check, seen, "Use only the ActivityStreams and security contexts", "doctor", "warn"
            )
        return Finding.problem(
            check,
            f"does not expand: {type(exc).__name__}",
            "Rebuild and deploy the documents the build wrote",
            "deploying",
        )
    dropped = undefined_terms(expanded)
    if dropped:
        return Finding.problem(
            check,
            f"terms no context defines: {', '.join(dropped[:5])}",
            "Remove or define these terms: peers drop them",
            "deploying",
        )
    return Finding.ok(check, "expands with every term defined")
