"""Where a publish is applied: the function's admin API, or a database with the same engine.

`site-gen publish` plans on the CLI side and hands the plan to a backend. `FunctionBackend`
talks HTTP to the deployed function through `site_gen.admin_client.AdminClient` (bearer token
from `admin_token.find_admin_token`),
which queues and fans out; `DatabaseBackend` (`--database URL`) opens the store itself and
runs the very same function code (`site_function.delivery`), for a GitHub Actions runner
that has hours where a serverless call has seconds. Both answer with the same JSON shapes.
For a dry run the database is opened read-only and must already exist
(`site_gen.publish.read_only`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from site_gen.admin_client import AdminClient
from site_gen.errors import SiteGenError
from site_gen.publish.admin_token import AdminToken
from site_gen.publish.plan import LedgerState, PublishPlan

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
        from site_function.settings import Settings
        from site_function.store.factory import open_store

        from site_gen.publish.read_only import open_read_only

        environment = dict(os.environ if env is None else env)
        settings = Settings.from_site(
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
        return self._loop.run_until_complete(coroutine)

    def ledger(self) -> LedgerState:
        from site_function.delivery.publishing import ledger_state

        return ledger_state(self._runtime.store)

    def publish(self, plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]:
        from site_function.delivery.publishing import apply_plan

        if self._read_only and not dry_run:
            raise BackendError("the database was opened read-only, for a dry run")
        outcome = self._run(
            apply_plan(
                self._runtime,
                plan,
                own_prefix=self._runtime.urls.post_object(""),
                dry_run=dry_run,
            )
        )
        result: dict[str, Any] = outcome.as_dict()
        return result

    def status(self) -> dict[str, Any]:
        from site_function.delivery.publishing import summary_as_dict

        return summary_as_dict(self._runtime.store)

    def retry(self, host: str | None) -> int:
        return self._runtime.store.retry_failed(self._runtime.clock(), host)

    def drain(self, budget: float, progress: Progress | None = None) -> dict[str, Any]:
        from datetime import timedelta

        from site_function.delivery import AiohttpSender, DrainSettings, drain

        runtime = self._runtime
        settings = DrainSettings(lease=timedelta(seconds=self._lease))

        async def run() -> dict[str, Any]:
            report = await drain(
                runtime.store,
                AiohttpSender(runtime.session, clock=runtime.clock),
                runtime.signing_key,
                budget=budget,
                settings=settings,
                clock=runtime.clock,
                on_recorded=progress,
            )
            return report.as_dict()

        result: dict[str, Any] = self._run(run())
        return result

    def move(self, activity: dict[str, Any]) -> int:
        from site_function.delivery.publishing import META_MOVED_TO, queue_to_followers

        queued = int(self._run(queue_to_followers(self._runtime, [activity])))
        self._runtime.store.set_meta(META_MOVED_TO, str(activity["target"]))
        return queued

    def fetch_json(self, url: str) -> dict[str, Any] | None:
        """A signed GET through the guarded session (used by `move`)."""
        result = self._run(self._runtime.fetch(url))
        return result.document if result.ok else None

    def close(self) -> None:
        # Waits for any drain, closes the session, then the store.
        self._run(self._runtime.close())
        self._loop.close()
