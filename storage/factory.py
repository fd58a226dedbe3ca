"""Pick the store: in memory (tests, trying the bot out) or durable on disk."""

from __future__ import annotations

from storage.base import Store
from storage.memory_store import MemoryStore


def open_store(path: str | None) -> Store:
    """A TinyDBStore on `path`, or a MemoryStore when no path is given (nothing survives a restart)."""
    if path is None:
        return MemoryStore()
    from storage.tinydb import TinyDBStore  # only the durable store needs tinydb

    return TinyDBStore(path)
