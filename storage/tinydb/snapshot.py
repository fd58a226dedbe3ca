"""The snapshot file: loading it into the indexes (streamed, whole, or what still parses) and writing it.

`<store>` holds tables _meta {schema_version, journal_generation[, previous_generation]}, accounts,
identities, reminders, occurrences (open ones) and tallies, one document a line (storage.tinydb.layout).
A snapshot in that layout and the current schema is streamed a region at a time, decoded straight into
records; anything else (older schemas, other layouts, salvage) is read whole into a dict first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final

import msgspec

from storage.base import SCHEMA_VERSION, StorageError
from storage.indexes import ACCOUNTS, FEEDBACK, IDENTITIES, OCCURRENCES, REMINDERS, TALLIES, Indexes
from storage.records import Record, to_doc
from storage.tinydb.interning import SHARED_FIELDS, Interned
from storage.tinydb.layout import AtomicJSONStorage, Doc, NotLineFormat, decode_docs, iter_table_regions, salvage_lines
from storage.tinydb.loaders import BATCH_LOADERS, BUILDERS, record_key
from storage.tinydb.migrations import META, Tables, meta_doc, migrate, schema_version_of

log = logging.getLogger(__name__)

SNAPSHOT_TABLES: Final = (ACCOUNTS, IDENTITIES, REMINDERS, OCCURRENCES, TALLIES, FEEDBACK)


class Damaged(Exception):
    """A snapshot file that does not parse."""


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """What a snapshot's _meta says."""

    version: int  # the schema it was written in
    generation: int  # it holds every journal generation before this one
    previous_generation: int  # the previous snapshot's (journals from it on are kept); 0: none kept

    @classmethod
    def of(cls, meta: Mapping[str, Any], version: int) -> SnapshotInfo:
        return cls(version, int(meta.get("journal_generation", 1)), int(meta.get("previous_generation", 0)))


class SnapshotReader:
    """Loads snapshot files into `indexes`, sharing equal values through `interned`.

    `store_path` only names the store in log lines. A failed load may leave records behind: the caller
    clears the indexes before trying another file.
    """

    def __init__(self, indexes: Indexes, interned: Interned, store_path: str) -> None:
        self.indexes = indexes
        self.interned = interned
        self.store_path = store_path

    def read_file(self, path: str) -> SnapshotInfo | None:
        """Load the file; None when there is none (or it is empty). Raises Damaged when it does not parse."""
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return None
        with handle:
            try:
                return self._read_streaming(handle)
            except NotLineFormat:
                pass
            except (ValueError, KeyError, TypeError, msgspec.DecodeError) as exc:
                raise Damaged(f"{type(exc).__name__}: {exc}") from exc
        self.indexes.clear()
        try:
            raw = AtomicJSONStorage(path).read()
        except (ValueError, StorageError) as exc:
            raise Damaged(f"{type(exc).__name__}: {exc}") from exc
        if raw is None:
            return None
        try:
            return self._read_tables(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise Damaged(f"{type(exc).__name__}: {exc}") from exc

    def read_readable_lines(self, path: str, journal_generations: list[int], notes: list[str]) -> SnapshotInfo:
        """Salvage: every document line of a damaged snapshot that still parses, table by table (what was
        kept and skipped goes into `notes`)."""
        kept = skipped = 0
        raw: Tables = {}
        with open(path, "rb") as handle:
            for line in salvage_lines(handle):
                if line.table is not None:
                    raw.setdefault(line.table, {})
                if line.doc is None or line.table is None:
                    skipped += line.junk or line.doc is not None
                    continue
                try:
                    raw[line.table][str(len(raw[line.table]) + 1)] = json.loads(line.doc)
                    kept += 1
                except ValueError:
                    skipped += 1
        notes.append(f"read {kept} records that still parse from the damaged snapshot, skipped {skipped}")
        version = SCHEMA_VERSION if not raw.get(META) else schema_version_of(raw)
        if not raw.get(META):
            first = journal_generations[0] if journal_generations else 1
            raw[META] = {"1": {"schema_version": version, "journal_generation": first}}
        return self._read_tables(raw, tolerant=True)

    def _read_tables(self, raw: Tables, tolerant: bool = False) -> SnapshotInfo:
        """Load a whole-file dict (older schemas, other layouts, salvage)."""
        version = schema_version_of(raw)
        raw = migrate(raw, version)
        info = SnapshotInfo.of(meta_doc(raw), version)
        apply, fix = self.indexes.apply, self.interned.fix
        for table in SNAPSHOT_TABLES:
            build = BUILDERS[table]
            for doc in raw.get(table, {}).values():
                try:
                    record = build(fix(table, doc))
                except (ValueError, KeyError, TypeError, AttributeError):
                    if not tolerant:
                        raise
                    continue
                apply(table, record_key(record), record)
        for table in raw:
            if table not in SNAPSHOT_TABLES and table != META:
                log.warning("ignoring unknown table %r in %s", table, self.store_path)
        return info

    def _read_streaming(self, handle: IO[bytes]) -> SnapshotInfo:
        """Load a snapshot in the layout write_tables writes and in the current schema, a region of
        documents at a time; raises NotLineFormat for anything else (then it is read whole)."""
        meta: Doc | None = None
        apply = self.indexes.apply
        interned = self.interned
        ignored: set[str] = set()
        for table, region in iter_table_regions(handle):
            if table == META:
                docs = decode_docs(region)
                meta = docs[0] if docs and isinstance(docs[0], dict) else {}
                continue
            if meta is None or meta.get("schema_version") != SCHEMA_VERSION:
                raise NotLineFormat  # older schema: migrate through the whole-dict path
            build = BUILDERS.get(table)
            if build is None or table not in SNAPSHOT_TABLES:
                if table not in ignored:
                    ignored.add(table)
                    log.warning("ignoring unknown table %r in %s", table, self.store_path)
                continue
            loader = BATCH_LOADERS.get(build)
            if loader is not None:
                records, docs = loader.load(region, interned, SHARED_FIELDS.get(table, ()))
            else:
                records, docs = None, decode_docs(region)
            if records is None:  # one document at a time, the general way
                records = [build(interned.fix(table, doc)) for doc in docs]
            for key, record in zip(map(record_key, records), records, strict=True):
                apply(table, key, record)
        if meta is None or meta.get("schema_version") != SCHEMA_VERSION:
            raise NotLineFormat
        return SnapshotInfo.of(meta, SCHEMA_VERSION)


def write_snapshot(
    storage: AtomicJSONStorage,
    view: Mapping[str, list[Record]],
    generation: int,
    pace: Callable[[int], None] | None,
    previous: int | None = None,
    keep_previous: str | None = None,
) -> None:
    """Write the snapshot of `view` (table -> records); with `previous` (that snapshot's generation) the
    file it replaces is kept at `keep_previous`."""
    meta: Doc = {"schema_version": SCHEMA_VERSION, "journal_generation": generation}
    if previous is not None:
        meta["previous_generation"] = previous
    tables: list[tuple[str, Iterable[tuple[str | int, Mapping[str, Any] | str]]]] = [(META, [(1, meta)])]
    for table in SNAPSHOT_TABLES:
        tables.append((table, ((i, to_doc(r)) for i, r in enumerate(view[table], 1))))
    storage.write_tables(tables, pace=pace, keep_previous=keep_previous if previous is not None else None)
