"""Choose and open a store backend from a database URL (``SITE_GEN_DATABASE_URL``).

Accepted forms: ``sqlite:///abs/path``, ``sqlite:relative/path``, ``sqlite://:memory:`` or
``:memory:``, a bare file path, and ``postgresql://...`` / ``postgres://...`` (libpq conninfo
URLs; add ``?options=-csearch_path%3Dschema`` to use a schema). The backend module is imported
only when chosen, so SQLite users never import psycopg.
"""

from __future__ import annotations

from pathlib import Path

from site_function.store.base import Store, StoreError

__all__ = ["open_store", "sqlite_path_of"]


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


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the store a URL names and, unless told otherwise, bring its schema up to date."""
    if not url or not url.strip():
        raise StoreError("no database URL given (set SITE_GEN_DATABASE_URL)")
    store: Store
    path = sqlite_path_of(url)
    if path is not None:
        from site_function.store.sqlite import SqliteStore

        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        store = SqliteStore(path)
    elif url.startswith(("postgresql://", "postgres://")):
        from site_function.store.postgres import PostgresStore

        store = PostgresStore(url)
    else:
        scheme = url.split("://", 1)[0]
        raise StoreError(f"unsupported database URL scheme {scheme!r} (use sqlite or postgresql)")
    if migrate:
        store.migrate()
    return store
