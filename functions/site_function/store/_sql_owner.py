"""The owner's settings in the SQL store: one ``meta`` row of JSON, read once per transaction.

A publish writes the row in the same transaction as its ledger rows and deliveries
(``save_published``); ``site-gen serve`` seeds it from site.yaml. The inbox asks for it only
when an activity needs it (a Follow, a Move), inside its own write transaction: the first
handler of a transaction reads the row (one primary-key lookup), the others of the same batch
get that answer again. The parsed value is kept while the row's text is unchanged, so a
publish made by another process or instance counts from the next transaction on.
"""

from __future__ import annotations

import json
from typing import Any

from site_function.store._sql_core import Cursor, SqlCore
from site_function.store.base import OwnerSettings, StoreError

__all__ = ["OWNER_SETTINGS", "OwnerStatements"]

OWNER_SETTINGS = "owner.settings"  # the meta key


class OwnerStatements(SqlCore):
    """``get_owner_settings`` and ``save_owner_settings``, the helper a publish uses, and
    the list of every setting."""

    _local: Any  # each backend's threading.local(), holding its open transaction's cursor
    _owner_parsed: tuple[str, OwnerSettings] | None = None

    def get_owner_settings(self) -> OwnerSettings | None:
        with self._transaction(write=False) as cur:
            memo = getattr(self._local, "owner_memo", None)
            if memo is not None and memo[0] is cur:
                found: OwnerSettings | None = memo[1]
                return found
            cur.execute("SELECT value FROM meta WHERE key = ?", (OWNER_SETTINGS,))
            row = cur.fetchone()
            found = None if row is None else self._owner_from_text(str(row[0]))
            if cur is getattr(self._local, "active", None):
                # Inside a write transaction: the same answer for the rest of it. Holding
                # the cursor keeps its identity from being reused by a later transaction.
                self._local.owner_memo = (cur, found)
        return found

    def list_settings(self) -> dict[str, str]:
        with self._transaction(write=False) as cur:
            cur.execute("SELECT key, value FROM meta")
            rows = cur.fetchall()
        # Sorted here, not in SQL: the same order on both backends, whatever the collation.
        return {str(key): str(value) for key, value in sorted(rows)}

    def save_owner_settings(self, settings: OwnerSettings) -> None:
        with self._transaction(write=True) as cur:
            self._save_owner_in(cur, settings)

    def _save_owner_in(self, cur: Cursor, settings: OwnerSettings) -> None:
        """Write the settings inside an open write transaction."""
        text = json.dumps(settings.to_dict(), sort_keys=True, separators=(",", ":"))
        self._set_meta_in(cur, OWNER_SETTINGS, text)
        self._local.owner_memo = None

    def _owner_from_text(self, text: str) -> OwnerSettings:
        parsed = self._owner_parsed
        if parsed is not None and parsed[0] == text:
            return parsed[1]
        try:
            settings = OwnerSettings.from_dict(json.loads(text))
        except ValueError as exc:
            raise StoreError(f"the stored owner's settings are unreadable: {exc}") from None
        self._owner_parsed = (text, settings)
        return settings
