"""Where a publish is applied: the function's admin API, or a database with the same engine.

`site-gen publish` plans on the CLI side and hands the plan to a backend. `FunctionBackend`
talks HTTP to the deployed function through `site_gen.admin_client.AdminClient` (bearer token
from `admin_token.find_admin_token`),
which queues and fans out; `DatabaseBackend` (`--database URL`) opens the store itself and
runs the very same owner services (`site_function.owner`: the same checks of a plan or a
Move, the same queue), for a GitHub Actions runner
that has hours where a serverless call has seconds. Both answer with the same JSON shapes.
For a dry run the database is opened read-only and must already exist
(`site_gen.cli.read_only_store`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from site_core.errors import SiteGenError
from site_core.publish.plan import LedgerState, PublishPlan
from site_gen.admin_client import AdminClient
from site_gen.publish.admin_token import AdminToken

if TYPE_CHECKING:
    import httpx

    from site_gen.config import SiteConfig

__all__ = ["Backend", "BackendError", "DatabaseBackend", "FunctionBackend"]

Progress = Callable[[int], None]


class BackendError(SiteGenError):
    """The function refused or could not be reached; the message says which and why."""


class Backend(Protocol):
    """What the publish and deliveries commands need, wherever the queue lives."""

    def ledger(self) -> LedgerState: ...
    def publish(self, plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]: ...
    def status(self) -> dict[str, Any]: ...
    def retry(self, host: str | None) -> int: ...
    def drain(self, budget: float, progress: Progress | None = None) -> dict[str, Any]: ...
    def move(self, activity: dict[str, Any]) -> int: ...
    def close(self) -> None: ...


class FunctionBackend:
    """The deployed function's admin API, through the one `AdminClient`."""

    def __init__(
        self, function_url: str, token: AdminToken, *, client: httpx.Client | None = None
    ) -> None:
        self._admin = AdminClient(function_url, token, client=client)

    def ledger(self) -> LedgerState:
        return self._admin.ledger()

    def publish(self, plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]:
        return self._admin.publish(plan, dry_run=dry_run)

    def status(self) -> dict[str, Any]:
        return self._admin.status()

    def retry(self, host: str | None) -> int:
        return self._admin.retry(host)

    def drain(self, budget: float, progress: Progress | None = None) -> dict[str, Any]:
        # The function drains in slices of at most its own limit; the CLI keeps asking.
        result = self._admin.drain(budget)
        if progress is not None:
            progress(int(result.get("delivered", 0)) + int(result.get("failed", 0)))
        return result

    def move(self, activity: dict[str, Any]) -> int:
        return self._admin.move(activity)

    def close(self) -> None:
        self._admin.close()


class DatabaseBackend:
    """The same engine as the function, on a database the CLI opens itself."""

    def __init__(
        self,
        config: SiteConfig,
        database_url: str,
        env: Mapping[str, str] | None = None,
        *,
        allow_private_addresses: bool = False,
        clock: Callable[[], datetime] | None = None,
        lease_seconds: float = 60.0,
        read_only: bool = False,
    ) -> None:
        from site_function.runtime import FunctionRuntime, utc_now
        from site_function.store.factory import open_store

        from site_gen.cli.read_only_store import open_read_only
        from site_gen.serve.function_settings import settings_from_site

        environment = dict(os.environ if env is None else env)
        settings = settings_from_site(
            config,
            environment,
            database_url=database_url,
            allow_private_addresses=allow_private_addresses,
            serve_documents=False,
        )
        # Read-only: no file created, no migration, and any write fails (a dry run).
        store = (
            open_read_only(settings.database_url)
            if read_only
            else open_store(settings.database_url)
        )
        self._runtime = FunctionRuntime(settings, store, clock=clock or utc_now)
        self._loop = asyncio.new_event_loop()
        self._lease = lease_seconds
        self._read_only = read_only

    def _run(self, coroutine: Any) -> Any:
        """Run an owner service; its refusal is the CLI's error, in the same words."""
        from site_function.owner import OwnerRequestError

        try:
            return self._loop.run_until_complete(coroutine)
        except OwnerRequestError as exc:
            raise BackendError(exc.detail) from None

    def ledger(self) -> LedgerState:
        from site_function.owner.state import ledger_state

        return ledger_state(self._runtime.store)

    def publish(self, plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]:
        """`site_function.owner.publishing.publish_plan`: the admin API's checks, then the
        queue."""
        from site_function.owner.publishing import publish_plan

        if self._read_only and not dry_run:
            raise BackendError("the database was opened read-only, for a dry run")
        outcome = self._run(publish_plan(self._runtime, plan, dry_run=dry_run))
        result: dict[str, Any] = outcome.as_dict()
        return result

    def status(self) -> dict[str, Any]:
        from site_function.owner.state import summary_as_dict

        return summary_as_dict(self._runtime.store)

    def retry(self, host: str | None) -> int:
        from site_function.owner.draining import requeue_failed

        return requeue_failed(self._runtime.store, self._runtime.clock(), host)

    def drain(self, budget: float, progress: Progress | None = None) -> dict[str, Any]:
        from datetime import timedelta

        from site_function.owner.draining import drain_queue

        lease = timedelta(seconds=self._lease)
        report = self._run(drain_queue(self._runtime, budget, lease=lease, on_recorded=progress))
        result: dict[str, Any] = report.as_dict()
        return result

    def move(self, activity: dict[str, Any]) -> int:
        """`site_function.owner.moving.queue_move`: the admin API's checks, then the queue."""
        from site_function.owner.moving import queue_move

        return int(self._run(queue_move(self._runtime, activity)))

    def fetch_json(self, url: str) -> dict[str, Any] | None:
        """A signed GET through the guarded session (used by `move`)."""
        result = self._run(self._runtime.fetch(url))
        return result.document if result.ok else None

    def close(self) -> None:
        # Waits for any drain, closes the session, then the store.
        self._run(self._runtime.close())
        self._loop.close()
