"""Choose and open a store backend from a database URL (``SITE_GEN_DATABASE_URL``).

Accepted forms: ``sqlite:///abs/path``, ``sqlite:relative/path``, ``sqlite://:memory:`` or
``:memory:``, a bare file path, and ``postgresql://...`` / ``postgres://...`` (libpq conninfo
URLs; add ``?options=-csearch_path%3Dschema`` to use a schema). The backend module is imported
only when chosen, so SQLite users never import psycopg.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from site_function.store.base import Store, StoreError

__all__ = ["database_shown", "open_store", "sqlite_path_of"]


def database_shown(url: str) -> str:
    """The database URL for messages and logs: any password replaced by ``***``, the query
    (which may carry ``password=``) left out."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if has_password else f"{user}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def sqlite_path_of(url: str) -> str | None:
    """The SQLite file path a URL names (``":memory:"`` kept), or None if it is not SQLite."""
    text = url.strip()
    if text.startswith(("postgresql://", "postgres://")):
        return None
    if text.startswith("sqlite:"):
        rest = text[len("sqlite:") :]
        if rest.startswith("//"):
            # sqlite:///abs/path -> /abs/path (and SQLAlchemy's sqlite:////abs/path too);
            # sqlite://:memory: -> :memory:
            rest = rest[2:]
            if rest.startswith("//"):
                rest = "/" + rest.lstrip("/")
        return rest or ":memory:"
    if "://" in text:
        return None
    return text


def open_store(url: str, *, migrate: bool = True, wait: float = 10.0) -> Store:
    """Open the store a URL names and, unless told otherwise, bring its schema up to date.

    `wait`: seconds a call may wait for a lock or a pooled connection before it fails with
    StoreError (the function, which must answer quickly, passes a short one)."""
    if not url or not url.strip():
        raise StoreError("no database URL given (set SITE_GEN_DATABASE_URL)")
    store: Store
    path = sqlite_path_of(url)
    if path is not None:
        from site_function.store.sqlite import SqliteStore

        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        store = SqliteStore(path, busy_timeout=wait)
    elif url.startswith(("postgresql://", "postgres://")):
        from site_function.store.postgres import PostgresStore

        store = PostgresStore(url, timeout=wait, shown=database_shown(url))
    else:
        scheme = url.split("://", 1)[0]
        raise StoreError(f"unsupported database URL scheme {scheme!r} (use sqlite or postgresql)")
    if migrate:
        store.migrate()
    return store
