"""The in-memory indexes every store answers from: tables, per-account indexes, the due heap, transactions.

All state lives in per-table dicts of immutable records plus per-account indexes and a due heap.
A transaction applies changes at once (so code inside it reads its own writes), keeps an undo log,
and at the outermost exit hands the list of changes to the `persist` callback it was given; if that
raises, the changes are rolled back. Resolved occurrences (history) are kept by a `History` the store
plugs in (in memory, or per-account files), inside the same transactions.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, TypeVar

from storage.base import DueItem
from storage.records import SCHEDULED_STATUSES, IdentityRecord, Occurrence, Outcome, Record, Reminder

_V = TypeVar("_V")

ACCOUNTS = "accounts"
IDENTITIES = "identities"
REMINDERS = "reminders"
OCCURRENCES = "occurrences"  # open ones
HISTORY = "history"  # resolved ones: kept by the History, not in the tables
TALLIES = "tallies"  # per reminder: storage.tally
FEEDBACK = "feedback"  # per treatment-guide entry, nobody's: storage.records.Feedback
TABLES = (ACCOUNTS, IDENTITIES, REMINDERS, OCCURRENCES, HISTORY, TALLIES, FEEDBACK)
INDEXED_TABLES = tuple(t for t in TABLES if t != HISTORY)

_REMINDER = 0
_OCCURRENCE = 1
# What an account without any has: read-only, so a caller can never fill the shared empty one.
_NO_REMINDERS: Mapping[str, Reminder] = MappingProxyType({})
_NO_OCCURRENCES: Mapping[str, Occurrence] = MappingProxyType({})
_NO_IDENTITIES: Mapping[str, IdentityRecord] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Change:
    """One write: `record` None means delete. `account_id` routes history to its per-account file."""

    table: str
    key: str
    record: Record | None
    account_id: str


class History(Protocol):
    """Where resolved occurrences live. Called with the indexes' lock held."""

    def get(self, account_id: str, occurrence_id: str) -> Occurrence | None: ...

    def of(self, account_id: str) -> list[Occurrence]:
        """The account's resolved occurrences, in any order (the caller sorts)."""

    def outcomes(self, account_id: str) -> list[Outcome]:
        """(reminder, due, status) of each, in an order that sorting by due alone makes final."""

    def put(self, account_id: str, key: str, record: Occurrence | None) -> None:
        """A write inside the open transaction: undone by rollback(), kept by commit()."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Indexes:
    """Tables of records, the per-account indexes, the due heap, and the open transaction's undo log."""

    def __init__(self, persist: Callable[[list[Change]], None], history: History) -> None:
        self.lock = threading.RLock()
        self.history = history
        self._persist = persist
        self._tables: dict[str, dict[str, Record]] = {name: {} for name in INDEXED_TABLES}
        self._reminders_by_account: dict[str, dict[str, Reminder]] = {}
        self._open_by_account: dict[str, dict[str, Occurrence]] = {}
        self._identities_by_account: dict[str, dict[str, IdentityRecord]] = {}
        # (at, tiebreak, kind, id); entries go stale when a record changes and are skipped lazily.
        self._due_heap: list[tuple[float, int, int, str]] = []
        self._tiebreak = itertools.count()
        self._bulk = False  # while loading, due entries are collected and heapified once
        self._depth = 0
        self._changes: list[Change] = []
        self._undo: list[tuple[str, str, Record | None]] = []

    def clear(self) -> None:
        """Every table and index back to empty (forgetting a partly loaded snapshot)."""
        self._tables = {name: {} for name in INDEXED_TABLES}
        self._reminders_by_account = {}
        self._open_by_account = {}
        self._identities_by_account = {}
        self._due_heap = []

    # Transactions -------------------------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.lock:
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._rollback()
                raise
            self._depth -= 1
            if self._depth == 0:
                changes, self._changes = self._changes, []
                try:
                    if changes:
                        self._persist(changes)
                except BaseException:
                    self._changes = changes
                    self._rollback()
                    raise
                self._undo.clear()
                self.history.commit()

    @property
    def in_transaction(self) -> bool:
        """True inside atomic() on the thread holding the lock (the only one that can ask then)."""
        return self._depth > 0

    def _rollback(self) -> None:
        for table, key, previous in reversed(self._undo):
            self.apply(table, key, previous)
        self._undo.clear()
        self.history.rollback()
        self._changes = []

    def write(self, table: str, key: str, record: Record | None, account_id: str) -> None:
        """Put (or, with None, delete) one record inside a transaction: part of the next commit."""
        with self.atomic():
            if table == HISTORY:
                assert record is None or isinstance(record, Occurrence)
                self.history.put(account_id, key, record)
                self._changes.append(Change(table, key, record, account_id))
                return
            self._undo.append((table, key, self._tables[table].get(key)))
            self._changes.append(Change(table, key, record, account_id))
            self.apply(table, key, record)

    # Applying one change to tables and indexes (also how a durable store loads and replays).
    def apply(self, table: str, key: str, record: Record | None) -> None:
        """Set one record outside any transaction: nothing to persist, nothing to undo."""
        rows = self._tables[table]
        previous = rows.pop(key, None)
        if previous is not None:
            self._unindex(previous)
        if record is not None:
            rows[key] = record
            self._index(record)

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Apply many records at once: the due heap is built once at the end instead of pushed to each time."""
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            heapq.heapify(self._due_heap)

    def _index(self, record: Record) -> None:
        if isinstance(record, Reminder):
            self._reminders_by_account.setdefault(record.account_id, {})[record.id] = record
            if record.next_due is not None and not record.paused:
                self._push_due(record.next_due, _REMINDER, record.id)
        elif isinstance(record, Occurrence):
            self._open_by_account.setdefault(record.account_id, {})[record.id] = record
            if record.status in SCHEDULED_STATUSES:
                self._push_due(record.fire_at, _OCCURRENCE, record.id)
        elif isinstance(record, IdentityRecord):
            self._identities_by_account.setdefault(record.account_id, {})[record.key] = record

    def _unindex(self, record: Record) -> None:
        if isinstance(record, Reminder):
            _discard(self._reminders_by_account, record.account_id, record.id)
        elif isinstance(record, Occurrence):
            _discard(self._open_by_account, record.account_id, record.id)
        elif isinstance(record, IdentityRecord):
            _discard(self._identities_by_account, record.account_id, record.key)

    def _push_due(self, at: float, kind: int, key: str) -> None:
        entry = (at, next(self._tiebreak), kind, key)
        if self._bulk:
            self._due_heap.append(entry)
        else:
            heapq.heappush(self._due_heap, entry)

    # Reading ----------------------------------------------------------------------------------------
    def get(self, table: str, key: str) -> Record | None:
        return self._tables[table].get(key)

    def rows(self, table: str) -> list[Record]:
        """A shallow copy of the table's records (they are immutable: a consistent view)."""
        return list(self._tables[table].values())

    def reminders_of(self, account_id: str) -> Mapping[str, Reminder]:
        return self._reminders_by_account.get(account_id, _NO_REMINDERS)

    def open_of(self, account_id: str) -> Mapping[str, Occurrence]:
        return self._open_by_account.get(account_id, _NO_OCCURRENCES)

    def identities_of(self, account_id: str) -> Mapping[str, IdentityRecord]:
        return self._identities_by_account.get(account_id, _NO_IDENTITIES)

    # The due heap -----------------------------------------------------------------------------------
    def _due_entry_valid(self, at: float, kind: int, key: str) -> DueItem | None:
        if kind == _REMINDER:
            reminder = self._tables[REMINDERS].get(key)
            if isinstance(reminder, Reminder) and not reminder.paused and reminder.next_due == at:
                return DueItem(at=at, reminder=reminder)
            return None
        occurrence = self._tables[OCCURRENCES].get(key)
        if isinstance(occurrence, Occurrence) and occurrence.status in SCHEDULED_STATUSES and occurrence.fire_at == at:
            return DueItem(at=at, occurrence=occurrence)
        return None

    def next_due_at(self) -> float | None:
        with self.lock:
            heap = self._due_heap
            while heap:
                at, _, kind, key = heap[0]
                if self._due_entry_valid(at, kind, key) is not None:
                    return at
                heapq.heappop(heap)
            return None

    def due_items(self, until: float, limit: int) -> list[DueItem]:
        with self.lock:
            heap = self._due_heap
            found: list[DueItem] = []
            keep: list[tuple[float, int, int, str]] = []
            seen: set[tuple[int, str]] = set()
            while heap and heap[0][0] <= until and len(found) < limit:
                entry = heapq.heappop(heap)
                at, _, kind, key = entry
                item = self._due_entry_valid(at, kind, key)
                if item is not None and (kind, key) not in seen:
                    seen.add((kind, key))
                    found.append(item)
                    keep.append(entry)
            for entry in keep:  # reading does not claim: valid entries go back
                heapq.heappush(heap, entry)
            return found

    def stats(self) -> dict[str, int]:
        with self.lock:
            counts = {name: len(rows) for name, rows in self._tables.items()}
            counts["due_heap"] = len(self._due_heap)
            return counts


def _discard(index: dict[str, dict[str, _V]], account_id: str, key: str) -> None:
    bucket = index.get(account_id)
    if bucket is not None:
        bucket.pop(key, None)
        if not bucket:
            del index[account_id]
