"""The Store contract answered from the in-memory indexes: the rules both MemoryStore and TinyDBStore follow.

A store holds an `Indexes` (storage.indexes) and says how changes become durable by implementing
`_persist`; what the contract means (open occurrences versus history, tallies folded in the same
commit, what deleting a reminder or an account takes with it) is written here once.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from storage.base import ROW_TABLES, DueItem, Store
from storage.indexes import (
    ACCOUNTS,
    FEEDBACK,
    HISTORY,
    IDENTITIES,
    INDEXED_TABLES,
    OCCURRENCES,
    REMINDERS,
    TALLIES,
    Change,
    History,
    Indexes,
)
from storage.records import Account, Feedback, IdentityRecord, Occurrence, Outcome, Record, Reminder, Tally
from storage.tally import fold


class IndexedStore(Store):
    """A Store whose state is an `Indexes`; subclasses make each commit durable in `_persist`."""

    def __init__(self, history: History) -> None:
        # Looked up at each commit, so a store (or a test) may replace `_persist` on the instance.
        self.indexes = Indexes(persist=lambda changes: self._persist(changes), history=history)
        # Shared state (storage.base): one process, so memory is enough; (kind, key) -> (doc, account, expiry).
        # kind -> key -> (doc, account, expiry): listing a kind never walks the others.
        self._shared: dict[str, dict[str, tuple[dict[str, Any], str | None, float | None]]] = {}
        self._shared_lock = threading.Lock()

    @abstractmethod
    def _persist(self, changes: list[Change]) -> None:
        """Make the changes durable; raise StorageUnavailable to roll them back."""

    def _write(self, table: str, key: str, record: Record | None, account_id: str) -> None:
        self.indexes.write(table, key, record, account_id)

    def atomic(self) -> AbstractContextManager[None]:
        return self.indexes.atomic()

    # Accounts and identities -------------------------------------------------------------------
    def get_account(self, account_id: str) -> Account | None:
        with self.indexes.lock:
            record = self.indexes.get(ACCOUNTS, account_id)
        return record if isinstance(record, Account) else None

    def put_account(self, account: Account) -> None:
        self._write(ACCOUNTS, account.id, account, account.id)

    def get_identity(self, key: str) -> IdentityRecord | None:
        with self.indexes.lock:
            record = self.indexes.get(IDENTITIES, key)
        return record if isinstance(record, IdentityRecord) else None

    def identities_of(self, account_id: str) -> list[IdentityRecord]:
        with self.indexes.lock:
            return sorted(self.indexes.identities_of(account_id).values(), key=lambda i: i.key)

    def put_identity(self, identity: IdentityRecord) -> None:
        self._write(IDENTITIES, identity.key, identity, identity.account_id)

    def delete_identity(self, key: str) -> None:
        with self.atomic():  # look-up and delete in one transaction: no other thread in between
            existing = self.get_identity(key)
            if existing is not None:
                self._write(IDENTITIES, key, None, existing.account_id)

    # Reminders --------------------------------------------------------------------------------
    def get_reminder(self, reminder_id: str) -> Reminder | None:
        with self.indexes.lock:
            record = self.indexes.get(REMINDERS, reminder_id)
        return record if isinstance(record, Reminder) else None

    def reminders_of(self, account_id: str) -> list[Reminder]:
        with self.indexes.lock:
            return sorted(self.indexes.reminders_of(account_id).values(), key=lambda r: r.number)

    def put_reminder(self, reminder: Reminder) -> None:
        self._write(REMINDERS, reminder.id, reminder, reminder.account_id)

    def delete_reminder(self, reminder_id: str) -> None:
        with self.atomic():
            existing = self.get_reminder(reminder_id)
            if existing is not None:
                self._write(REMINDERS, reminder_id, None, existing.account_id)
                if self.indexes.get(TALLIES, reminder_id) is not None:
                    self._write(TALLIES, reminder_id, None, existing.account_id)

    # Tallies ------------------------------------------------------------------------------------
    def get_tally(self, reminder_id: str) -> Tally | None:
        with self.indexes.lock:
            record = self.indexes.get(TALLIES, reminder_id)
        return record if isinstance(record, Tally) else None

    def put_tally(self, tally: Tally) -> None:
        with self.atomic():
            # None may outlive its reminder (say, after /forget).
            if self.indexes.get(REMINDERS, tally.reminder_id) is not None:
                self._write(TALLIES, tally.reminder_id, tally, tally.account_id)

    # Occurrences --------------------------------------------------------------------------------
    def get_occurrence(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        with self.indexes.lock:
            record = self.indexes.open_of(account_id).get(occurrence_id)
            if record is not None:
                return record
            return self.indexes.history.get(account_id, occurrence_id)

    def open_occurrences_of(self, account_id: str) -> list[Occurrence]:
        with self.indexes.lock:
            return sorted(self.indexes.open_of(account_id).values(), key=lambda o: (o.due, o.id))

    def open_occurrences_with_status(self, status: str) -> list[Occurrence]:
        with self.indexes.lock:
            rows = self.indexes.rows(OCCURRENCES)
        return sorted((o for o in rows if isinstance(o, Occurrence) and o.status == status), key=lambda o: o.due)

    def history_of(self, account_id: str) -> list[Occurrence]:
        with self.indexes.lock:
            found = self.indexes.history.of(account_id)
        found.sort(key=lambda o: (o.due, o.id))
        return found

    def history_outcomes(self, account_id: str) -> list[Outcome]:
        with self.indexes.lock:
            found = self.indexes.history.outcomes(account_id)
        found.sort(key=lambda o: o.due)
        return found

    def put_occurrence(self, occurrence: Occurrence) -> None:
        with self.atomic():
            if occurrence.is_open:
                self._write(OCCURRENCES, occurrence.id, occurrence, occurrence.account_id)
            else:
                if self.indexes.get(OCCURRENCES, occurrence.id) is not None:
                    self._write(OCCURRENCES, occurrence.id, None, occurrence.account_id)
                self._write(HISTORY, occurrence.id, occurrence, occurrence.account_id)
                self._fold_into_tally(occurrence)

    def reopen_occurrence(self, occurrence: Occurrence) -> None:
        if not occurrence.is_open:
            raise ValueError(f"reopen_occurrence needs an open status, got {occurrence.status!r}")
        with self.atomic():
            self._write(HISTORY, occurrence.id, None, occurrence.account_id)
            self._write(OCCURRENCES, occurrence.id, occurrence, occurrence.account_id)
            self._drop_tally(occurrence.reminder_id, occurrence.account_id)

    def drop_occurrence(self, account_id: str, occurrence_id: str) -> None:
        found = self.get_occurrence(account_id, occurrence_id)
        if found is None:
            return
        with self.atomic():
            table = OCCURRENCES if found.is_open else HISTORY
            self._write(table, occurrence_id, None, account_id)
            self._drop_tally(found.reminder_id, account_id)

    def _drop_tally(self, reminder_id: str, account_id: str) -> None:
        if self.indexes.get(TALLIES, reminder_id) is not None:
            self._write(TALLIES, reminder_id, None, account_id)

    def _fold_into_tally(self, occurrence: Occurrence) -> None:
        tally = self.get_tally(occurrence.reminder_id)
        if tally is None:
            return  # unknown (an older database, or out of order before): rebuilt from history when read
        updated = fold(tally, occurrence.due, occurrence.status, occurrence.updated_at)
        if updated is not tally:
            self._write(TALLIES, occurrence.reminder_id, updated, occurrence.account_id)

    # Scheduling ---------------------------------------------------------------------------------
    def next_due_at(self) -> float | None:
        return self.indexes.next_due_at()

    def due_items(self, until: float, limit: int) -> list[DueItem]:
        return self.indexes.due_items(until, limit)

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
            if self.indexes.get(ACCOUNTS, account_id) is not None:
                self._write(ACCOUNTS, account_id, None, account_id)
        with self._shared_lock:  # not transactional: only after the account's rows are gone
            for entries in self._shared.values():
                for key in [k for k, (_, owner, _) in entries.items() if owner == account_id]:
                    del entries[key]

    # Whole stores -------------------------------------------------------------------------------
    def all_account_ids(self) -> Iterator[str]:
        with self.indexes.lock:  # the ids as they are now (a sorted copy); the records are read later
            ids = sorted(r.id for r in self.indexes.rows(ACCOUNTS) if isinstance(r, Account))
        yield from ids

    def count_rows(self) -> dict[str, int]:
        counts = {table: n for table, n in self.indexes.stats().items() if table in INDEXED_TABLES}
        # History is kept per account (in files, for TinyDB): counted account by account, one at a time.
        counts[HISTORY] = 0
        for account_id in self.all_account_ids():
            with self.indexes.lock:
                counts[HISTORY] += len(self.indexes.history.outcomes(account_id))
        return {table: counts[table] for table in ROW_TABLES}

    # Treatment-guide feedback ---------------------------------------------------------------------
    # A table like the others (journalled, in the snapshot), with no account: "" routes it nowhere.
    def add_feedback(self, entry_id: str, helpful: bool) -> None:
        with self.atomic():  # read and write under the one lock: two presses at once both count
            found = self.indexes.get(FEEDBACK, entry_id)
            up, down = (found.up, found.down) if isinstance(found, Feedback) else (0, 0)
            self._write(FEEDBACK, entry_id, Feedback(entry_id, up + helpful, down + (not helpful)), "")

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        with self.indexes.lock:
            rows = self.indexes.rows(FEEDBACK)
        return {r.entry_id: (r.up, r.down) for r in sorted(rows, key=_entry_id) if isinstance(r, Feedback)}

    def import_feedback(self, counts: dict[str, tuple[int, int]]) -> None:
        with self.atomic():
            for entry_id, (up, down) in counts.items():
                self._write(FEEDBACK, entry_id, Feedback(entry_id, up, down), "")

    # Shared short-lived state ---------------------------------------------------------------------
    def shared_put(
        self,
        kind: str,
        key: str,
        doc: dict[str, Any],
        *,
        account_id: str | None = None,
        expires_at: float | None = None,
    ) -> None:
        with self._shared_lock:
            self._shared.setdefault(kind, {})[key] = (doc, account_id, expires_at)

    def _live(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        entries = self._shared.get(kind, {})
        found = entries.get(key)
        if found is None:
            return None
        if found[2] is not None and found[2] <= now:
            del entries[key]
            return None
        return found[0]

    def shared_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        with self._shared_lock:
            return self._live(kind, key, now)

    def shared_take(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        with self._shared_lock:
            doc = self._live(kind, key, now)
            self._shared.get(kind, {}).pop(key, None)
            return doc

    def shared_list(self, kind: str, now: float) -> list[tuple[str, dict[str, Any]]]:
        with self._shared_lock:
            keys = sorted(self._shared.get(kind, {}))
            found = [(key, self._live(kind, key, now)) for key in keys]
        return [(key, doc) for key, doc in found if doc is not None]

    def shared_first(self, kind: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
        with self._shared_lock:
            return self._shared.setdefault(kind, {}).setdefault(key, (doc, None, None))[0]

    def stats(self) -> dict[str, int]:
        return self.indexes.stats()


def _entry_id(record: Record) -> str:
    return record.entry_id if isinstance(record, Feedback) else ""
