"""The owner's notifications in the admin API.

    POST /admin/api/notify/test    {wait?: seconds}: queue a test notification; with `wait`,
                                   answer once it was attempted (delivered, queued, failed)

Thin, as every admin endpoint: the owner service (`owner.notifying`) queues the notice and
reads its row; the background drainer sends it.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from site_function.owner import notifying
from site_function.routes._responses import json_response
from site_function.routes._runtime import runtime_of
from site_function.routes.admin import ADMIN_PREFIX
from site_function.routes.admin_auth import requires_admin
from site_function.routes.admin_body import json_body
from site_function.runtime import FunctionRuntime

__all__ = ["routes"]


@requires_admin
async def notify_test(request: Request) -> Response:
    runtime = runtime_of(request)
    body = await json_body(request, runtime.settings.max_body)
    wait = notifying.parse_wait(body.get("wait"))
    notice_id = await runtime.call(
        notifying.queue_test_notice, runtime.store, runtime.notifier, runtime.clock()
    )
    runtime.kick_drain()
    status = functools.partial(runtime.call, notifying.notice_status, runtime.store, notice_id)
    if wait <= 0:
        return json_response(await status())
    return json_response(await notifying.wait_for_notice(status, runtime.wait_for_drain, wait))


def routes(runtime: FunctionRuntime) -> list[BaseRoute]:
    """The notification paths of the admin API."""
    return [Route(ADMIN_PREFIX + "/notify/test", notify_test, methods=["POST"])]
