"""The durable store: a TinyDB JSON snapshot, an append-only journal beside it, per-account history files.

Files for `path` = data/clearback.json:

  clearback.json                 snapshot, TinyDB JSON: tables _meta {schema_version, journal_generation},
                                 accounts, identities, reminders, occurrences (open ones); one document a line
  clearback.json.journal.<g>     append-only, one line per commit: `<crc32 hex> <json [[table, key,
                                 account_id, doc or null], ...]>\\n`, written with one write + fdatasync
  clearback.json.history/<hh>/<account_id>.json
                                 one account's resolved occurrences, TinyDB JSON: tables _meta, history
  clearback.json.lock            flock: one process at a time

Guarantees:
- A commit returns once its journal line is on disk, so it survives kill -9 and power loss. If the line
  cannot be written (disk full, read-only) the journal is truncated back, memory rolls back and the
  commit raises StorageUnavailable; the next commit tries again.
- Files other than the journal are only ever replaced whole (temp file, fsync, rename, fsync the
  directory), so a crash leaves the old or the new version, never a torn one; mode 0o600, dirs 0o700.
- Open = load the snapshot (streamed a region of lines at a time, decoded straight into records: see
  storage.snapshot_io; never one whole-file dict unless the file is not in that layout), then replay every
  journal generation >= the snapshot's `journal_generation`. Every change is a full put or delete of a
  keyed record, so replaying a change the files already hold is harmless. A torn or CRC-failing line at
  the end of the last generation is a commit that was never acknowledged: it is dropped and truncated
  away. A bad line with good lines after it is corruption: it is logged as an error and skipped (the
  later, acknowledged commits are kept rather than thrown away with it; each line is a whole
  transaction, so nothing is half-applied).
- Checkpoint: under the lock, rotate to a new journal generation and take shallow copies of the tables
  (records are immutable) and of the history changes since the last checkpoint; then, without the lock,
  write the dirty history files and the snapshot, and only then delete the older generations. A crash
  anywhere in between loses nothing: the old generations stay until the snapshot naming the new one is
  durable.

History is not loaded at start-up (a year of it for 100k people is tens of millions of rows). Changes
to an account's history since the last checkpoint are kept per account (`_overlay`, in memory and in the
journal): resolving an occurrence never reads a file. They are what a checkpoint writes, and reads lay
them over the file's rows. The files' rows are cached for a bounded number of accounts (LRU); the cache
only ever holds what is on disk, so evicting never loses anything.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import heapq
import json
import logging
import operator
import os
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields
from typing import IO, Any, Final

import msgspec
from tinydb import TinyDB
from tinydb.storages import Storage

from storage.base import SCHEMA_VERSION, StorageError, StorageLocked, StorageUnavailable
from storage.memory_store import (
    ACCOUNTS,
    HISTORY,
    IDENTITIES,
    OCCURRENCES,
    REMINDERS,
    TALLIES,
    Change,
    MemoryStore,
)
from storage.records import (
    Account,
    Delivery,
    IdentityRecord,
    Occurrence,
    Outcome,
    R,
    Record,
    Reminder,
    Tally,
    from_doc,
    to_doc,
)
from storage.snapshot_io import (
    Interned,
    NotLineFormat,
    TableLoader,
    decode_docs,
    deliveries_column,
    iter_table_regions,
)

log = logging.getLogger(__name__)

META: Final = "_meta"
SNAPSHOT_TABLES: Final = (ACCOUNTS, IDENTITIES, REMINDERS, OCCURRENCES, TALLIES)
# A checkpoint starts when the journal reaches max(JOURNAL_CHECKPOINT_BYTES, snapshot size / 8). A checkpoint
# rewrites the whole snapshot, so this bounds that work to 8 bytes per journal byte, and replaying the
# journal at start-up to ~1/8 of loading the snapshot (100k people: 176 MB snapshot, ~22 MB journal).
JOURNAL_CHECKPOINT_BYTES: Final = 16 << 20
SNAPSHOT_TO_JOURNAL: Final = 8
# A background checkpoint writes at most this fast and fdatasyncs every SYNC_EVERY bytes: on a shared disk
# a big burst of dirty data makes every commit's fdatasync wait behind it (measured: p99 ~100 ms vs 3 ms).
BACKGROUND_WRITE_RATE: Final = 48 << 20
SYNC_EVERY: Final = 1 << 20
# Accounts whose history file rows stay cached (~480 rows, ~0.1 MB in memory each for a year); a miss reads
# the file. Only the chart, /export and buttons of old reminders read history (tallies serve the rest): few.
HISTORY_CACHE_ACCOUNTS: Final = 64
AUTO_CHECKPOINT_RETRY_S: Final = 60.0  # after a failed background checkpoint, commits wait this long to retry
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700

Doc = dict[str, Any]
Tables = dict[str, dict[str, Any]]
Migration = Callable[[Tables], Tables]


# Schema migrations ------------------------------------------------------------------------------
def _meta_doc(raw: Mapping[str, Any]) -> Doc:
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
    meta = _meta_doc(raw)
    meta["schema_version"] = 1
    raw[META] = {"1": meta}
    return raw


# MIGRATIONS[v] turns a TinyDB dict of schema v into v + 1. Applied to the snapshot and to each history
# file when read; journal lines are migrated one document at a time (wrapped as a one-document dict).
MIGRATIONS: dict[int, Migration] = {0: _v0_to_v1}


def schema_version_of(raw: Mapping[str, Any]) -> int:
    version = _meta_doc(raw).get("schema_version", 0)
    return version if isinstance(version, int) else 0


def migrate(raw: Tables, version: int) -> Tables:
    if version > SCHEMA_VERSION:
        raise StorageError(f"data written by a newer ClearBack (schema {version} > {SCHEMA_VERSION})")
    for v in range(version, SCHEMA_VERSION):
        raw = MIGRATIONS[v](raw)
    return raw


def _migrate_doc(table: str, doc: Doc | None, version: int) -> Doc | None:
    if doc is None or version == SCHEMA_VERSION:
        return doc
    migrated = migrate({META: {"1": {"schema_version": version}}, table: {"1": doc}}, version)
    out = migrated.get(table, {}).get("1")
    return out if isinstance(out, dict) else None


# Records from stored dicts ----------------------------------------------------------------------
def _fast_builder(cls: type[R], *, dicts: tuple[str, ...] = ()) -> Callable[[Doc], R]:
    """from_doc for the common case, ~2x faster: a doc with exactly the record's fields (what this store
    writes) fills the slots directly; anything else (older or foreign documents) goes to from_doc.

    It also registers the same for a whole region of the snapshot (BATCH_LOADERS), where equal dicts in
    the fields `dicts` are shared too (as _Canon.fix does for one document).
    """
    names = tuple(f.name for f in fields(cls))
    if hasattr(cls, "__post_init__"):  # validation must run: take the ordinary constructor
        return lambda doc: from_doc(cls, doc)
    setters = tuple((name, getattr(cls, name).__set__) for name in names)
    new = object.__new__
    count = len(names)

    def build(doc: Doc) -> R:
        if len(doc) == count:
            record = new(cls)
            try:
                for name, set_slot in setters:
                    set_slot(record, doc[name])
            except KeyError:
                pass
            else:
                return record
        return from_doc(cls, doc)

    BATCH_LOADERS[build] = TableLoader(cls, dicts=dicts)
    return build


# The region-at-a-time equivalent of a per-document builder in BUILDERS (see storage.snapshot_io).
BATCH_LOADERS: dict[Callable[[Doc], Any], TableLoader[Any]] = {}

_account = _fast_builder(Account)
_identity = _fast_builder(IdentityRecord)
_reminder = _fast_builder(Reminder, dicts=("schedule",))
_occurrence_slots = _fast_builder(Occurrence)
_set_deliveries = vars(Occurrence)["deliveries"].__set__


def _occurrence(doc: Doc) -> Occurrence:
    items = doc.get("deliveries")
    record = _occurrence_slots(doc)
    if items is not None and items.__class__ is not tuple:  # JSON lists -> tuple of Delivery
        _set_deliveries(record, tuple(Delivery(*item) for item in items))
    return record


BATCH_LOADERS[_occurrence] = TableLoader(Occurrence, convert={"deliveries": deliveries_column})


BUILDERS: dict[str, Callable[[Doc], Record]] = {
    ACCOUNTS: _account,
    IDENTITIES: _identity,
    REMINDERS: _reminder,
    OCCURRENCES: _occurrence,
    HISTORY: _occurrence,
    TALLIES: _fast_builder(Tally),
}


# A history row in the cache: the Occurrence's field values in order, deliveries as tuples.
_Row = tuple[Any, ...]
_OCCURRENCE_FIELDS = tuple(f.name for f in fields(Occurrence))
_DELIVERIES = _OCCURRENCE_FIELDS.index("deliveries")
_REMINDER_ID = _OCCURRENCE_FIELDS.index("reminder_id")
_DUE = _OCCURRENCE_FIELDS.index("due")
_STATUS = _OCCURRENCE_FIELDS.index("status")
_row_values = operator.itemgetter(*_OCCURRENCE_FIELDS)


def _row_from_doc(doc: Doc) -> _Row:
    if len(doc) == len(_OCCURRENCE_FIELDS):
        try:
            row: _Row = _row_values(doc)
        except KeyError:
            pass
        else:
            items = row[_DELIVERIES]
            return (*row[:_DELIVERIES], tuple(tuple(d) for d in items), *row[_DELIVERIES + 1 :])
    return _row_from_record(_occurrence(doc))  # an older or foreign document: the slow, general way


def _row_from_record(record: Occurrence) -> _Row:
    values = [getattr(record, name) for name in _OCCURRENCE_FIELDS]
    values[_DELIVERIES] = tuple((d.platform, d.chat_id, d.message_ref) for d in record.deliveries)
    return tuple(values)


_occurrence_setters = tuple(vars(Occurrence)[name].__set__ for name in _OCCURRENCE_FIELDS)


def _occurrence_from_row(row: _Row) -> Occurrence:
    record = object.__new__(Occurrence)
    for set_slot, value in zip(_occurrence_setters, row, strict=True):
        set_slot(record, value)
    _set_deliveries(record, tuple(Delivery(*d) for d in row[_DELIVERIES]))
    return record


def record_key(record: Record) -> str:
    if isinstance(record, IdentityRecord):
        return record.key
    return record.reminder_id if isinstance(record, Tally) else record.id


# Files ------------------------------------------------------------------------------------------
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # ASCII-only output: one line per document
_decode_json = msgspec.json.Decoder().decode
_TABLE_HEADER = re.compile(r'"([A-Za-z0-9_]+)":\{')


def history_path_for(path: str, account_id: str) -> str:
    """Where the store at `path` keeps this account's history: 256 buckets by a hash of the id."""
    bucket = f"{zlib.crc32(account_id.encode()) & 0xFF:02x}"
    if re.fullmatch(r"[A-Za-z0-9_-]{1,128}", account_id) is None:
        account_id = "~" + account_id.encode().hex()  # never let an id name another path
    return os.path.join(path + ".history", bucket, account_id + ".json")


_NotLineFormat = NotLineFormat
_DOC_LINE = re.compile(rb'\s*"\d+":(\{.*\}),?\s*')


def salvage_history_lines(path: str) -> dict[str, str]:
    """Occurrence id -> document JSON for every line of a (damaged) history file that still holds a whole,
    valid occurrence; the rest is dropped. The files are written one document a line, so one bad byte
    costs one row."""
    kept: dict[str, str] = {}
    with open(path, "rb") as handle:
        for line in handle:
            match = _DOC_LINE.fullmatch(line)
            if match is None:
                continue
            try:
                doc = json.loads(match.group(1))
                record = _occurrence(doc)
            except (ValueError, TypeError, KeyError):
                continue
            if isinstance(record.id, str) and isinstance(record.due, int | float) and not record.is_open:
                kept[record.id] = _ENCODE(to_doc(record))
    return kept


def _rows_of(raw: Tables | None) -> dict[str, _Row]:
    rows: dict[str, _Row] = {}
    if raw is not None:
        raw = migrate(raw, schema_version_of(raw))
        for doc in raw.get(HISTORY, {}).values():
            row = _row_from_doc(doc)
            rows[row[0]] = row
    return rows


def _as_tables(texts: Mapping[str, str]) -> Tables:
    docs = {str(i): json.loads(text) for i, text in enumerate(texts.values(), 1)}
    return {META: {"1": {"schema_version": SCHEMA_VERSION}}, HISTORY: docs}


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _datasync(fd: int) -> None:
    # fdatasync also flushes the file size, which is all an append needs.
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def _make_dir(path: str, created: set[str] | None = None) -> None:
    """mkdir -p with mode 0o700; new directories' parents go into `created` (they need an fsync)."""
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        _make_dir(parent, created)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, DIR_MODE)
        if created is not None:
            created.add(parent or ".")


_BATCH = 2000  # documents decoded per json.loads call: shares key strings, bounds the transient memory


def iter_doc_batches(lines: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """(table, [document JSON, ...]) in batches, from a file in the layout `write_tables` writes.

    Raises _NotLineFormat on any other layout (plain TinyDB writes everything on one line): the caller
    then reads the file whole with json, which also decides whether it is valid at all.
    """
    it = iter(lines)
    if next(it, None) != "{\n":
        raise _NotLineFormat
    table = ""
    batch: list[str] = []
    state = _FIRST_TABLE
    for line in it:
        if state == _DOCS:
            if line[0] == '"':  # `"<doc_id>":{...},` -- by far the most common line
                colon = line.find('":')
                if colon < 2 or not line[1:colon].isdigit():
                    raise _NotLineFormat
                batch.append(line[colon + 2 :].rstrip(",\n"))  # a document ends with "}": safe to strip
                if len(batch) >= _BATCH:
                    yield table, batch
                    batch = []
                continue
            if batch:
                yield table, batch
                batch = []
            if line == "},\n":
                state = _NEXT_TABLE
            elif line.rstrip("\n") == "}":
                state = _LAST_BRACE
            else:
                raise _NotLineFormat
        elif state in (_FIRST_TABLE, _NEXT_TABLE):
            match = _TABLE_HEADER.fullmatch(line.rstrip("\n"))
            if match is not None:
                table, state = match.group(1), _DOCS
            elif state == _FIRST_TABLE and line.rstrip("\n") == "}":
                state = _DONE
            else:
                raise _NotLineFormat
        elif state == _LAST_BRACE and line.rstrip("\n") == "}":
            state = _DONE
        elif state != _DONE or line.strip():
            raise _NotLineFormat
    if state != _DONE:
        raise _NotLineFormat


_FIRST_TABLE, _DOCS, _NEXT_TABLE, _LAST_BRACE, _DONE = range(5)


class _Canon(Interned):
    """Interned values, and the same one document at a time (journal lines, older snapshots).

    Sharing a schedule dict between reminders is safe because records are immutable and nothing
    mutates reminder.schedule (an update is a new record with a new dict).
    """

    __slots__ = ("schedules",)

    def __init__(self) -> None:
        super().__init__()
        self.schedules: dict[tuple[Any, ...], dict[str, Any]] = {}

    def fix(self, table: str, doc: Doc) -> Doc:
        setdefault = self.strings.setdefault
        for name in _SHARED_FIELDS.get(table, ()):
            value = doc.get(name)
            if value.__class__ is str:
                doc[name] = setdefault(value, value)
        if table == REMINDERS:
            schedule = doc.get("schedule")
            if schedule.__class__ is dict:
                key = _schedule_key(schedule)
                if key is not None:
                    doc["schedule"] = self.schedules.setdefault(key, schedule)
        return doc


def _schedule_key(schedule: dict[str, Any]) -> tuple[Any, ...] | None:
    """A hashable stand-in for the dict's contents, or None (then it is not shared).

    Types are part of the key: 1, 1.0 and True are equal as dict keys but must not be swapped.
    """
    key: tuple[Any, ...] | None = None
    if len(schedule) == 6:  # what bot.timing.recurrence.schedule_to_dict writes: the quick way
        with contextlib.suppress(KeyError, TypeError):
            every = schedule["every"]
            key = (
                schedule["kind"],
                schedule["at"],
                tuple(schedule["weekdays"]),
                every,
                every.__class__,
                schedule["anchor"],
                schedule["once_utc"],
            )
            hash(key)
            return key
    try:
        key = tuple((k, v.__class__, tuple(v) if v.__class__ is list else v) for k, v in schedule.items())
        hash(key)
    except TypeError:  # something unhashable inside (a nested dict, a list of lists)
        return None
    return key


_SHARED_FIELDS: dict[str, tuple[str, ...]] = {  # fields whose values repeat across many records
    ACCOUNTS: ("id", "timezone", "deliver_to"),
    IDENTITIES: ("account_id", "platform"),
    REMINDERS: ("id", "account_id", "kind", "origin", "text"),
    OCCURRENCES: ("account_id", "reminder_id", "text", "status"),
    HISTORY: ("account_id", "text", "status"),
    TALLIES: ("reminder_id", "account_id"),  # the ids of REMINDERS, loaded first: one string each
}


def _doc_key_from_text(text: str) -> str:
    """The `id` of a document written by to_doc (it is the first field) without parsing it all."""
    if text.startswith('{"id":"'):
        end = text.find('"', 7)
        key = text[7:end]
        if end > 0 and "\\" not in key:
            return key
    doc = json.loads(text)
    return str(doc["id"])


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never leaves a half-written file.

    read(): plain json load. write(): temp file in the same directory, fsync, os.replace, fsync the
    directory; mode 0o600. It writes one document a line (still plain TinyDB JSON, readable by
    tinydb.TinyDB(path)), which lets the store stream big files instead of building one giant dict.
    """

    def __init__(self, path: str, create_dirs: bool = False, **_: Any) -> None:
        super().__init__()
        self.path = path
        if create_dirs:
            _make_dir(os.path.dirname(path) or ".")

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        if not data.strip():
            return None
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise StorageError(f"{self.path} is not a TinyDB file")
        return raw

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_tables((name, docs.items()) for name, docs in data.items())

    def write_tables(
        self,
        tables: Iterable[tuple[str, Iterable[tuple[str | int, Mapping[str, Any] | str]]]],
        *,
        sync_dir: bool = True,
        pace: Callable[[int], None] | None = None,
        durable: bool = True,
        keep_previous: str | None = None,
    ) -> None:
        """Write {table: {doc_id: doc}} atomically; a doc may be a dict or its JSON text already.

        With `keep_previous`, the file being replaced stays at that path (a hard link: no copy), so a
        snapshot that later turns out damaged can be rebuilt from the one before it and the journals.

        With `pace` (background checkpoints) it is told the bytes written every few dozen documents
        (it sleeps to cap the rate and to hand the GIL to the event loop), and the file is fdatasynced
        every SYNC_EVERY bytes so the final fsync never has a burst to flush.
        durable=False skips the fsyncs: only for generating test data in bulk.
        """
        tmp = self.path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
        try:
            with os.fdopen(fd, "w", encoding="ascii", buffering=1 << 20) as handle:
                write = handle.write
                written = unsynced = reported = 0
                write("{")
                count = 0
                for t_index, (name, docs) in enumerate(tables):
                    write(("\n" if t_index == 0 else ",\n") + json.dumps(name) + ":{")
                    sep = "\n"
                    for doc_id, doc in docs:
                        text = doc if isinstance(doc, str) else _ENCODE(doc)
                        written += write(f'{sep}"{doc_id}":{text}')
                        sep = ",\n"
                        count += 1
                        if pace is not None and count % 32 == 0:
                            pace(written - reported)
                            reported = written
                            if written - unsynced >= SYNC_EVERY and durable:
                                handle.flush()
                                _datasync(handle.fileno())
                                unsynced = written
                    write("\n}")
                write("\n}\n")
                handle.flush()
                if pace is not None:
                    pace(written - reported)
                if durable:
                    os.fsync(handle.fileno())
            if keep_previous is not None and os.path.exists(self.path):
                staged = keep_previous + ".tmp"
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staged)
                os.link(self.path, staged)
                os.replace(staged, keep_previous)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if sync_dir and durable:
            _fsync_dir(os.path.dirname(self.path) or ".")


class _Pacer:
    """Keeps a background checkpoint gentle with the event loop's commits.

    Disk: at most `rate` bytes/s. CPU: after ~0.5 ms of work it sleeps ~0.1 ms. A thread that only
    releases the GIL for a moment (sleep(0)) usually takes it straight back, and a commit waiting for
    the GIL then waits the full switch interval (5 ms) after each of its syscalls; a real sleep hands
    the GIL over at once (measured at 100k people: commit p99 during a checkpoint 40 ms -> see bench).
    """

    def __init__(self, rate: int, work_s: float = 0.0005, rest_s: float = 0.0001) -> None:
        self.rate = rate
        self.work_s = work_s
        self.rest_s = rest_s
        self.started = self.rested = time.monotonic()
        self.done = 0

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        now = time.monotonic()
        ahead = self.done / self.rate - (now - self.started)
        if ahead > 0:
            time.sleep(ahead)
        elif now - self.rested >= self.work_s:
            time.sleep(self.rest_s)
        else:
            return
        self.rested = time.monotonic()


# The store --------------------------------------------------------------------------------------
class _Missing:
    """Undo marker: the key had no pending change before this transaction."""


_MISSING: Final = _Missing()

PendingHistory = dict[str, dict[str, Occurrence | None]]  # account -> occurrence id -> record or deleted


class TinyDBStore(MemoryStore):
    def __init__(
        self,
        path: str,
        *,
        checkpoint_bytes: int = JOURNAL_CHECKPOINT_BYTES,
        history_cache_accounts: int = HISTORY_CACHE_ACCOUNTS,
        freeze_gc: bool = True,
        salvage: bool = False,
    ) -> None:
        """Open (or create) the store at `path`.

        salvage=True is for `run_bot.py salvage` only: a damaged snapshot is replaced by the previous one
        (or by its lines that still parse) and damaged journal lines are skipped instead of refused.
        """
        super().__init__()
        self.path = os.path.abspath(path)
        self._dir = os.path.dirname(self.path)
        self._name = os.path.basename(self.path)
        self._checkpoint_bytes = checkpoint_bytes
        self._cache_limit = max(1, history_cache_accounts)
        self._journal_re = re.compile(re.escape(self._name) + r"\.journal\.(\d+)")
        self._closed = False
        self._lock_fd = -1
        self._journal_fd = -1
        self._generation = 0  # the journal generation commits append to
        self._snapshot_generation = 0  # the snapshot holds every generation before this one
        self._previous_generation = 0  # the previous snapshot's: journals from it on are kept (0: none kept)
        self._scrub_requested = False  # someone was forgotten: the next checkpoint keeps no older copy
        self._salvage = salvage
        self.salvage_notes: list[str] = []  # salvage mode: what was read from where, what was skipped
        self._journal_size = 0
        self._bad_tail: int | None = None  # a failed append we could not truncate away yet
        self._changed_since_snapshot = False
        self._history_cache: OrderedDict[str, dict[str, _Row]] = OrderedDict()  # LRU: rows of history files
        self._overlay: PendingHistory = {}  # history changes since the last checkpoint
        self._inflight: PendingHistory | None = None  # the changes a running checkpoint is writing
        self._overlay_undo: list[tuple[str, str, Occurrence | _Missing | None]] = []
        self._checkpoint_mutex = threading.Lock()
        self._background: threading.Thread | None = None
        self.last_checkpoint_error: BaseException | None = None
        self._auto_checkpoint_after = 0.0  # monotonic time before which commits do not start one
        self._snapshot_bytes = 0
        self.recovery: dict[str, int] = {}  # what open found: replayed lines, dropped bytes, bad lines
        self._canon = _Canon()
        self._loading = False  # while opening, due entries are collected and heapified once
        self._migrated_from: int | None = None  # the schema version the snapshot was migrated from

        try:
            created: set[str] = set()
            _make_dir(self._dir, created)
            for parent in created:  # a new data directory's own name must survive a crash too
                _fsync_dir(parent)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {self._dir}: {exc.strerror or exc}") from exc
        self._acquire_lock()
        try:
            self._db = TinyDB(self.path, storage=AtomicJSONStorage)
            storage = self._db.storage
            assert isinstance(storage, AtomicJSONStorage)
            self._storage = storage
            self._open(freeze_gc)
        except BaseException:
            self._release_files()
            raise

    # Opening ------------------------------------------------------------------------------------
    def _acquire_lock(self) -> None:
        lock_path = self.path + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create {lock_path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StorageLocked(
                    f"{self.path} is already open (process {holder} holds {lock_path}). "
                    "Only one ClearBack process may use a data file: stop the other one first."
                ) from exc
            raise StorageUnavailable(f"cannot lock {lock_path}: {exc.strerror or exc}") from exc
        self._lock_fd = fd
        with contextlib.suppress(OSError):  # the pid is only for the message above
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def _journal_path(self, generation: int) -> str:
        return f"{self.path}.journal.{generation}"

    def _journal_generations(self) -> list[int]:
        found = []
        for name in os.listdir(self._dir):
            match = self._journal_re.fullmatch(name)
            if match is not None:
                found.append(int(match.group(1)))
        return sorted(found)

    def _open(self, freeze_gc: bool) -> None:
        # ~900k records at 100k people, all long-lived: a collection during the load only wastes time,
        # and so would the first one after it (a young generation of everything loaded: ~1 s), so the
        # collector stays off until what was loaded is frozen out of its sight.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        opened = False
        try:
            self._open_files()
            opened = True
        finally:
            if opened and freeze_gc:
                gc.freeze()
            if gc_was_enabled:
                gc.enable()
        if self._migrated_from is not None:
            self._changed_since_snapshot = True
            log.warning("migrated %s from schema %d to %d", self.path, self._migrated_from, SCHEMA_VERSION)
            self.checkpoint()  # from now on every journal line is in the current schema
        if self._scrub_requested:  # a /forget replayed from the journal: its older copies go now
            self.checkpoint_in_background()

    def _open_files(self) -> None:
        started = time.perf_counter()
        generations = self._journal_generations()
        self._loading = True
        version = self._load_snapshot()
        if version is None:
            if generations:
                raise StorageError(
                    f"{self.path} is missing but journal files exist ({generations}); refusing to start "
                    "with what would be a partial database. Restore the snapshot file."
                )
            self._snapshot_generation = 1
            self._write_snapshot_tables({t: [] for t in SNAPSHOT_TABLES}, 1, None)
            version = SCHEMA_VERSION
        # Generations below the previous snapshot's are folded into both snapshots (a checkpoint that
        # stopped after its snapshot was durable left them); from it on they are kept to rebuild from it.
        self._delete_journals_before(self._previous_generation or self._snapshot_generation)
        self._sweep_temporary_files()
        live = [g for g in generations if g >= self._snapshot_generation]
        expected = list(range(self._snapshot_generation, live[-1] + 1)) if live else []
        if live != expected:
            log.error("journal generations %s: expected %s; the missing ones are lost", live, expected)
        loaded = time.perf_counter()
        self.recovery["snapshot_ms"] = int((loaded - started) * 1000)
        try:
            for generation in live:
                self._replay(generation, is_last=generation == live[-1], version=version)
        finally:
            self._loading = False
            heapq.heapify(self._due_heap)
        self.recovery["replay_ms"] = int((time.perf_counter() - loaded) * 1000)
        self._canon = _Canon()  # only for loading: let the look-up tables go
        self._generation = live[-1] if live else self._snapshot_generation
        self._open_journal(self._generation)
        self._snapshot_bytes = os.path.getsize(self.path)
        self.recovery["open_ms"] = int((time.perf_counter() - started) * 1000)
        self._migrated_from = version if version < SCHEMA_VERSION else None

    @property
    def previous_snapshot_path(self) -> str:
        return self.path + ".prev"

    def _load_snapshot(self) -> int | None:
        """Load the snapshot into memory; its schema version, or None when there is none.

        A damaged snapshot stops start-up with the salvage command to run; in salvage mode the previous
        snapshot is read instead (the journals from its generation on are kept), else what still parses.
        """
        try:
            return self._load_snapshot_file(self.path)
        except _Damaged as damage:
            if not self._salvage:
                raise StorageError(
                    f"{self.path} is damaged ({damage}). Nothing was changed. To rebuild it from the previous "
                    f"snapshot and the journals, stop the bot and run: {salvage_command(self.path)}"
                ) from damage
            self.salvage_notes.append(f"snapshot damaged ({damage})")
        self._clear_memory()
        try:
            version = self._load_snapshot_file(self.previous_snapshot_path)
        except _Damaged as damage:
            self.salvage_notes.append(f"previous snapshot damaged too ({damage})")
            version = None
        if version is not None:
            self.salvage_notes.append(f"read the previous snapshot (generation {self._snapshot_generation})")
            return version
        self._clear_memory()
        return self._load_readable_lines(self.path)

    def _load_snapshot_file(self, path: str) -> int | None:
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return None
        with handle:
            try:
                return self._load_streaming(handle)
            except _NotLineFormat:
                pass
            except (ValueError, KeyError, TypeError, msgspec.DecodeError) as exc:
                raise _Damaged(f"{type(exc).__name__}: {exc}") from exc
        self._clear_memory()
        try:
            raw = AtomicJSONStorage(path).read()
        except (ValueError, StorageError) as exc:
            raise _Damaged(f"{type(exc).__name__}: {exc}") from exc
        if raw is None:
            return None
        try:
            return self._load_tables(raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise _Damaged(f"{type(exc).__name__}: {exc}") from exc

    def _load_readable_lines(self, path: str) -> int:
        """Salvage: every document line of a damaged snapshot that still parses, table by table."""
        kept = skipped = 0
        table: str | None = None
        raw: Tables = {}
        with open(path, "rb") as handle:
            for line in handle:
                header = re.fullmatch(rb',?\s*"([A-Za-z0-9_]+)":\{\s*', line)
                if header is not None:
                    table = header.group(1).decode()
                    raw.setdefault(table, {})
                    continue
                match = _DOC_LINE.fullmatch(line)
                if match is None or table is None:
                    skipped += line.strip() not in (b"{", b"}", b"},", b"")
                    continue
                try:
                    raw[table][str(len(raw[table]) + 1)] = json.loads(match.group(1))
                    kept += 1
                except ValueError:
                    skipped += 1
        self.salvage_notes.append(f"read {kept} records that still parse from the damaged snapshot, skipped {skipped}")
        version = SCHEMA_VERSION if not raw.get(META) else schema_version_of(raw)
        if not raw.get(META):
            generations = self._journal_generations()
            raw[META] = {"1": {"schema_version": version, "journal_generation": generations[0] if generations else 1}}
        return self._load_tables(raw, tolerant=True)

    def _load_tables(self, raw: Tables, tolerant: bool = False) -> int:
        """Load a whole-file dict (older schemas, other layouts, salvage) into memory."""
        version = schema_version_of(raw)
        raw = migrate(raw, version)
        self._snapshot_generation = int(_meta_doc(raw).get("journal_generation", 1))
        self._previous_generation = int(_meta_doc(raw).get("previous_generation", 0))
        for table in SNAPSHOT_TABLES:
            build = BUILDERS[table]
            for doc in raw.get(table, {}).values():
                try:
                    record = build(self._canon.fix(table, doc))
                except (ValueError, KeyError, TypeError, AttributeError):
                    if not tolerant:
                        raise
                    continue
                self._apply(table, record_key(record), record)
        for table in raw:
            if table not in SNAPSHOT_TABLES and table != META:
                log.warning("ignoring unknown table %r in %s", table, self.path)
        return version

    def _load_streaming(self, handle: IO[bytes]) -> int:
        """Load a snapshot in the layout write_tables writes and in the current schema, a batch of
        documents at a time; raises _NotLineFormat for anything else (then it is read whole)."""
        meta: Doc | None = None
        apply = self._apply
        canon = self._canon
        ignored: set[str] = set()
        for table, region in iter_table_regions(handle):
            if table == META:
                docs = decode_docs(region)
                meta = docs[0] if docs and isinstance(docs[0], dict) else {}
                continue
            if meta is None or meta.get("schema_version") != SCHEMA_VERSION:
                raise _NotLineFormat  # older schema: migrate through the whole-dict path
            build = BUILDERS.get(table)
            if build is None or table not in SNAPSHOT_TABLES:
                if table not in ignored:
                    ignored.add(table)
                    log.warning("ignoring unknown table %r in %s", table, self.path)
                continue
            loader = BATCH_LOADERS.get(build)
            if loader is not None:
                records, docs = loader.load(region, canon, _SHARED_FIELDS.get(table, ()))
            else:
                records, docs = None, decode_docs(region)
            if records is None:  # one document at a time, the general way
                records = [build(canon.fix(table, doc)) for doc in docs]
            for key, record in zip(map(record_key, records), records, strict=True):
                apply(table, key, record)
        if meta is None or meta.get("schema_version") != SCHEMA_VERSION:
            raise _NotLineFormat
        self._snapshot_generation = int(meta.get("journal_generation", 1))
        self._previous_generation = int(meta.get("previous_generation", 0))
        return SCHEMA_VERSION

    def _clear_memory(self) -> None:
        """Forget a partly loaded snapshot: every table and index back to empty."""
        MemoryStore.__init__(self)

    def _replay(self, generation: int, *, is_last: bool, version: int) -> None:
        path = self._journal_path(generation)
        with open(path, "rb") as handle:
            data = handle.read()
        offset = 0
        bad: list[tuple[int, int]] = []  # (line number, byte offset) of lines that failed their check
        first_bad_tail: int | None = None
        applied = 0
        number = 0
        while offset < len(data):
            end = data.find(b"\n", offset)
            line = data[offset:] if end < 0 else data[offset:end]
            changes = None if end < 0 else _decode_line(line)
            number += 1
            if changes is None:
                bad.append((number, offset))
                if first_bad_tail is None:
                    first_bad_tail = offset
            else:
                if first_bad_tail is not None:  # good lines after bad ones: those were corruption
                    self._corrupt_lines(path, bad)
                    bad.clear()
                    first_bad_tail = None
                self._replay_changes(changes, version)
                applied += 1
            offset = len(data) if end < 0 else end + 1
        if first_bad_tail is not None:
            dropped = len(data) - first_bad_tail
            if is_last:
                # The last commit was torn by the crash: it was never acknowledged.
                log.warning("journal %s: dropping %d bytes of an unfinished commit at the end", path, dropped)
                with open(path, "r+b") as handle:
                    handle.truncate(first_bad_tail)
                    os.fsync(handle.fileno())
                self.recovery["dropped_tail_bytes"] = self.recovery.get("dropped_tail_bytes", 0) + dropped
            else:
                self._corrupt_lines(path, bad)
        self.recovery["replayed_lines"] = self.recovery.get("replayed_lines", 0) + applied
        if applied:
            self._changed_since_snapshot = True

    def _corrupt_lines(self, path: str, bad: list[tuple[int, int]]) -> None:
        """Damaged lines with acknowledged commits after them: refuse to start (skipping them silently would
        lose those commits' changes without a word), unless salvaging, which skips them and says so."""
        where = ", ".join(f"line {n} (byte {at})" for n, at in bad)
        if not self._salvage:
            raise StorageError(
                f"journal {path} is damaged at {where}; later commits follow, so nothing was skipped and "
                f"nothing was changed. To keep everything that still reads, stop the bot and run: "
                f"{salvage_command(self.path)}"
            )
        log.error("journal %s: skipped damaged %s", path, where)
        self.salvage_notes.append(f"skipped {len(bad)} damaged line(s) of {os.path.basename(path)}: {where}")
        self.recovery["corrupt_lines"] = self.recovery.get("corrupt_lines", 0) + len(bad)

    def _replay_changes(self, changes: list[Any], version: int) -> None:
        for table, key, account_id, raw_doc in changes:
            doc = _migrate_doc(table, raw_doc, version)
            if doc is not None:
                doc = self._canon.fix(table, doc)
            if table == HISTORY:
                record = None if doc is None else _occurrence(doc)
                self._overlay.setdefault(account_id, {})[key] = record
            elif table in SNAPSHOT_TABLES:
                self._apply(table, key, None if doc is None else BUILDERS[table](doc))
                if table == ACCOUNTS and doc is None:  # a /forget the older copies may still hold
                    self._scrub_requested = True
            else:
                raise StorageError(f"journal names an unknown table {table!r}: written by a newer version?")

    def _open_journal(self, generation: int) -> None:
        path = self._journal_path(generation)
        existed = os.path.exists(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
        if not existed:
            _fsync_dir(self._dir)  # the new file's name must survive a crash, not only its data
        if self._journal_fd >= 0:
            os.close(self._journal_fd)
        self._journal_fd = fd
        self._journal_size = os.fstat(fd).st_size

    def _push_due(self, at: float, kind: int, key: str) -> None:
        if self._loading:
            self._due_heap.append((at, next(self._tiebreak), kind, key))
        else:
            super()._push_due(at, kind, key)

    # Writing ------------------------------------------------------------------------------------
    def _persist(self, changes: list[Change]) -> None:
        if self._closed:
            raise StorageError(f"{self.path} is closed")
        payload = _ENCODE(
            [[c.table, c.key, c.account_id, None if c.record is None else to_doc(c.record)] for c in changes]
        ).encode("ascii")
        self._append(b"%08x %s\n" % (zlib.crc32(payload), payload))
        self._overlay_undo.clear()
        self._changed_since_snapshot = True
        limit = max(self._checkpoint_bytes, self._snapshot_bytes // SNAPSHOT_TO_JOURNAL)
        if self._journal_size >= limit and time.monotonic() >= self._auto_checkpoint_after:
            try:
                self.checkpoint_in_background()
            except Exception:  # the commit is durable already: a checkpoint problem must not undo it
                log.exception("could not start a background checkpoint")

    def _append(self, line: bytes) -> None:
        fd = self._journal_fd
        if self._bad_tail is not None:
            try:
                os.ftruncate(fd, self._bad_tail)
            except OSError as exc:
                raise StorageUnavailable(f"journal still cannot be repaired: {exc.strerror or exc}") from exc
            self._journal_size, self._bad_tail = self._bad_tail, None
        start = self._journal_size
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, "short write")
                view = view[written:]
            _datasync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, start)
            except OSError:
                # Retried before the next append; until then the tail may hold an unacknowledged line.
                self._bad_tail = start
                log.error("could not truncate %s after a failed write", self._journal_path(self._generation))
            raise StorageUnavailable(f"could not save the change: {exc.strerror or exc}") from exc
        self._journal_size = start + len(line)

    def _write(self, table: str, key: str, record: Record | None, account_id: str) -> None:
        if table != HISTORY:
            super()._write(table, key, record, account_id)
            return
        # History changes live in the overlay until a checkpoint writes them: a blind put, no file read.
        assert record is None or isinstance(record, Occurrence)
        with self.atomic():
            pending = self._overlay.setdefault(account_id, {})
            self._overlay_undo.append((account_id, key, pending.get(key, _MISSING)))
            pending[key] = record
            self._changes.append(Change(table, key, record, account_id))

    def _rollback(self) -> None:
        super()._rollback()
        for account_id, key, previous in reversed(self._overlay_undo):
            pending = self._overlay.setdefault(account_id, {})
            if isinstance(previous, _Missing):
                pending.pop(key, None)
            else:
                pending[key] = previous
            if not pending:
                del self._overlay[account_id]
        self._overlay_undo.clear()

    # History --------------------------------------------------------------------------------------
    # An account's history = its file, then the changes a running checkpoint is writing (`_inflight`),
    # then the changes since (`_overlay`). The LRU caches only the file's rows, as tuples of plain values:
    # CPython's collector stops tracking those, so a big cache adds nothing to garbage-collection pauses
    # (as records, each row was 3 tracked objects: ~200 ms full collections with 256 accounts cached).
    def history_path(self, account_id: str) -> str:
        return history_path_for(self.path, account_id)

    def _pending_history(self, account_id: str) -> dict[str, Occurrence | None]:
        merged: dict[str, Occurrence | None] = {}
        for layer in (self._inflight, self._overlay):
            if layer is not None and account_id in layer:
                merged.update(layer[account_id])
        return merged

    def _file_rows(self, account_id: str) -> dict[str, _Row]:
        rows = self._history_cache.get(account_id)
        if rows is not None:
            self._history_cache.move_to_end(account_id)
            return rows
        path = self.history_path(account_id)
        try:
            rows = _rows_of(AtomicJSONStorage(path).read())
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        except (ValueError, KeyError, TypeError, StorageError) as exc:
            rows = _rows_of(_as_tables(self._set_aside_damaged(path, account_id, exc)))
        while len(self._history_cache) >= self._cache_limit:
            self._history_cache.popitem(last=False)
        self._history_cache[account_id] = rows
        return rows

    def history_of(self, account_id: str) -> list[Occurrence]:
        with self._lock:
            pending = self._pending_history(account_id)
            found = [_occurrence_from_row(r) for k, r in self._file_rows(account_id).items() if k not in pending]
            found.extend(r for r in pending.values() if r is not None)
        found.sort(key=lambda o: (o.due, o.id))
        return found

    def history_outcomes(self, account_id: str) -> list[Outcome]:
        # Straight from the cached rows, without building a record per row: /progress reads a year of
        # history on every call, and records cost ~14 us each to build.
        with self._lock:
            pending = self._pending_history(account_id)
            found = [
                Outcome(r[_REMINDER_ID], r[_DUE], r[_STATUS])
                for k, r in self._file_rows(account_id).items()
                if k not in pending
            ]
            found.extend(Outcome(o.reminder_id, o.due, o.status) for o in pending.values() if o is not None)
        found.sort(key=lambda o: o.due)
        return found

    def _history_index(self, account_id: str) -> dict[str, Occurrence]:
        # MemoryStore's paths that use this are all overridden; kept correct for any that are not.
        return {o.id: o for o in self.history_of(account_id)}

    def get_occurrence(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        with self._lock:
            record = self._open_by_account.get(account_id, {}).get(occurrence_id)
            if record is not None:
                return record
            for layer in (self._overlay, self._inflight):  # newest first
                pending = None if layer is None else layer.get(account_id)
                if pending is not None and occurrence_id in pending:
                    return pending[occurrence_id]
            row = self._file_rows(account_id).get(occurrence_id)
            return None if row is None else _occurrence_from_row(row)

    # Checkpoints ----------------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Fold the journal into the snapshot and the history files; blocks until durable."""
        self._checkpoint(pace=None)

    def checkpoint_in_background(self) -> threading.Thread:
        """Start a checkpoint in a thread (one at a time) so an event loop is not blocked; returns it."""
        with self._lock:
            running = self._background
            if running is not None and running.is_alive():
                return running
            thread = threading.Thread(target=self._background_checkpoint, name="clearback-checkpoint", daemon=True)
            self._background = thread
            thread.start()
            return thread

    def _background_checkpoint(self) -> None:
        try:
            self._checkpoint(pace=_Pacer(BACKGROUND_WRITE_RATE))
        except BaseException as exc:
            self.last_checkpoint_error = exc
            self._auto_checkpoint_after = time.monotonic() + AUTO_CHECKPOINT_RETRY_S  # no retry storm
            log.exception("background checkpoint of %s failed; the journal keeps everything", self.path)

    def _checkpoint(self, pace: Callable[[int], None] | None) -> None:
        with self._checkpoint_mutex:
            with self._lock:
                if self._depth:
                    raise StorageError("checkpoint() inside atomic(): call it after the block")
                if self._closed:
                    return
                if not self._changed_since_snapshot and not self._overlay:
                    return
                try:
                    new_generation = self._rotate()
                except OSError as exc:
                    raise StorageUnavailable(f"cannot start a new journal: {exc.strerror or exc}") from exc
                view = {t: list(self._tables[t].values()) for t in SNAPSHOT_TABLES}
                inflight, self._overlay = self._overlay, {}
                self._inflight = inflight
                self._changed_since_snapshot = False
                scrub, self._scrub_requested = self._scrub_requested, False
                kept_generation = self._snapshot_generation  # becomes the previous snapshot's
            try:
                started = time.perf_counter()
                dirs: set[str] = set()
                for account_id, pending in inflight.items():
                    self._write_history_file(account_id, pending, dirs, pace)
                for directory in sorted(dirs, key=len, reverse=True):
                    _fsync_dir(directory)
                self._write_snapshot_tables(view, new_generation, pace, previous=None if scrub else kept_generation)
            except BaseException as exc:
                with self._lock:
                    self._scrub_requested = self._scrub_requested or scrub
                    for account_id, pending in self._overlay.items():  # newer changes win
                        inflight.setdefault(account_id, {}).update(pending)
                    self._overlay, self._inflight = inflight, None
                    self._changed_since_snapshot = True
                    self._forget_cached(inflight)
                if isinstance(exc, OSError):
                    raise StorageUnavailable(f"checkpoint failed: {exc.strerror or exc}") from exc
                raise
            with self._lock:
                self._inflight = None
                self._snapshot_generation = new_generation
                self._previous_generation = 0 if scrub else kept_generation
                self._snapshot_bytes = os.path.getsize(self.path)
                self._forget_cached(inflight)
            if scrub:  # nobody's forgotten data may stay in an older copy
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.previous_snapshot_path)
            # The previous snapshot and the journals from its generation on stay: one bad byte in the new
            # snapshot is then repaired by `salvage` without losing anything.
            self._delete_journals_before(self._previous_generation or new_generation)
            log.info(
                "checkpoint of %s: generation %d, %d history files, %.2fs",
                self.path,
                new_generation,
                len(inflight),
                time.perf_counter() - started,
            )

    def _forget_cached(self, accounts: Iterable[str]) -> None:
        # Their files changed (or may have) while the cache could hold the old rows: read them again.
        for account_id in accounts:
            self._history_cache.pop(account_id, None)

    def _delete_journals_before(self, generation: int) -> None:
        # The snapshot is durable: a journal left behind now is only untidy (open deletes it).
        try:
            for old in self._journal_generations():
                if old < generation:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self._journal_path(old))
        except OSError as exc:
            log.warning("could not delete old journals of %s: %s", self.path, exc)

    def _rotate(self) -> int:
        if self._bad_tail is not None:  # never leave a maybe-complete, rolled-back line behind
            os.ftruncate(self._journal_fd, self._bad_tail)
            self._journal_size, self._bad_tail = self._bad_tail, None
        generation = self._generation + 1
        path = self._journal_path(generation)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
        try:
            _fsync_dir(self._dir)
        except OSError:
            os.close(fd)
            os.unlink(path)
            raise
        os.close(self._journal_fd)
        self._journal_fd, self._generation, self._journal_size = fd, generation, 0
        return generation

    def _write_snapshot_tables(
        self,
        view: Mapping[str, list[Record]],
        generation: int,
        pace: Callable[[int], None] | None,
        previous: int | None = None,
    ) -> None:
        """Write the snapshot; with `previous` (that snapshot's generation) the one it replaces is kept."""
        meta: Doc = {"schema_version": SCHEMA_VERSION, "journal_generation": generation}
        if previous is not None:
            meta["previous_generation"] = previous
        tables: list[tuple[str, Iterable[tuple[str | int, Mapping[str, Any] | str]]]] = [(META, [(1, meta)])]
        for table in SNAPSHOT_TABLES:
            tables.append((table, ((i, to_doc(r)) for i, r in enumerate(view[table], 1))))
        keep = self.previous_snapshot_path if previous is not None else None
        self._storage.write_tables(tables, pace=pace, keep_previous=keep)

    def _write_history_file(
        self,
        account_id: str,
        pending: Mapping[str, Occurrence | None],
        dirs: set[str],
        pace: Callable[[int], None] | None,
    ) -> None:
        path = self.history_path(account_id)
        by_key = self._history_texts(path, account_id)  # merge into the file's lines: old rows are not re-encoded
        for key, record in pending.items():
            if record is None:
                by_key.pop(key, None)
            else:
                by_key[key] = _ENCODE(to_doc(record))
        texts = list(by_key.values())
        directory = os.path.dirname(path)
        if not texts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                dirs.add(directory)
            return
        _make_dir(directory, dirs)
        meta = {"schema_version": SCHEMA_VERSION, "account_id": account_id}
        AtomicJSONStorage(path).write_tables(
            [(META, [(1, meta)]), (HISTORY, enumerate(texts, 1))], sync_dir=False, pace=pace
        )
        dirs.add(directory)

    def _history_texts(self, path: str, account_id: str) -> dict[str, str]:
        """Occurrence id -> document JSON of a history file, in the current schema."""
        by_key: dict[str, str] = {}
        try:
            with open(path, encoding="utf-8") as handle:
                version: int | None = None
                for table, texts in iter_doc_batches(handle):
                    if table == META:
                        version = json.loads(texts[0]).get("schema_version")
                    elif version != SCHEMA_VERSION:
                        raise _NotLineFormat
                    elif table == HISTORY:
                        for text in texts:
                            by_key[_doc_key_from_text(text)] = text
                return by_key
        except FileNotFoundError:
            return by_key
        except _NotLineFormat:
            pass
        except ValueError as exc:  # a line that is not JSON (or not text) any more
            return self._set_aside_damaged(path, account_id, exc)
        try:
            raw = AtomicJSONStorage(path).read() or {}
            raw = migrate(raw, schema_version_of(raw))
            return {str(doc["id"]): _ENCODE(doc) for doc in raw.get(HISTORY, {}).values()}
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
            _fsync_dir(os.path.dirname(path))
        log.error(
            "history file %s was damaged (%s): kept %d rows that still parse, set the file aside as %s",
            path,
            type(error).__name__,
            len(kept),
            os.path.basename(aside),
        )
        return kept

    def rewrite_from_memory(self) -> str:
        """Salvage: move the files that were read into a folder beside the store, then write everything anew
        from memory (a fresh snapshot, history files, an empty journal). Returns the folder."""
        aside = f"{self.path}.before-salvage-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        os.mkdir(aside, DIR_MODE)
        with self._lock:
            generations = self._journal_generations()
            fresh = max([*generations, self._generation]) + 1
            os.close(self._journal_fd)
            self._journal_fd = -1
            names = [self._name, self._name + ".prev", *(os.path.basename(self._journal_path(g)) for g in generations)]
            for name in names:
                with contextlib.suppress(FileNotFoundError):
                    os.rename(os.path.join(self._dir, name), os.path.join(aside, name))
            _fsync_dir(aside)
            self._generation = self._snapshot_generation = fresh
            self._previous_generation = 0
            self._write_snapshot_tables({t: list(self._tables[t].values()) for t in SNAPSHOT_TABLES}, fresh, None)
            self._open_journal(fresh)
            self._changed_since_snapshot = self._scrub_requested = True
        self.checkpoint()  # the history replayed from the journals goes into the history files
        return aside

    # Forgetting ------------------------------------------------------------------------------------
    def delete_account(self, account_id: str) -> None:
        """Delete the account, then checkpoint in the background keeping no older copy, so within seconds no
        file of the store holds a byte of it (journals, snapshots, history). If that checkpoint cannot run
        now, maintenance() (once a minute) starts it."""
        super().delete_account(account_id)
        with self._lock:
            self._scrub_requested = True
            if self._depth == 0:  # else the caller's transaction is still open: maintenance() starts it
                self.checkpoint_in_background()
        history = self.history_path(account_id)
        directory, name = os.path.split(history)
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(directory):
                if entry.name.startswith(name + ".damaged-"):  # a set-aside copy is theirs too
                    os.unlink(entry.path)

    def maintenance(self) -> None:
        """Called about once a minute: after a /forget, checkpoint now rather than at 16 MB of journal."""
        with self._lock:
            due = self._scrub_requested and not self._closed
        if due:
            self.checkpoint_in_background()

    def _sweep_temporary_files(self) -> None:
        """Temp files of a checkpoint that was interrupted hold copies of people's data: remove them."""
        swept = 0
        for directory, names in self._temp_file_candidates():
            for name in names:
                if name.endswith(".tmp"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(directory, name))
                        swept += 1
        if swept:
            log.info("removed %d temporary files left by an interrupted checkpoint", swept)

    def _temp_file_candidates(self) -> Iterator[tuple[str, list[str]]]:
        yield self._dir, [n for n in os.listdir(self._dir) if n.startswith(self._name + ".")]
        history_root = self.path + ".history"
        if os.path.isdir(history_root):
            for bucket in os.scandir(history_root):
                if bucket.is_dir():
                    yield bucket.path, os.listdir(bucket.path)

    # Lifecycle --------------------------------------------------------------------------------------
    def close(self, checkpoint: bool = True) -> None:
        """Finish any background checkpoint, fold the journal in, release the files (idempotent).

        checkpoint=False skips the final checkpoint for a quick stop: nothing is lost (every commit is
        in the journal), the next open just replays more.
        """
        with self._lock:
            if self._closed:
                return
            running = self._background
        if running is not None:
            running.join()
        try:
            if checkpoint:
                self.checkpoint()
        except Exception as exc:  # whatever it was, shutdown goes on: every commit is in the journal
            reason = f"{type(exc).__name__}: {exc}"
            log.error("final checkpoint of %s failed (%s); the journal keeps everything", self.path, reason)
        with self._lock:
            self._closed = True
            self._release_files()

    def _release_files(self) -> None:
        for attr in ("_journal_fd", "_lock_fd"):
            fd = getattr(self, attr)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)  # closing the lock file's descriptor releases the flock
                setattr(self, attr, -1)

    def _release_lock_for_tests(self) -> None:
        """Drop the files as kill -9 would: no checkpoint, nothing flushed (commits already are).

        A running background checkpoint is let finish first: unlike a killed process, its thread would
        otherwise go on writing files under a store opened next on the same path.
        """
        running = self._background
        if running is not None:
            running.join()
        with self._lock:
            self._closed = True
            self._release_files()

    def stats(self) -> dict[str, int]:
        with self._lock:
            counts = super().stats()
            counts.update(
                journal_bytes=self._journal_size,
                journal_generation=self._generation,
                checkpoint_at_bytes=max(self._checkpoint_bytes, self._snapshot_bytes // SNAPSHOT_TO_JOURNAL),
                snapshot_generation=self._snapshot_generation,
                previous_generation=self._previous_generation,
                history_loaded_accounts=len(self._history_cache),
                history_loaded_rows=sum(len(rows) for rows in self._history_cache.values()),
                history_pending_accounts=len(self._overlay),
                history_pending_rows=sum(len(p) for p in self._overlay.values()),
            )
            return counts


class _Damaged(Exception):
    """A snapshot file that does not parse."""


def salvage_command(path: str) -> str:
    return f"python run_bot.py salvage --db {path}"


def salvage(path: str) -> list[str]:
    """Rebuild a damaged store from what still reads: the snapshot (or the previous one, or the lines of the
    snapshot that parse) and every journal line that passes its check. Everything read is moved into a
    folder beside the store first (nothing is deleted); returns what was done, line by line."""
    store = TinyDBStore(path, salvage=True, freeze_gc=False)
    try:
        notes = list(store.salvage_notes) or ["nothing was damaged"]
        aside = store.rewrite_from_memory()
        notes.append(f"wrote a fresh snapshot; the files it was rebuilt from are in {aside}")
        counts = store.stats()
        notes.append(
            f"now: {counts['accounts']} accounts, {counts['reminders']} reminders, "
            f"{counts['occurrences']} open occurrences"
        )
    finally:
        store.close()
    return notes


def _decode_line(line: bytes) -> list[Any] | None:
    """The change list of one journal line, or None if the line is torn or damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        try:
            changes = _decode_json(payload)
        except msgspec.DecodeError:  # not strict JSON (NaN, Infinity): the stdlib decoder takes those
            changes = json.loads(payload.decode("ascii"))
    except ValueError:
        return None
    if not isinstance(changes, list) or not all(isinstance(c, list) and len(c) == 4 for c in changes):
        return None
    return changes
