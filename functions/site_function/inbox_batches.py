"""Group commit for the inbox: requests that arrive together share one store transaction.

Each verified activity needs one small write transaction (block check, idempotency record,
the handler's effect). Paid one by one, the BEGIN/COMMIT of each and the hop to the store
thread dominate (and on PostgreSQL every COMMIT waits for a WAL flush). So requests queue
here and are flushed together as one `Store.receive_activities` call (no savepoint per
request: a batch with a failing request is rolled back and run again one by one):

- first, at the end of the current loop iteration, inline through
  `Store.receive_activities_now` (SQLite, when its write lock is free this instant: no
  thread hop, no GIL hand-over between threads for every statement);
- otherwise through `submit` (SQLite busy: in the store's thread pool; PostgreSQL: in a
  greenlet on the loop's thread whose waits for the server the loop awaits, see
  `store._pg_loop_waits`), at most `max_in_flight` batches at a time, each taking
  everything that waited meanwhile.

A lone request is a batch of one: no delay is added, batches only form under load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from site_function.store.base import InboxItem, Store

__all__ = ["InboxBatcher"]

# Runs a synchronous store call off the loop's own stack: `loop.run_in_executor(pool, fn)`,
# or the store's `batch_runner`.
Submit = Callable[[Callable[[], Any]], "asyncio.Future[Any]"]
Pending = list[tuple[InboxItem, "asyncio.Future[Any]"]]


class InboxBatcher:
    """Feeds the store's `receive_activities(_now)` with batches of waiting requests."""

    def __init__(
        self,
        store: Store,
        submit: Submit,
        *,
        max_in_flight: int,
        max_batch: int = 128,
        inline: bool = True,
    ) -> None:
        self._store = store
        self._submit = submit
        self._max_in_flight = max(1, max_in_flight)
        self._max_batch = max_batch
        self._inline = inline
        self._pending: Pending = []
        self._in_flight = 0
        self._flush_scheduled = False

    async def receive(self, item: InboxItem) -> Any:
        """The item's result from `receive_activities` (its exception is raised here)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((item, future))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)  # after the requests ready in this iteration
        return await future

    def _take(self) -> Pending:
        batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
        return batch

    def _flush(self) -> None:
        self._flush_scheduled = False
        while self._pending and self._in_flight == 0 and self._inline:
            batch = self._take()
            try:
                results = self._store.receive_activities_now([item for item, _ in batch])
            except Exception as exc:
                _settle(batch, [exc] * len(batch))
                continue
            if results is None:  # it would have to wait: do that in a thread
                self._pending[:0] = batch
                break
            _settle(batch, results)
        while self._pending and self._in_flight < self._max_in_flight:
            self._start(self._take())

    def _start(self, batch: Pending) -> None:
        self._in_flight += 1
        items = [item for item, _ in batch]
        done = self._submit(lambda: self._store.receive_activities(items))
        done.add_done_callback(lambda finished: self._finish(batch, finished))

    def _finish(self, batch: Pending, done: asyncio.Future[Any]) -> None:
        self._in_flight -= 1
        if done.cancelled():
            _settle(batch, [asyncio.CancelledError()] * len(batch))
        elif done.exception() is not None:
            _settle(batch, [done.exception()] * len(batch))
        else:
            _settle(batch, done.result())
        if self._pending and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)


def _settle(batch: Pending, results: list[Any]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
