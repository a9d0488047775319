"""Where notifications go and which: read once from the function's environment.

    SITE_GEN_NOTIFY_URL              the receiver (no notifications when unset)
    SITE_GEN_NOTIFY_SECRET(_FILE)    the HMAC secret (required for the json format)
    SITE_GEN_NOTIFY_EVENTS           a comma list of kinds (default: all)
    SITE_GEN_NOTIFY_DIGEST_MINUTES   at most one notification per N minutes (0: each at once)
    SITE_GEN_NOTIFY_FORMAT           json (default), text (ntfy) or gotify

A receiver on a loopback, private or otherwise internal address is refused at start-up
unless SITE_GEN_ALLOW_PRIVATE_ADDRESSES is on (local development); a name that resolves to
one is refused when sending, by the guarded session. The URL (a Gotify token rides in its
query) and the secret never appear in a repr, a log line or an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from site_core.errors import ConfigError
from site_core.ids import parse_http_url

__all__ = ["NotifyFormat", "NotifySettings", "check_receiver", "notify_settings_from_env"]

NotifyFormat = Literal["json", "text", "gotify"]
_FORMATS: tuple[NotifyFormat, ...] = ("json", "text", "gotify")
_MAX_DIGEST_MINUTES = 24 * 60
_LOCAL_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True)
class NotifySettings:
    """The receiver and what it is told. `digest_seconds` 0 sends each notice at once;
    `failure_streak` failed attempts in a row make a host's `delivery_failing` notice;
    `first_retry` is the wait after a first failed attempt (doubling after each)."""

    url: str = field(repr=False)
    secret: bytes | None = field(default=None, repr=False)
    events: frozenset[str] = frozenset()
    digest_seconds: float = 0.0
    format: NotifyFormat = "json"
    failure_streak: int = 10
    first_retry: float = 30.0

    @property
    def receiver(self) -> str:
        """The URL without its query, fragment or credentials: how queue rows and errors
        name the receiver (a Gotify token rides in the query)."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
        return f"{parts.scheme}://{netloc}{parts.path or '/'}"


def check_receiver(settings: NotifySettings, *, allow_private: bool) -> None:
    """Refuse a receiver URL that is not http(s), or names an internal address (literal, or
    localhost) while private addresses are not allowed. ConfigError, URL never shown."""
    parsed = parse_http_url(settings.url)
    if parsed is None:
        raise ConfigError("SITE_GEN_NOTIFY_URL must be an http(s) URL with a host")
    if allow_private:
        return
    host = parsed.host.strip("[]").rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        reason: str | None = "loopback"
    else:
        from site_remote.address_guard import refusal_reason  # aiohttp: only when configured

        reason = refusal_reason(host) if _is_ip(host) else None
    if reason is not None:
        raise ConfigError(
            f"SITE_GEN_NOTIFY_URL names a {reason} address: refused (set"
            " SITE_GEN_ALLOW_PRIVATE_ADDRESSES for local development only)"
        )


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _secret(env: Mapping[str, str], read_file: Callable[[Path], bytes]) -> bytes | None:
    path = env.get("SITE_GEN_NOTIFY_SECRET_FILE", "").strip()
    if path:
        try:
            value = read_file(Path(path)).strip()
        except OSError as exc:
            raise ConfigError(
                f"SITE_GEN_NOTIFY_SECRET_FILE cannot be read: {exc.strerror}"
            ) from None
    else:
        value = env.get("SITE_GEN_NOTIFY_SECRET", "").strip().encode("utf-8")
    return value or None


def _events(env: Mapping[str, str]) -> frozenset[str]:
    from site_function.notifications.notices import NOTICE_KINDS

    raw = env.get("SITE_GEN_NOTIFY_EVENTS", "").strip()
    if not raw or raw.lower() == "all":
        return frozenset(NOTICE_KINDS)
    chosen = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = sorted(chosen - set(NOTICE_KINDS))
    if unknown:
        raise ConfigError(
            f"SITE_GEN_NOTIFY_EVENTS names unknown kinds {', '.join(unknown)}:"
            f" choose from {', '.join(NOTICE_KINDS)}"
        )
    return frozenset(chosen)


def _digest_minutes(env: Mapping[str, str]) -> int:
    raw = env.get("SITE_GEN_NOTIFY_DIGEST_MINUTES", "").strip() or "0"
    if not raw.isdigit() or int(raw) > _MAX_DIGEST_MINUTES:
        raise ConfigError(
            f"SITE_GEN_NOTIFY_DIGEST_MINUTES must be minutes from 0 to {_MAX_DIGEST_MINUTES}"
        )
    return int(raw)


def _format(env: Mapping[str, str]) -> NotifyFormat:
    raw = env.get("SITE_GEN_NOTIFY_FORMAT", "").strip().lower() or "json"
    if raw not in _FORMATS:
        raise ConfigError(f"SITE_GEN_NOTIFY_FORMAT must be one of {', '.join(_FORMATS)}")
    return raw


def notify_settings_from_env(
    env: Mapping[str, str],
    *,
    allow_private: bool,
    read_file: Callable[[Path], bytes] = Path.read_bytes,
) -> NotifySettings | None:
    """The notification settings, or None when SITE_GEN_NOTIFY_URL is unset; ConfigError
    naming the variable for anything unusable (see the module docstring)."""
    url = env.get("SITE_GEN_NOTIFY_URL", "").strip()
    if not url:
        return None
    settings = NotifySettings(
        url=url,
        secret=_secret(env, read_file),
        events=_events(env),
        digest_seconds=_digest_minutes(env) * 60.0,
        format=_format(env),
    )
    if settings.format == "json" and settings.secret is None:
        raise ConfigError(
            "SITE_GEN_NOTIFY_SECRET (or SITE_GEN_NOTIFY_SECRET_FILE) is required for the json"
            " format: receivers check the signature"
        )
    check_receiver(settings, allow_private=allow_private)
    return settings
