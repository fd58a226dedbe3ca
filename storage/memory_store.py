"""The in-memory store: the indexes every store uses, and the whole store for fast tests.

All state lives in per-table dicts of immutable records plus per-account indexes and a due heap.
A transaction applies changes at once (so code inside it reads its own writes), keeps an undo log,
and at the outermost exit hands the list of changes to `_persist`; if that raises, the changes are
rolled back. The durable store overrides `_persist` to write its journal.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from storage.base import DueItem, Store
from storage.records import (
    SCHEDULED_STATUSES,
    Account,
    IdentityRecord,
    Occurrence,
    Record,
    Reminder,
    Tally,
)
from storage.tally import fold

_V = TypeVar("_V")

ACCOUNTS = "accounts"
IDENTITIES = "identities"
REMINDERS = "reminders"
OCCURRENCES = "occurrences"  # open ones
HISTORY = "history"  # resolved ones
TALLIES = "tallies"  # per reminder: storage.tally
TABLES = (ACCOUNTS, IDENTITIES, REMINDERS, OCCURRENCES, HISTORY, TALLIES)

_REMINDER = 0
_OCCURRENCE = 1


@dataclass(frozen=True, slots=True)
class Change:
    """One write: `record` None means delete. `account_id` routes history to its per-account file."""

    table: str
    key: str
    record: Record | None
    account_id: str


class MemoryStore(Store):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tables: dict[str, dict[str, Record]] = {name: {} for name in TABLES}
        self._reminders_by_account: dict[str, dict[str, Reminder]] = {}
        self._open_by_account: dict[str, dict[str, Occurrence]] = {}
        self._identities_by_account: dict[str, dict[str, IdentityRecord]] = {}
        self._history_by_account: dict[str, dict[str, Occurrence]] = {}
        # (at, tiebreak, kind, id); entries go stale when a record changes and are skipped lazily.
        self._due_heap: list[tuple[float, int, int, str]] = []
        self._tiebreak = itertools.count()
        self._depth = 0
        self._changes: list[Change] = []
        self._undo: list[tuple[str, str, Record | None]] = []

    # Transactions -------------------------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
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

    def _persist(self, changes: list[Change]) -> None:
        """Make the changes durable; raise StorageUnavailable to roll them back."""

    def _rollback(self) -> None:
        for table, key, previous in reversed(self._undo):
            self._apply(table, key, previous)
        self._undo.clear()
        self._changes = []

    def _write(self, table: str, key: str, record: Record | None, account_id: str) -> None:
        with self.atomic():
            previous = self._tables[table].get(key)
            self._undo.append((table, key, previous))
            self._changes.append(Change(table, key, record, account_id))
            self._apply(table, key, record)

    # Applying one change to tables and indexes (also used by the durable store's recovery).
    def _apply(self, table: str, key: str, record: Record | None) -> None:
        rows = self._tables[table]
        previous = rows.pop(key, None)
        if previous is not None:
            self._unindex(table, previous)
        if record is not None:
            rows[key] = record
            self._index(table, record)

    def _index(self, table: str, record: Record) -> None:
        if isinstance(record, Reminder):
            self._reminders_by_account.setdefault(record.account_id, {})[record.id] = record
            if record.next_due is not None and not record.paused:
                self._push_due(record.next_due, _REMINDER, record.id)
        elif isinstance(record, Occurrence):
            if table == OCCURRENCES:
                self._open_by_account.setdefault(record.account_id, {})[record.id] = record
                if record.status in SCHEDULED_STATUSES:
                    self._push_due(record.fire_at, _OCCURRENCE, record.id)
            else:
                self._history_index(record.account_id)[record.id] = record
        elif isinstance(record, IdentityRecord):
            self._identities_by_account.setdefault(record.account_id, {})[record.key] = record

    def _unindex(self, table: str, record: Record) -> None:
        if isinstance(record, Reminder):
            _discard(self._reminders_by_account, record.account_id, record.id)
        elif isinstance(record, Occurrence):
            if table == OCCURRENCES:
                _discard(self._open_by_account, record.account_id, record.id)
            else:
                _discard(self._history_by_account, record.account_id, record.id)
        elif isinstance(record, IdentityRecord):
            _discard(self._identities_by_account, record.account_id, record.key)

    def _history_index(self, account_id: str) -> dict[str, Occurrence]:
        """The account's history; the durable store loads it from disk on first use."""
        return self._history_by_account.setdefault(account_id, {})

    def _push_due(self, at: float, kind: int, key: str) -> None:
        heapq.heappush(self._due_heap, (at, next(self._tiebreak), kind, key))

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

    # Accounts and identities -------------------------------------------------------------------
    def get_account(self, account_id: str) -> Account | None:
        with self._lock:
            record = self._tables[ACCOUNTS].get(account_id)
        return record if isinstance(record, Account) else None

    def put_account(self, account: Account) -> None:
        self._write(ACCOUNTS, account.id, account, account.id)

    def get_identity(self, key: str) -> IdentityRecord | None:
        with self._lock:
            record = self._tables[IDENTITIES].get(key)
        return record if isinstance(record, IdentityRecord) else None

    def identities_of(self, account_id: str) -> list[IdentityRecord]:
        with self._lock:
            return sorted(self._identities_by_account.get(account_id, {}).values(), key=lambda i: i.key)

    def put_identity(self, identity: IdentityRecord) -> None:
        self._write(IDENTITIES, identity.key, identity, identity.account_id)

    def delete_identity(self, key: str) -> None:
        with self.atomic():  # look-up and delete in one transaction: no other thread in between
            existing = self.get_identity(key)
            if existing is not None:
                self._write(IDENTITIES, key, None, existing.account_id)

    # Reminders --------------------------------------------------------------------------------
    def get_reminder(self, reminder_id: str) -> Reminder | None:
        with self._lock:
            record = self._tables[REMINDERS].get(reminder_id)
        return record if isinstance(record, Reminder) else None

    def reminders_of(self, account_id: str) -> list[Reminder]:
        with self._lock:
            return sorted(self._reminders_by_account.get(account_id, {}).values(), key=lambda r: r.number)

    def put_reminder(self, reminder: Reminder) -> None:
        self._write(REMINDERS, reminder.id, reminder, reminder.account_id)

    def delete_reminder(self, reminder_id: str) -> None:
        with self.atomic():
            existing = self.get_reminder(reminder_id)
            if existing is not None:
                self._write(REMINDERS, reminder_id, None, existing.account_id)
                if reminder_id in self._tables[TALLIES]:
                    self._write(TALLIES, reminder_id, None, existing.account_id)

    # Tallies ------------------------------------------------------------------------------------
    def get_tally(self, reminder_id: str) -> Tally | None:
        with self._lock:
            record = self._tables[TALLIES].get(reminder_id)
        return record if isinstance(record, Tally) else None

    def put_tally(self, tally: Tally) -> None:
        with self.atomic():
            if tally.reminder_id in self._tables[REMINDERS]:  # none may outlive its reminder (say, after /forget)
                self._write(TALLIES, tally.reminder_id, tally, tally.account_id)

    # Occurrences --------------------------------------------------------------------------------
    def get_occurrence(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        with self._lock:
            record = self._open_by_account.get(account_id, {}).get(occurrence_id)
            if record is not None:
                return record
            return self._history_index(account_id).get(occurrence_id)

    def open_occurrences_of(self, account_id: str) -> list[Occurrence]:
        with self._lock:
            return sorted(self._open_by_account.get(account_id, {}).values(), key=lambda o: (o.due, o.id))

    def open_occurrences_with_status(self, status: str) -> list[Occurrence]:
        with self._lock:
            rows = self._tables[OCCURRENCES].values()
            return sorted((o for o in rows if isinstance(o, Occurrence) and o.status == status), key=lambda o: o.due)

    def history_of(self, account_id: str) -> list[Occurrence]:
        with self._lock:
            return sorted(self._history_index(account_id).values(), key=lambda o: (o.due, o.id))

    def put_occurrence(self, occurrence: Occurrence) -> None:
        with self.atomic():
            if occurrence.is_open:
                self._write(OCCURRENCES, occurrence.id, occurrence, occurrence.account_id)
            else:
                if occurrence.id in self._tables[OCCURRENCES]:
                    self._write(OCCURRENCES, occurrence.id, None, occurrence.account_id)
                self._write(HISTORY, occurrence.id, occurrence, occurrence.account_id)
                self._fold_into_tally(occurrence)

    def _fold_into_tally(self, occurrence: Occurrence) -> None:
        tally = self.get_tally(occurrence.reminder_id)
        if tally is None:
            return  # unknown (an older database, or out of order before): rebuilt from history when read
        updated = fold(tally, occurrence.due, occurrence.status, occurrence.updated_at)
        if updated is not tally:
            self._write(TALLIES, occurrence.reminder_id, updated, occurrence.account_id)

    # Scheduling ---------------------------------------------------------------------------------
    def next_due_at(self) -> float | None:
        with self._lock:
            heap = self._due_heap
            while heap:
                at, _, kind, key = heap[0]
                if self._due_entry_valid(at, kind, key) is not None:
                    return at
                heapq.heappop(heap)
            return None

    def due_items(self, until: float, limit: int) -> list[DueItem]:
        with self._lock:
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

    # Whole accounts -----------------------------------------------------------------------------
    def delete_account(self, account_id: str) -> None:
        with self.atomic():
            for occurrence in self.history_of(account_id):
                self._write(HISTORY, occurrence.id, None, account_id)
            for occurrence in self.open_occurrences_of(account_id):
                self._write(OCCURRENCES, occurrence.id, None, account_id)
            for reminder in self.reminders_of(account_id):
                self.delete_reminder(reminder.id)
            for identity in self.identities_of(account_id):
                self._write(IDENTITIES, identity.key, None, account_id)
            if account_id in self._tables[ACCOUNTS]:
                self._write(ACCOUNTS, account_id, None, account_id)

    def stats(self) -> dict[str, int]:
        with self._lock:
            counts = {name: len(rows) for name, rows in self._tables.items() if name != HISTORY}
            counts["due_heap"] = len(self._due_heap)
            return counts


def _discard(index: dict[str, dict[str, _V]], account_id: str, key: str) -> None:
    bucket = index.get(account_id)
    if bucket is not None:
        bucket.pop(key, None)
        if not bucket:
            del index[account_id]
