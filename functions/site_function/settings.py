"""The function's configuration: one frozen object built at the entry point and passed down.

Built from the environment on a serverless host (`Settings.from_env(os.environ)`) or, for
`site-gen serve`, from the site's `site.yaml` by the local preview
(`site_gen.serve.function_settings`), the one place that sees both. Secrets (the private key,
the admin token) are held here but never shown by `repr` or in errors.

The owner's profile settings (`manually_approves_followers`, `also_known_as`, `moved_to`) are
not environment variables: site.yaml states them once, and `site-gen publish` tells the
function (`Store.get_owner_settings`). The local preview knows them from the config (`owner`),
which the app stores at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from site_core.errors import ConfigError
from site_core.urls import UrlScheme

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from site_core.publish.owner_settings import OwnerSettings
    from site_core.signatures import SigningKey
    from site_function.notifications.notify_settings import NotifySettings
    from site_remote.client import ClientSettings

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "SITE_GEN_"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
# Variables of earlier versions that site.yaml now states: set, they would be silently ignored.
_MOVED_TO_SITE_YAML = {
    "SITE_GEN_MANUALLY_APPROVES_FOLLOWERS": "manually_approves_followers",
    "SITE_GEN_ALSO_KNOWN_AS": "also_known_as",
}


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _refuse_moved_variables(env: Mapping[str, str]) -> None:
    for name, key in _MOVED_TO_SITE_YAML.items():
        if name in env:
            raise ConfigError(
                f"the environment variable {name} is no longer read: set {key} in site.yaml;"
                f" site-gen publish tells the function (remove {name})"
            )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"the environment variable {name} is required")
    return value


def _passphrase_hash(env: Mapping[str, str]) -> str | None:
    value = env.get("SITE_GEN_ADMIN_PASSPHRASE_HASH", "").strip()
    if not value:
        return None
    from site_core.passphrase import PassphraseHashError, check_passphrase_hash

    try:
        return check_passphrase_hash(value)
    except PassphraseHashError as exc:
        raise ConfigError(str(exc)) from None


def _handle_domain(env: Mapping[str, str]) -> str | None:
    value = env.get("SITE_GEN_HANDLE_DOMAIN", "").strip()
    if not value:
        return None
    from site_core.handle_domain import handle_domain

    try:
        return handle_domain(value, "SITE_GEN_HANDLE_DOMAIN")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _notify(env: Mapping[str, str]) -> NotifySettings | None:
    if not env.get("SITE_GEN_NOTIFY_URL", "").strip():
        return None  # none configured (as notify_settings_from_env says), nothing imported
    from site_function.notifications.notify_settings import notify_settings_from_env

    allow_private = _flag(env, "SITE_GEN_ALLOW_PRIVATE_ADDRESSES")
    return notify_settings_from_env(env, allow_private=allow_private)


@dataclass(frozen=True)
class Settings:
    """Everything the function needs to know, fixed for the life of the process."""

    base_url: str
    username: str
    private_key: RSAPrivateKey = field(repr=False, compare=False)
    database_url: str = field(repr=False)
    admin_token: str | None = field(default=None, repr=False, compare=False)
    # The Ed25519 key of integrity proofs (FEDERATION.md#integrity-proofs): the activities we
    # send carry a proof made with it; None (no SITE_GEN_ED25519_KEY), they carry none.
    proof_key: Ed25519PrivateKey | None = field(default=None, repr=False, compare=False)
    # The admin page (`site_function.admin_page`): a passphrase hash accepted besides the token
    # (`site_core.passphrase`), the secret its session cookies are signed with (derived from
    # the admin token when absent), their lifetime, and sign-in attempts per client address
    # every `rate_window` seconds.
    admin_passphrase_hash: str | None = field(default=None, repr=False, compare=False)
    session_secret: str | None = field(default=None, repr=False, compare=False)
    admin_session_hours: float = 12.0
    admin_signin_limit: int = 10
    # The secret quote authorizations are stamped with (SITE_GEN_STAMP_SECRET); None: derived
    # from the private key (`stamp_key`), which every function has.
    stamp_secret: str | None = field(default=None, repr=False, compare=False)
    function_url: str | None = None
    # The domain of the handle when it is not the site's host (site.yaml's handle_domain,
    # FEDERATION.md#handle-domain): the /interact page and the admin page name that handle.
    handle_domain: str | None = None
    # The owner's settings known at start (site.yaml, by the local preview); None on a host, where
    # the last publish stated them (see the module docstring).
    owner: OwnerSettings | None = None
    documents_dir: Path | None = None
    documents_origin: str | None = None
    public_base: str | None = None
    allow_private_addresses: bool = False
    max_body: int = 1_000_000
    # Seconds a request body may take to arrive in full (a trickling sender gets 408).
    body_timeout: float = 10.0
    # Seconds a store call may wait for a lock or a connection before it fails (503): a
    # sender is better told to retry than kept waiting.
    store_wait: float = 0.5
    # Verified inbox requests allowed per actor and per domain every `rate_window` seconds
    # (429 with Retry-After beyond; 0 turns the limit off). See `rate_limits`.
    actor_rate_limit: int = 300
    domain_rate_limit: int = 3_000
    rate_window: float = 300.0
    # Follow/reply lookups (GET /interact) one client address may ask for every `rate_window`
    # seconds (0: no limit), and the seconds one lookup may take (WebFinger and NodeInfo).
    interact_rate_limit: int = 30
    interact_timeout: float = 5.0
    # Replies one actor may have stored per post, and received per day (beyond: not stored).
    replies_per_post: int = 20
    replies_per_day: int = 200
    drain_after_inbox: bool = True
    drain_budget: float = 5.0
    followers_page_size: int = 50
    # The owner's notifications (SITE_GEN_NOTIFY_*, `site_function.notifications`); None:
    # none are sent.
    notify: NotifySettings | None = None

    @property
    def urls(self) -> UrlScheme:
        return UrlScheme(self.base_url, self.username, self.function_url, self.handle_domain)

    @property
    def stamp_key(self) -> bytes:
        """The HMAC key of quote authorizations (`site_function.authorization_stamps`): from
        SITE_GEN_STAMP_SECRET, else derived from the private key, so it survives restarts and
        is the same on every instance without another secret to set."""
        import hashlib
        import hmac

        from cryptography.hazmat.primitives import serialization

        if self.stamp_secret:
            secret = self.stamp_secret.encode()
        else:
            secret = self.private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        return hmac.new(b"site-gen quote authorizations", secret, hashlib.sha256).digest()

    @property
    def signing_key(self) -> SigningKey:
        """Our key as the signatures module wants it; `keyId` is the actor's `#main-key`."""
        from site_core.signatures import SigningKey

        return SigningKey(self.urls.key_id, self.private_key)

    @property
    def client(self) -> ClientSettings:
        """Settings of outgoing sessions (guard, pool sizes, timeouts, User-Agent)."""
        from site_remote.client import ClientSettings, user_agent_for

        return ClientSettings(
            user_agent=user_agent_for(self.base_url),
            allow_private_addresses=self.allow_private_addresses,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read `SITE_GEN_*` variables (the table in README.md, "Environment variables");
        a variable whose setting moved to site.yaml is refused (ConfigError naming it)."""
        from site_core.keys import ed25519_key_from_environment, private_key_from_environment

        _refuse_moved_variables(env)
        key_file = env.get("SITE_GEN_PRIVATE_KEY_FILE")
        documents_dir = env.get("SITE_GEN_DOCUMENTS_DIR", "").strip()
        return cls(
            base_url=_required(env, "SITE_GEN_BASE_URL"),
            username=_required(env, "SITE_GEN_USERNAME"),
            private_key=private_key_from_environment(
                env, Path(key_file) if key_file else None, read_file=Path.read_bytes
            ),
            proof_key=ed25519_key_from_environment(env, None, read_file=Path.read_bytes),
            database_url=_required(env, "SITE_GEN_DATABASE_URL"),
            admin_token=env.get("SITE_GEN_ADMIN_TOKEN", "").strip() or None,
            admin_passphrase_hash=_passphrase_hash(env),
            session_secret=env.get("SITE_GEN_SESSION_SECRET", "").strip() or None,
            stamp_secret=env.get("SITE_GEN_STAMP_SECRET", "").strip() or None,
            function_url=env.get("SITE_GEN_FUNCTION_URL", "").strip() or None,
            handle_domain=_handle_domain(env),
            documents_dir=Path(documents_dir) if documents_dir else None,
            documents_origin=env.get("SITE_GEN_DOCUMENTS_ORIGIN", "").strip() or None,
            public_base=env.get("SITE_GEN_PUBLIC_BASE", "").strip() or None,
            allow_private_addresses=_flag(env, "SITE_GEN_ALLOW_PRIVATE_ADDRESSES"),
            drain_after_inbox=_flag(env, "SITE_GEN_DRAIN_AFTER_INBOX", default=True),
            notify=_notify(env),
        )
