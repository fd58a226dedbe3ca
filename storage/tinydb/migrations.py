"""Schema migrations of the stored TinyDB dicts: snapshot, history files and journal documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from storage.base import SCHEMA_VERSION, StorageError
from storage.indexes import REMINDERS

META: Final = "_meta"

Doc = dict[str, Any]
Tables = dict[str, dict[str, Any]]
Migration = Callable[[Tables], Tables]


def meta_doc(raw: Mapping[str, Any]) -> Doc:
    """The file's _meta document ({} when it has none)."""
    docs = raw.get(META)
    if isinstance(docs, dict):
        for doc in docs.values():
            if isinstance(doc, dict):
                return doc
    return {}


def _v0_to_v1(raw: Tables) -> Tables:
    """v0 (the first bot, Telegram only): no _meta table, and reminders had no `origin`."""
    for doc in raw.get(REMINDERS, {}).values():
        doc.setdefault("origin", "telegram")
    meta = meta_doc(raw)
    meta["schema_version"] = 1
    raw[META] = {"1": meta}
    return raw


# MIGRATIONS[v] turns a TinyDB dict of schema v into v + 1. Applied to the snapshot and to each history
# file when read; journal lines are migrated one document at a time (wrapped as a one-document dict).
MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


def schema_version_of(raw: Mapping[str, Any]) -> int:
    version = meta_doc(raw).get("schema_version", 0)
    return version if isinstance(version, int) else 0


def migrate(raw: Tables, version: int) -> Tables:
    if version > SCHEMA_VERSION:
        raise StorageError(f"data written by a newer ClearBack (schema {version} > {SCHEMA_VERSION})")
    for v in range(version, SCHEMA_VERSION):
        raw = MIGRATIONS[v](raw)
    return raw


def migrate_doc(table: str, doc: Doc | None, version: int) -> Doc | None:
    """One document of a journal line written in schema `version`, in the current schema."""
    if doc is None or version == SCHEMA_VERSION:
        return doc
    migrated = migrate({META: {"1": {"schema_version": version}}, table: {"1": doc}}, version)
    out = migrated.get(table, {}).get("1")
    return out if isinstance(out, dict) else None
