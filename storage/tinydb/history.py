"""Resolved occurrences in per-account history files, with the changes since the last checkpoint in memory.

`<store>.history/<hh>/<account_id>.json` holds one account's history (TinyDB JSON: tables _meta,
history). History is not loaded at start-up (a year of it for 100k people is tens of millions of
rows). Changes to an account's history since the last checkpoint are kept per account (the overlay,
in memory and in the journal): resolving an occurrence never reads a file. They are what a checkpoint
writes, and reads lay them over the file's rows. The files' rows are cached for a bounded number of
accounts (LRU); the cache only ever holds what is on disk, so evicting never loses anything.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import os
import re
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from typing import Any, Final

from storage.base import SCHEMA_VERSION, StorageError
from storage.indexes import HISTORY
from storage.records import Delivery, Occurrence, Outcome, to_doc
from storage.tinydb.files import fsync_dir, make_dir
from storage.tinydb.layout import AtomicJSONStorage, NotLineFormat, encode_json, iter_doc_texts, salvage_lines
from storage.tinydb.loaders import occurrence_from_doc, set_deliveries
from storage.tinydb.migrations import META, Tables, migrate, schema_version_of

log = logging.getLogger(__name__)

# Accounts whose history file rows stay cached (~480 rows, ~0.1 MB in memory each for a year); a miss reads
# the file. Only the chart, /export and buttons of old reminders read history (tallies serve the rest): few.
HISTORY_CACHE_ACCOUNTS: Final = 64

PendingHistory = dict[str, dict[str, Occurrence | None]]  # account -> occurrence id -> record or deleted

# A history row in the cache: the Occurrence's field values in order, deliveries as tuples. CPython's
# collector stops tracking tuples of plain values, so a big cache adds nothing to garbage-collection pauses
# (as records, each row was 3 tracked objects: ~200 ms full collections with 256 accounts cached).
Row = tuple[Any, ...]
_FIELDS = tuple(f.name for f in fields(Occurrence))
_DELIVERIES = _FIELDS.index("deliveries")
_REMINDER_ID = _FIELDS.index("reminder_id")
_DUE = _FIELDS.index("due")
_STATUS = _FIELDS.index("status")
_row_values = operator.itemgetter(*_FIELDS)
_setters = tuple(vars(Occurrence)[name].__set__ for name in _FIELDS)


def row_from_doc(doc: dict[str, Any]) -> Row:
    if len(doc) == len(_FIELDS):
        try:
            row: Row = _row_values(doc)
        except KeyError:
            pass
        else:
            items = row[_DELIVERIES]
            return (*row[:_DELIVERIES], tuple(tuple(d) for d in items), *row[_DELIVERIES + 1 :])
    return row_from_record(occurrence_from_doc(doc))  # an older or foreign document: the slow, general way


def row_from_record(record: Occurrence) -> Row:
    values = [getattr(record, name) for name in _FIELDS]
    values[_DELIVERIES] = tuple((d.platform, d.chat_id, d.message_ref) for d in record.deliveries)
    return tuple(values)


def occurrence_from_row(row: Row) -> Occurrence:
    record = object.__new__(Occurrence)
    for set_slot, value in zip(_setters, row, strict=True):
        set_slot(record, value)
    set_deliveries(record, tuple(Delivery(*d) for d in row[_DELIVERIES]))
    return record


def history_path_for(path: str, account_id: str) -> str:
    """Where the store at `path` keeps this account's history: 256 buckets by a hash of the id."""
    bucket = f"{zlib.crc32(account_id.encode()) & 0xFF:02x}"
    if re.fullmatch(r"[A-Za-z0-9_-]{1,128}", account_id) is None:
        account_id = "~" + account_id.encode().hex()  # never let an id name another path
    return os.path.join(path + ".history", bucket, account_id + ".json")


def salvage_history_lines(path: str) -> dict[str, str]:
    """Occurrence id -> document JSON for every line of a (damaged) history file that still holds a whole,
    valid occurrence; the rest is dropped. The files are written one document a line, so one bad byte
    costs one row."""
    kept: dict[str, str] = {}
    with open(path, "rb") as handle:
        for line in salvage_lines(handle):
            if line.doc is None:
                continue
            try:
                doc = json.loads(line.doc)
                record = occurrence_from_doc(doc)
            except (ValueError, TypeError, KeyError):
                continue
            if isinstance(record.id, str) and isinstance(record.due, int | float) and not record.is_open:
                kept[record.id] = encode_json(to_doc(record))
    return kept


def _rows_of(raw: Tables | None) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    if raw is not None:
        raw = migrate(raw, schema_version_of(raw))
        for doc in raw.get(HISTORY, {}).values():
            row = row_from_doc(doc)
            rows[row[0]] = row
    return rows


def _as_tables(texts: Mapping[str, str]) -> Tables:
    docs = {str(i): json.loads(text) for i, text in enumerate(texts.values(), 1)}
    return {META: {"1": {"schema_version": SCHEMA_VERSION}}, HISTORY: docs}


def _doc_key_from_text(text: str) -> str:
    """The `id` of a document written by to_doc (it is the first field) without parsing it all."""
    if text.startswith('{"id":"'):
        end = text.find('"', 7)
        key = text[7:end]
        if end > 0 and "\\" not in key:
            return key
    doc = json.loads(text)
    return str(doc["id"])


class _Missing:
    """Undo marker: the key had no pending change before this transaction."""


_MISSING: Final = _Missing()


class HistoryFiles:
    """The history of every account: its file, then the changes a running checkpoint is writing
    (`inflight`), then the changes since (`overlay`). Called with the store's lock held, except for
    write_file, which a checkpoint calls on the changes it took out of the overlay."""

    def __init__(self, store_path: str, cache_accounts: int = HISTORY_CACHE_ACCOUNTS) -> None:
        self.store_path = store_path
        self.cache: OrderedDict[str, dict[str, Row]] = OrderedDict()  # LRU: rows of history files
        self._cache_limit = max(1, cache_accounts)
        self._overlay: PendingHistory = {}  # changes since the last checkpoint
        self._inflight: PendingHistory | None = None  # the changes a running checkpoint is writing
        self._undo: list[tuple[str, str, Occurrence | _Missing | None]] = []

    def path(self, account_id: str) -> str:
        return history_path_for(self.store_path, account_id)

    # Reading (storage.indexes.History) --------------------------------------------------------------
    def _pending(self, account_id: str) -> dict[str, Occurrence | None]:
        merged: dict[str, Occurrence | None] = {}
        for layer in (self._inflight, self._overlay):
            if layer is not None and account_id in layer:
                merged.update(layer[account_id])
        return merged

    def _file_rows(self, account_id: str) -> dict[str, Row]:
        rows = self.cache.get(account_id)
        if rows is not None:
            self.cache.move_to_end(account_id)
            return rows
        path = self.path(account_id)
        try:
            rows = _rows_of(AtomicJSONStorage(path).read())
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        except (ValueError, KeyError, TypeError, StorageError) as exc:
            rows = _rows_of(_as_tables(self._set_aside_damaged(path, account_id, exc)))
        while len(self.cache) >= self._cache_limit:
            self.cache.popitem(last=False)
        self.cache[account_id] = rows
        return rows

    def get(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        for layer in (self._overlay, self._inflight):  # newest first
            pending = None if layer is None else layer.get(account_id)
            if pending is not None and occurrence_id in pending:
                return pending[occurrence_id]
        row = self._file_rows(account_id).get(occurrence_id)
        return None if row is None else occurrence_from_row(row)

    def of(self, account_id: str) -> list[Occurrence]:
        pending = self._pending(account_id)
        found = [occurrence_from_row(r) for k, r in self._file_rows(account_id).items() if k not in pending]
        found.extend(r for r in pending.values() if r is not None)
        return found

    def outcomes(self, account_id: str) -> list[Outcome]:
        # Straight from the cached rows, without building a record per row: /progress reads a year of
        # history on every call, and records cost ~14 us each to build.
        pending = self._pending(account_id)
        rows = self._file_rows(account_id)
        found = [Outcome(r[_REMINDER_ID], r[_DUE], r[_STATUS]) for k, r in rows.items() if k not in pending]
        found.extend(Outcome(o.reminder_id, o.due, o.status) for o in pending.values() if o is not None)
        return found

    # Writing (storage.indexes.History) --------------------------------------------------------------
    def put(self, account_id: str, key: str, record: Occurrence | None) -> None:
        # A blind put into the overlay, no file read: a checkpoint writes it.
        pending = self._overlay.setdefault(account_id, {})
        self._undo.append((account_id, key, pending.get(key, _MISSING)))
        pending[key] = record

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        for account_id, key, previous in reversed(self._undo):
            pending = self._overlay.setdefault(account_id, {})
            if isinstance(previous, _Missing):
                pending.pop(key, None)
            else:
                pending[key] = previous
            if not pending:
                del self._overlay[account_id]
        self._undo.clear()

    def load(self, account_id: str, key: str, record: Occurrence | None) -> None:
        """A change replayed from the journal at start-up: pending until the next checkpoint."""
        self._overlay.setdefault(account_id, {})[key] = record

    # Checkpoints --------------------------------------------------------------------------------------
    @property
    def has_pending(self) -> bool:
        return bool(self._overlay)

    def begin_checkpoint(self) -> PendingHistory:
        """Take the changes since the last checkpoint for writing; new ones collect in a fresh overlay."""
        inflight, self._overlay = self._overlay, {}
        self._inflight = inflight
        return inflight

    def end_checkpoint(self, inflight: PendingHistory) -> None:
        """They are in their files now."""
        self._inflight = None
        self._forget_cached(inflight)

    def abort_checkpoint(self, inflight: PendingHistory) -> None:
        """They are not all written: pending again, under the changes made since (newer changes win)."""
        for account_id, pending in self._overlay.items():
            inflight.setdefault(account_id, {}).update(pending)
        self._overlay, self._inflight = inflight, None
        self._forget_cached(inflight)

    def _forget_cached(self, accounts: Iterable[str]) -> None:
        # Their files changed (or may have) while the cache could hold the old rows: read them again.
        for account_id in accounts:
            self.cache.pop(account_id, None)

    def write_file(
        self,
        account_id: str,
        pending: Mapping[str, Occurrence | None],
        dirs: set[str],
        pace: Callable[[int], None] | None,
    ) -> None:
        """Merge the changes into the account's file (removed when empty); directories to sync go into dirs."""
        path = self.path(account_id)
        by_key = self._texts(path, account_id)  # merge into the file's lines: old rows are not re-encoded
        for key, record in pending.items():
            if record is None:
                by_key.pop(key, None)
            else:
                by_key[key] = encode_json(to_doc(record))
        texts = list(by_key.values())
        directory = os.path.dirname(path)
        if not texts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                dirs.add(directory)
            return
        make_dir(directory, dirs)
        meta = {"schema_version": SCHEMA_VERSION, "account_id": account_id}
        AtomicJSONStorage(path).write_tables(
            [(META, [(1, meta)]), (HISTORY, enumerate(texts, 1))], sync_dir=False, pace=pace
        )
        dirs.add(directory)

    def _texts(self, path: str, account_id: str) -> dict[str, str]:
        """Occurrence id -> document JSON of a history file, in the current schema."""
        by_key: dict[str, str] = {}
        try:
            with open(path, "rb") as handle:
                version: int | None = None
                for table, texts in iter_doc_texts(handle):
                    if table == META:
                        version = json.loads(texts[0]).get("schema_version")
                    elif version != SCHEMA_VERSION:
                        raise NotLineFormat
                    elif table == HISTORY:
                        for text in texts:
                            by_key[_doc_key_from_text(text)] = text
                return by_key
        except FileNotFoundError:
            return by_key
        except NotLineFormat:
            pass
        except ValueError as exc:  # a line that is not JSON (or not text) any more
            return self._set_aside_damaged(path, account_id, exc)
        try:
            raw = AtomicJSONStorage(path).read() or {}
            raw = migrate(raw, schema_version_of(raw))
            return {str(doc["id"]): encode_json(doc) for doc in raw.get(HISTORY, {}).values()}
        except OSError:
            raise
        except (ValueError, KeyError, TypeError, StorageError) as exc:
            return self._set_aside_damaged(path, account_id, exc)

    def _set_aside_damaged(self, path: str, account_id: str, error: Exception) -> dict[str, str]:
        """A history file that no longer parses: move it aside, keep every row that still parses.

        One person's damaged file must not stop their /progress, /export or /forget, nor every checkpoint
        (which would let the journal grow without bound). The rows kept are written back as a fresh file
        at once; the damaged copy stays beside it for the operator until the person's /forget.
        """
        kept = salvage_history_lines(path)
        aside = f"{path}.damaged-{int(time.time())}"
        os.replace(path, aside)
        meta = {"schema_version": SCHEMA_VERSION, "account_id": account_id}
        if kept:
            AtomicJSONStorage(path).write_tables([(META, [(1, meta)]), (HISTORY, enumerate(kept.values(), 1))])
        else:
            fsync_dir(os.path.dirname(path))
        log.error(
            "history file %s was damaged (%s): kept %d rows that still parse, set the file aside as %s",
            path,
            type(error).__name__,
            len(kept),
            os.path.basename(aside),
        )
        return kept

    def remove_damaged_copies(self, account_id: str) -> None:
        """After a /forget: a set-aside copy of the account's file is theirs too."""
        directory, name = os.path.split(self.path(account_id))
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(directory):
                if entry.name.startswith(name + ".damaged-"):
                    os.unlink(entry.path)

    def stats(self) -> dict[str, int]:
        return {
            "history_loaded_accounts": len(self.cache),
            "history_loaded_rows": sum(len(rows) for rows in self.cache.values()),
            "history_pending_accounts": len(self._overlay),
            "history_pending_rows": sum(len(p) for p in self._overlay.values()),
        }
