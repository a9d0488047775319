"""The one client of the function's owner API (`/admin/api/...`): one typed method per endpoint.

Every owner command that talks to a deployed (or `site-gen serve`d) function goes through
`AdminClient`: `site-gen publish`, `deliveries status|retry|drain` and `move` (through
`site_gen.cli.publish_backends.FunctionBackend`), and `followers`, `blocks` and
`conversations`. The bearer token comes from `site_gen.publish.admin_token`; its value never
appears in a message, a 401 names where it came from instead. Every failure (unreachable,
refused, an error answer) is an `AdminClientError` saying what the function answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from site_core.errors import SiteGenError
from site_core.publish.plan import LedgerState, PublishPlan
from site_core.publish.plan_wire import ledger_item_from_dict, plan_to_dict
from site_gen.publish.admin_token import AdminToken

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ADMIN_API_PATH",
    "MAX_CONVERSATION_ITEMS",
    "AdminClient",
    "AdminClientError",
    "FollowerState",
    "InteractionState",
]

ADMIN_API_PATH = "/admin/api"
MAX_CONVERSATION_ITEMS = 500  # ids per `conversations/items` request (the function's limit)
FollowerState = Literal["accepted", "pending", "all"]
InteractionState = Literal["pending", "approved", "rejected"]
# A drain may run for up to 600 s on the function before it answers.
_CONNECT_SECONDS = 30.0
_READ_SECONDS = 660.0


class AdminClientError(SiteGenError):
    """The function could not be reached, refused the token, or answered with an error."""


def ledger_from_json(data: Mapping[str, Any]) -> LedgerState:
    """The ledger as `GET publish/ledger` (and `ledger_state` on a database) describes it."""
    return LedgerState(
        tuple(ledger_item_from_dict(item) for item in data.get("items", [])),
        bool(data.get("initialized")),
        data.get("actor_hash"),
    )


def _error_detail(response: httpx.Response) -> str:
    """The function's own words: `detail`, else its `status` word, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("status") or response.text[:200])
    return response.text[:200]


class AdminClient:
    """The owner API of one function, over HTTP(S), authenticated with one admin token."""

    def __init__(
        self, function_url: str, token: AdminToken, *, client: httpx.Client | None = None
    ) -> None:
        import httpx

        self.base = function_url.rstrip("/") + ADMIN_API_PATH
        self._token = token
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(_CONNECT_SECONDS, read=_READ_SECONDS)
        )

    def close(self) -> None:
        self._client.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        csv_text: str | None = None,
    ) -> httpx.Response:
        import httpx

        url = self.base + path
        headers = {"Authorization": f"Bearer {self._token.value}"}
        content: bytes | None = None
        if csv_text is not None:
            headers["Content-Type"] = "text/csv"
            content = csv_text.encode("utf-8")
        try:
            response = self._client.request(
                method, url, json=body, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise AdminClientError(f"cannot reach the function at {url}: {exc}") from None
        if response.status_code == 401:
            raise AdminClientError(self._token.refused())
        if response.status_code >= 400:
            detail = _error_detail(response)
            raise AdminClientError(f"the function answered {response.status_code}: {detail}")
        return response

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        response = self._request(method, path, **kw)
        try:
            return response.json()
        except ValueError:
            raise AdminClientError(
                f"the function answered {self.base + path} with something other than JSON"
            ) from None

    def _object(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        value = self._json(method, path, **kw)
        if not isinstance(value, dict):
            raise AdminClientError(f"the function answered {self.base + path} with no object")
        return value

    def _list(self, path: str, **kw: Any) -> list[dict[str, Any]]:
        value = self._json("GET", path, **kw)
        if not isinstance(value, list):
            raise AdminClientError(f"the function answered {self.base + path} with no list")
        return value

    # -- publishing and deliveries (routes/publishing.py) -----------------------------------

    def ledger(self) -> LedgerState:
        """`GET publish/ledger`: what was published, for the CLI to plan against."""
        return ledger_from_json(self._object("GET", "/publish/ledger"))

    def publish(self, plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]:
        """`POST publish`: queue the plan (or only report it); the function's outcome."""
        body = {"plan": plan_to_dict(plan), "dry_run": dry_run}
        return self._object("POST", "/publish", body=body)

    def status(self) -> dict[str, Any]:
        """`GET deliveries`: counts per state and per host, last errors, pauses."""
        return self._object("GET", "/deliveries")

    def retry(self, host: str | None) -> int:
        """`POST deliveries/retry`: failed deliveries (of `host`, or all) back in the queue."""
        return int(self._object("POST", "/deliveries/retry", body={"host": host})["requeued"])

    def drain(self, budget: float) -> dict[str, Any]:
        """`POST deliveries/drain`: deliver for at most `budget` seconds; the drain's report."""
        return self._object("POST", "/deliveries/drain", body={"budget": budget})

    def notify_test(self, wait: float) -> dict[str, Any]:
        """`POST notify/test`: queue a test notification; with `wait` seconds, its outcome."""
        return self._object("POST", "/notify/test", body={"wait": wait})

    def move(self, activity: dict[str, Any]) -> int:
        """`POST move`: queue a Move to every follower; how many inboxes it went to."""
        return int(self._object("POST", "/move", body={"activity": activity})["queued"])

    # -- followers (routes/admin.py) --------------------------------------------------------

    def followers(self, state: FollowerState) -> list[dict[str, Any]]:
        """`GET followers?state=`: the followers in that state."""
        return self._list("/followers", params={"state": state})

    def approve_follower(self, actor: str) -> dict[str, Any]:
        """`POST followers/approve`: accept a pending request (the function sends Accept)."""
        return self._object("POST", "/followers/approve", body={"actor": actor})

    def reject_follower(self, actor: str) -> dict[str, Any]:
        """`POST followers/reject`: refuse a pending request (the function sends Reject)."""
        return self._object("POST", "/followers/reject", body={"actor": actor})

    def remove_follower(self, actor: str) -> dict[str, Any]:
        """`POST followers/remove`: drop a follower (the function sends Reject)."""
        return self._object("POST", "/followers/remove", body={"actor": actor})

    # -- blocks (routes/admin.py) -----------------------------------------------------------

    def blocks(self) -> list[dict[str, Any]]:
        """`GET blocks`: every block."""
        return self._list("/blocks")

    def add_block(self, target: str, comment: str) -> dict[str, Any]:
        """`POST blocks`: block an actor or a domain; the block and the followers removed."""
        return self._object("POST", "/blocks", body={"target": target, "comment": comment})

    def remove_block(self, target: str) -> dict[str, Any]:
        """`POST blocks/remove`: lift a block."""
        return self._object("POST", "/blocks/remove", body={"target": target})

    def import_blocks(self, csv_text: str) -> dict[str, Any]:
        """`POST blocks/import`: a domain-block CSV; counts, problems and followers removed."""
        return self._object("POST", "/blocks/import", csv_text=csv_text)

    def export_blocks(self) -> str:
        """`GET blocks/export`: the domain blocks as CSV text."""
        return self._request("GET", "/blocks/export").text

    # -- domain policies and previews (routes/admin_domains.py) -----------------------------

    def domains(self) -> dict[str, Any]:
        """`GET domains`: allow-only mode and every listed domain."""
        return self._object("GET", "/domains")

    def preview_change(self, change: dict[str, str]) -> dict[str, Any]:
        """`POST domains/preview`: what a change would do, nothing changed."""
        return self._object("POST", "/domains/preview", body=change)

    def apply_change(self, change: dict[str, str]) -> dict[str, Any]:
        """`POST domains/change`: make it; counted from what was removed."""
        return self._object("POST", "/domains/change", body=change)

    # -- replies, likes and boosts (routes/admin.py) ----------------------------------------

    def interactions(
        self, object_id: str | None = None, state: InteractionState | None = None
    ) -> list[dict[str, Any]]:
        """`GET interactions?object=&state=`: interactions, oldest first."""
        params = {"object": object_id, "state": state}
        return self._list(
            "/interactions", params={k: v for k, v in params.items() if v is not None}
        )

    def interaction(self, activity_id: str) -> dict[str, Any]:
        """`GET interactions/item?id=`: one interaction."""
        return self._object("GET", "/interactions/item", params={"id": activity_id})

    def moderate_interaction(self, activity_id: str, state: InteractionState) -> dict[str, Any]:
        """`POST interactions/moderate`: set the owner's decision on one interaction."""
        body = {"id": activity_id, "state": state}
        return self._object("POST", "/interactions/moderate", body=body)

    def moderate_actor(self, actor: str, state: InteractionState) -> dict[str, Any]:
        """`POST interactions/moderate-actor`: the same decision on all of one actor's."""
        body = {"actor": actor, "state": state}
        return self._object("POST", "/interactions/moderate-actor", body=body)

    # -- the conversation sync (routes/admin.py) --------------------------------------------

    def conversation_index(self) -> list[dict[str, Any]]:
        """`GET conversations/index`: every interaction the owner may see, as small rows."""
        return self._items(self._object("GET", "/conversations/index"), "/conversations/index")

    def conversation_items(self, ids: list[str]) -> list[dict[str, Any]]:
        """`POST conversations/items`: the full form of at most 500 items (batching more is
        the caller's job)."""
        if len(ids) > MAX_CONVERSATION_ITEMS:
            raise AdminClientError(
                f"at most {MAX_CONVERSATION_ITEMS} ids a request (got {len(ids)})"
            )
        answer = self._object("POST", "/conversations/items", body={"ids": ids})
        return self._items(answer, "/conversations/items")

    def moderate_many(self, decisions: dict[str, str]) -> dict[str, Any]:
        """`POST conversations/decisions`: many states at once; changed, unchanged, missing."""
        return self._object("POST", "/conversations/decisions", body={"decisions": decisions})

    def _items(self, answer: dict[str, Any], path: str) -> list[dict[str, Any]]:
        items = answer.get("items")
        if not isinstance(items, list):
            raise AdminClientError(f"the function answered {self.base + path} with no items")
        return items
