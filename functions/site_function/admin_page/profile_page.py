"""The profile page: our actor document as the fediverse reads it, rendered.

Read where the function reads the build's documents (the folder, or their origin), else
fetched from its public URL, as a remote server would. Its images are listed by address, not
shown (nothing on the admin page loads from another origin).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from site_function.admin_page import rendering
from site_function.admin_page.guard import AdminRequest
from site_function.build_owner import actor_file, read_actor_file

__all__ = ["profile"]


async def _actor_document(admin: AdminRequest) -> tuple[dict[str, Any] | None, str, str]:
    """(document or None, where it came from, why it could not be read)."""
    runtime = admin.runtime
    settings, urls = runtime.settings, runtime.urls
    if settings.documents_dir is not None:
        path = actor_file(settings.documents_dir, urls)
        found = await runtime.call(read_actor_file, path)
        return found, "the build folder", "" if found else f"no readable {path.name}"
    url = urls.actor
    if settings.documents_origin is not None:
        url = settings.documents_origin.rstrip("/") + urls.path_of(urls.actor)
    result = await runtime.fetch(url)
    detail = f"{url}: {result.outcome} {result.detail}".strip()
    return (result.document if result.ok else None), url, detail


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("url") or value.get("href") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return "" if value is None else str(value)


def _facts(actor: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [
        ("Type", _text(actor.get("type"))),
        ("Id", _text(actor.get("id"))),
        ("Profile page", _text(actor.get("url"))),
        ("Approves followers by hand", "yes" if actor.get("manuallyApprovesFollowers") else "no"),
        ("Also known as", _text(actor.get("alsoKnownAs"))),
        ("Moved to", _text(actor.get("movedTo"))),
        ("Avatar", _text(actor.get("icon"))),
        ("Header image", _text(actor.get("image"))),
        ("Key", _text((actor.get("publicKey") or {}).get("id"))),
        ("Inbox", _text(actor.get("inbox"))),
    ]
    for field in actor.get("attachment") or []:
        if isinstance(field, dict) and field.get("type") == "PropertyValue":
            facts.append((_text(field.get("name")), str(rendering.as_text(field.get("value")))))
    return [(name, value) for name, value in facts if value]


async def profile(admin: AdminRequest) -> Response:
    actor, source, problem = await _actor_document(admin)
    return rendering.render(
        admin,
        "profile.html",
        actor=actor,
        source=source,
        problem=problem,
        handle=admin.runtime.urls.handle,
        facts=_facts(actor) if actor else [],
        document=json.dumps(actor, indent=2, ensure_ascii=False) if actor else "",
    )
