"""The admin page's GET pages: each reads through the owner services and renders.

No page changes anything; the block and import previews are reads too (`owner.block_preview`),
whose confirm buttons POST to the actions (`actions`).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from site_core import __version__
from site_function.admin_page import rendering
from site_function.admin_page.guard import AdminRequest
from site_function.owner import block_preview, blocks, pages
from site_function.owner.followers import parse_follower_state
from site_function.owner.state import summary_as_dict
from site_function.store.base import StoreError

__all__ = [
    "block_preview_page",
    "blocks_page",
    "conversation",
    "deliveries",
    "export_blocks",
    "followers",
    "home",
    "stylesheet",
]


async def stylesheet(admin: AdminRequest) -> Response:
    return Response(rendering.stylesheet(), media_type="text/css; charset=utf-8")


async def _writable(admin: AdminRequest) -> bool:
    try:
        await admin.runtime.call(admin.runtime.store.check_writable)
    except StoreError:
        return False
    return True


def _drain_state(admin: AdminRequest) -> str:
    error = admin.runtime.drain_error
    if error is not None:
        return f"the last drain failed ({type(error).__name__})"
    return "draining now" if admin.runtime.drain_busy else "idle"


async def home(admin: AdminRequest) -> Response:
    runtime = admin.runtime
    store = runtime.store
    health = {
        "store": str(getattr(store, "dialect", type(store).__name__)),
        "writable": await _writable(admin),
        "drain": _drain_state(admin),
        "version": __version__,
    }

    def read() -> dict[str, Any]:  # one trip to the store's thread, not three
        return {
            "followers": pages.follower_overview(store, 0),
            "pending_interactions": store.count_interactions_in("pending"),
            "deliveries": summary_as_dict(store),
        }

    return rendering.render(admin, "home.html", health=health, **await runtime.call(read))


async def followers(admin: AdminRequest) -> Response:
    query, runtime = admin.request.query_params, admin.runtime
    state = parse_follower_state(query.get("state", "accepted"))
    search = query.get("q", "")

    def read() -> tuple[dict[str, Any], dict[str, Any]]:
        page = pages.follower_page(
            runtime.store, state, cursor=query.get("after", ""), search=search
        )
        return page, pages.follower_overview(runtime.store)

    page, overview = await runtime.call(read)
    return rendering.render(
        admin, "followers.html", state=state, search=search, page=page, overview=overview
    )


async def blocks_page(admin: AdminRequest) -> Response:
    listed = await admin.runtime.call(blocks.list_blocks, admin.runtime.store)
    return rendering.render(admin, "blocks.html", blocks=listed)


async def block_preview_page(admin: AdminRequest) -> Response:
    query = admin.request.query_params
    target, comment = query.get("target", "").strip(), query.get("comment", "")[:500]
    preview = await admin.runtime.call(block_preview.preview_block, admin.runtime.store, target)
    return rendering.render(
        admin, "block_preview.html", preview=preview, target=target, comment=comment
    )


async def export_blocks(admin: AdminRequest) -> Response:
    text = await admin.runtime.call(blocks.export_blocks, admin.runtime.store)
    headers = {"Content-Disposition": 'attachment; filename="domain_blocks.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


async def conversation(admin: AdminRequest) -> Response:
    cursor = admin.request.query_params.get("after", "")
    page = await admin.runtime.call(lambda: pages.review_page(admin.runtime.store, cursor=cursor))
    return rendering.render(admin, "conversation.html", page=page)


async def deliveries(admin: AdminRequest) -> Response:
    summary = await admin.runtime.call(summary_as_dict, admin.runtime.store)
    hosts = [h for h in summary["hosts"] if h["queued"] or h["retrying"] or h["failed"]]
    return rendering.render(admin, "deliveries.html", summary=summary, hosts=hosts)
