"""Pick the store: in memory (tests, trying the bot out), durable on disk (TinyDB), or shared (PostgreSQL)."""

from __future__ import annotations

from storage.base import Store
from storage.memory_store import MemoryStore


def is_database_url(target: str | None) -> bool:
    """A PostgreSQL URL rather than a file path."""
    return target is not None and target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | None) -> Store:
    """A PostgresStore for a postgresql:// URL, a TinyDBStore on a path, a MemoryStore for None."""
    if target is None:
        return MemoryStore()
    if is_database_url(target):
        from storage.postgres import PostgresStore  # only the shared store needs psycopg

        return PostgresStore(target)
    from storage.tinydb import TinyDBStore  # only the durable store needs tinydb

    return TinyDBStore(target)
