"""Small settings (``meta``) and the owner's settings as the last publish stated them."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from site_core.publish.owner_settings import OwnerSettings

__all__ = ["SettingsStore"]


@runtime_checkable
class SettingsStore(Protocol):
    """Key-value settings; the owner's settings are one of them, parsed."""

    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Insert or replace a setting."""

    def list_settings(self) -> dict[str, str]:
        """Every stored setting (the owner's settings and internal markers included), in key
        order: what a state export copies."""

    def get_owner_settings(self) -> OwnerSettings | None:
        """The owner's settings last saved (by a publish, or seeded by ``site-gen serve``),
        or None before that. Inside the inbox's transaction it is read at most once per
        transaction, however many handlers ask (a batch of requests is one transaction)."""

    def save_owner_settings(self, settings: OwnerSettings) -> None:
        """Replace the owner's settings."""
