"""The admin page's POST actions: one owner service each, then back to the page (303).

The guard has checked the session and the CSRF token and read the form (`AdminRequest.form`);
a missing field or an impossible request is an `OwnerRequestError`, shown as an error page
with its status, nothing changed. Actions that queue deliveries wake the background drain,
as the JSON admin API does.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from site_function.admin_page import rendering
from site_function.admin_page.guard import AdminRequest
from site_function.owner import block_preview, blocks, draining
from site_function.owner import followers as owner_followers
from site_function.owner import interactions as owner_interactions
from site_function.owner.errors import OwnerRequestError

__all__ = ["ACTIONS"]


def _field(admin: AdminRequest, name: str) -> str:
    value = admin.form.get(name, "").strip()
    if not value:
        raise OwnerRequestError(f"the form's '{name}' is missing")
    return value


def _back(admin: AdminRequest, page: str, done: str) -> Response:
    separator = "&" if "?" in page else "?"
    return RedirectResponse(
        f"{rendering.base_path(admin.request)}/{page}{separator}done={done}", 303
    )


async def approve(admin: AdminRequest) -> Response:
    runtime, actor = admin.runtime, _field(admin, "actor")
    await runtime.call(
        owner_followers.approve_follower, runtime.store, runtime.urls, actor, runtime.clock()
    )
    runtime.kick_drain()
    return _back(admin, "followers?state=pending", "approved")


async def _reject(admin: AdminRequest) -> None:
    runtime, actor = admin.runtime, _field(admin, "actor")
    await runtime.call(
        owner_followers.reject_follower, runtime.store, runtime.urls, actor, runtime.clock()
    )
    runtime.kick_drain()


async def reject(admin: AdminRequest) -> Response:
    await _reject(admin)
    return _back(admin, "followers?state=pending", "rejected")


async def remove(admin: AdminRequest) -> Response:
    await _reject(admin)
    return _back(admin, "followers", "removed")


async def add_block(admin: AdminRequest) -> Response:
    runtime, target = admin.runtime, _field(admin, "target")
    comment, now = admin.form.get("comment", "")[:500], runtime.clock()
    await runtime.call(
        lambda: blocks.add_block(runtime.store, runtime.urls, target, now, comment=comment)
    )
    runtime.kick_drain()
    return _back(admin, "blocks", "blocked")


async def remove_block(admin: AdminRequest) -> Response:
    await admin.runtime.call(blocks.remove_block, admin.runtime.store, _field(admin, "target"))
    return _back(admin, "blocks", "unblocked")


async def import_preview(admin: AdminRequest) -> Response:
    runtime, csv_text = admin.runtime, _field(admin, "csv")
    preview = await runtime.call(
        block_preview.preview_import, runtime.store, csv_text, runtime.clock()
    )
    return rendering.render(admin, "import_preview.html", preview=preview, csv=csv_text)


async def import_blocks(admin: AdminRequest) -> Response:
    runtime, csv_text = admin.runtime, _field(admin, "csv")
    await runtime.call(blocks.import_blocks, runtime.store, runtime.urls, csv_text, runtime.clock())
    runtime.kick_drain()
    return _back(admin, "blocks", "imported")


async def moderate(admin: AdminRequest) -> Response:
    runtime, activity_id, state = admin.runtime, _field(admin, "id"), _field(admin, "state")
    now = runtime.clock()
    await runtime.call(
        lambda: owner_interactions.moderate_interaction(
            runtime.store, activity_id, state, urls=runtime.urls, now=now
        )
    )
    runtime.kick_drain()  # a reply's author is told (Accept or Reject)
    return _back(admin, "conversation", "moderated")


async def approve_actor(admin: AdminRequest) -> Response:
    runtime, actor = admin.runtime, _field(admin, "actor")
    now = runtime.clock()
    await runtime.call(
        lambda: owner_interactions.moderate_actor(
            runtime.store, actor, "approved", urls=runtime.urls, now=now
        )
    )
    runtime.kick_drain()
    return _back(admin, "conversation", "moderated-actor")


async def retry(admin: AdminRequest) -> Response:
    runtime = admin.runtime
    host = admin.form.get("host", "").strip() or None
    count = await runtime.call(draining.requeue_failed, runtime.store, runtime.clock(), host)
    if count:
        runtime.kick_drain()
    return _back(admin, "deliveries", "retried")


ACTIONS = {
    "/followers/approve": approve,
    "/followers/reject": reject,
    "/followers/remove": remove,
    "/blocks/add": add_block,
    "/blocks/remove": remove_block,
    "/blocks/import-preview": import_preview,
    "/blocks/import": import_blocks,
    "/conversation/moderate": moderate,
    "/conversation/approve-actor": approve_actor,
    "/deliveries/retry": retry,
}
