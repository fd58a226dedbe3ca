"""The storage contract the core depends on.

Reads never scan all users: every lookup goes through a per-account index, and the due index answers
"what fires next" in O(log n). Writes happen inside `atomic()`; when the outermost block exits the
change is durable (for the durable store: it would survive kill -9), or the block raises
StorageUnavailable and nothing was changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from storage.records import Account, IdentityRecord, Occurrence, Outcome, Reminder, Tally

SCHEMA_VERSION = 1

# The tables count_rows() reports, in the order the migration copies them (occurrences: the open ones).
ROW_TABLES: Final = ("accounts", "identities", "reminders", "occurrences", "history", "tallies")


class StorageError(Exception):
    """Base class for storage failures."""


class StorageUnavailable(StorageError):
    """The change could not be made durable (disk full, read-only directory): nothing was changed."""


class StorageLocked(StorageError):
    """Another process has the database open."""


@dataclass(frozen=True, slots=True)
class DueItem:
    """Something that must fire at `at`: a reminder's next occurrence, or an open occurrence."""

    at: float
    reminder: Reminder | None = None
    occurrence: Occurrence | None = None


@dataclass(frozen=True, slots=True)
class AccountRecords:
    """Everything one account holds, as stored: what a migration reads out of one store and into another."""

    account: Account
    identities: tuple[IdentityRecord, ...]
    reminders: tuple[Reminder, ...]
    tallies: tuple[Tally, ...]
    open: tuple[Occurrence, ...]
    history: tuple[Occurrence, ...]

    def counts(self) -> dict[str, int]:
        """Rows per table (storage.base.ROW_TABLES)."""
        return {
            "accounts": 1,
            "identities": len(self.identities),
            "reminders": len(self.reminders),
            "occurrences": len(self.open),
            "history": len(self.history),
            "tallies": len(self.tallies),
        }


class SharedRow(NamedTuple):
    """One row of shared short-lived state, as Store.shared_put_many takes it."""

    kind: str
    key: str
    doc: dict[str, Any]
    account_id: str | None = None
    expires_at: float | None = None


class Store(ABC):
    # A store reached over the network: the App keeps its calls off the event loop (bot.offload).
    remote: bool = False

    # Transactions -------------------------------------------------------------------------------
    @abstractmethod
    def atomic(self) -> AbstractContextManager[None]:
        """Group writes: all or nothing, durable when the outermost block exits."""

    # Accounts and identities -------------------------------------------------------------------
    @abstractmethod
    def get_account(self, account_id: str) -> Account | None: ...

    @abstractmethod
    def put_account(self, account: Account) -> None: ...

    @abstractmethod
    def get_identity(self, key: str) -> IdentityRecord | None: ...

    def identity_and_account(self, key: str) -> tuple[IdentityRecord | None, Account | None]:
        """An identity and the account it points at, read together (a remote store: in one statement). The
        first thing every message needs; plain reads, so not for a read-modify-write inside atomic()."""
        record = self.get_identity(key)
        return record, self.get_account(record.account_id) if record is not None else None

    @abstractmethod
    def identities_of(self, account_id: str) -> list[IdentityRecord]: ...

    @abstractmethod
    def put_identity(self, identity: IdentityRecord) -> None: ...

    @abstractmethod
    def delete_identity(self, key: str) -> None: ...

    # Reminders --------------------------------------------------------------------------------
    @abstractmethod
    def get_reminder(self, reminder_id: str) -> Reminder | None: ...

    @abstractmethod
    def reminders_of(self, account_id: str) -> list[Reminder]:
        """The account's reminders, ordered by number."""

    @abstractmethod
    def put_reminder(self, reminder: Reminder) -> None: ...

    @abstractmethod
    def delete_reminder(self, reminder_id: str) -> None: ...

    # Tallies (storage.tally) ------------------------------------------------------------------
    @abstractmethod
    def get_tally(self, reminder_id: str) -> Tally | None:
        """The reminder's tally; None when unknown (to be rebuilt from its history and put)."""

    @abstractmethod
    def put_tally(self, tally: Tally) -> None: ...

    def tallies_of(self, account_id: str, reminder_ids: list[str]) -> dict[str, Tally]:
        """The known tallies of these reminders of the account, by reminder id (one query on PostgreSQL)."""
        found = {rid: self.get_tally(rid) for rid in reminder_ids}
        return {rid: tally for rid, tally in found.items() if tally is not None and tally.account_id == account_id}

    # Occurrences --------------------------------------------------------------------------------
    def progress_rows(self, account_id: str) -> tuple[list[Reminder], dict[str, Tally], list[Occurrence]]:
        """The account's reminders (by number), their tallies (by reminder id) and its open occurrences (by due
        time): what /reminders and an answer read first, together (a remote store: in one statement)."""
        reminders = self.reminders_of(account_id)
        return reminders, self.tallies_of(account_id, [r.id for r in reminders]), self.open_occurrences_of(account_id)

    @abstractmethod
    def get_occurrence(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        """An open or resolved occurrence of this account (never another account's)."""

    @abstractmethod
    def open_occurrences_of(self, account_id: str) -> list[Occurrence]:
        """Occurrences still waiting for delivery or an answer, ordered by due time."""

    @abstractmethod
    def open_occurrences_with_status(self, status: str) -> list[Occurrence]:
        """Open occurrences of every account with this status (start-up recovery; the open set is small)."""

    @abstractmethod
    def history_of(self, account_id: str) -> list[Occurrence]:
        """Resolved occurrences (done, skipped, missed, ...), ordered by due time."""

    def history_outcomes(self, account_id: str) -> list[Outcome]:
        """(reminder, due, status) of every resolved occurrence: what streaks and charts need, built cheaply."""
        return [Outcome(o.reminder_id, o.due, o.status) for o in self.history_of(account_id)]

    @abstractmethod
    def put_occurrence(self, occurrence: Occurrence) -> None:
        """Insert or update; the store files it as open or as history by its status."""

    @abstractmethod
    def reopen_occurrence(self, occurrence: Occurrence) -> None:
        """Put a resolved occurrence back as open (an answer undone): it leaves the history, and its reminder's
        tally is dropped so the next read rebuilds it without that outcome. `occurrence` must be open."""

    @abstractmethod
    def drop_occurrence(self, account_id: str, occurrence_id: str) -> None:
        """Remove one occurrence, open or resolved, as if it had never been created (an undone early answer);
        its reminder's tally is dropped as by reopen_occurrence. Nothing happens when there is none."""

    # Scheduling ---------------------------------------------------------------------------------
    @abstractmethod
    def next_due_at(self) -> float | None:
        """When the earliest unpaused reminder or scheduled occurrence fires, or None."""

    @abstractmethod
    def due_items(self, until: float, limit: int) -> list[DueItem]:
        """Up to `limit` items due at or before `until`, earliest first. Reading does not claim them."""

    def lock_due(self, items: list[DueItem], until: float) -> list[DueItem]:
        """Inside atomic(): the items still due at `until`, re-read and held against every other process until
        the transaction ends; any another process holds or has already moved on are left out. A store only one
        process opens has no other claimant: it returns the items as they are."""
        return items

    # Whole accounts -----------------------------------------------------------------------------
    @abstractmethod
    def delete_account(self, account_id: str) -> None:
        """Remove the account and everything that belongs to it (its identities included)."""

    # Whole stores (the migration: storage.migrate) ------------------------------------------------
    @abstractmethod
    def all_account_ids(self) -> Iterator[str]:
        """The id of every stored account, in id order; a store over the network reads them a page at a time."""

    @abstractmethod
    def count_rows(self) -> dict[str, int]:
        """Exact rows per table (ROW_TABLES): reads everything, so it is for tools and tests, not the hot path."""

    def export_accounts(self, account_ids: Sequence[str]) -> list[AccountRecords]:
        """Everything these accounts hold, in the order given; an id with no account is left out."""
        found = []
        for account_id in account_ids:
            account = self.get_account(account_id)
            if account is None:
                continue
            reminders = tuple(self.reminders_of(account_id))
            tallies = tuple(t for t in map(self.get_tally, [r.id for r in reminders]) if t is not None)
            found.append(
                AccountRecords(
                    account,
                    tuple(self.identities_of(account_id)),
                    reminders,
                    tallies,
                    tuple(self.open_occurrences_of(account_id)),
                    tuple(self.history_of(account_id)),
                )
            )
        return found

    def import_accounts(self, batch: Sequence[AccountRecords]) -> None:
        """Write whole accounts as they are, in one transaction, into a store that holds none of them yet.

        Tallies go last: they already count the history written before them (a tally written first would
        have each outcome folded in again)."""
        with self.atomic():
            for records in batch:
                self.put_account(records.account)
                for identity in records.identities:
                    self.put_identity(identity)
                for reminder in records.reminders:
                    self.put_reminder(reminder)
                for occurrence in (*records.open, *records.history):
                    self.put_occurrence(occurrence)
                for tally in records.tallies:
                    self.put_tally(tally)

    # Shared short-lived state ---------------------------------------------------------------------
    # What every process serving the bot must see alike, though it is not part of anyone's regimen: a key
    # that signs buttons, notes to give a person on their next message, link codes. `kind` names the use,
    # `doc` is JSON-ready, `expires_at` (the core's clock, epoch seconds) ends it; `account_id` ties it to a
    # person, so delete_account removes it. The one-process stores keep it in memory only: it is lost on a
    # restart, as these things always were; PostgreSQL keeps it in a table.
    @abstractmethod
    def shared_put(
        self,
        kind: str,
        key: str,
        doc: dict[str, Any],
        *,
        account_id: str | None = None,
        expires_at: float | None = None,
    ) -> None: ...

    def shared_put_many(self, rows: Sequence[SharedRow]) -> None:
        """Several shared_put at once (a remote store: in one statement); each row as shared_put's arguments."""
        for row in rows:
            self.shared_put(row.kind, row.key, row.doc, account_id=row.account_id, expires_at=row.expires_at)

    @abstractmethod
    def shared_get(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        """The live document, or None when there is none or it has expired."""

    @abstractmethod
    def shared_take(self, kind: str, key: str, now: float) -> dict[str, Any] | None:
        """Get and delete in one step: of several processes taking the same key, exactly one gets it."""

    @abstractmethod
    def shared_list(self, kind: str, now: float) -> list[tuple[str, dict[str, Any]]]:
        """Every live (key, document) of this kind, by key (kinds are small: codes, notes)."""

    @abstractmethod
    def shared_first(self, kind: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Put `doc` unless the key exists; either way return what is stored (the first writer wins)."""

    # Treatment-guide feedback ---------------------------------------------------------------------
    # "Was this helpful? 👍 👎" counted per guide entry (bot.guide): the entry's id and two counts, never who
    # pressed or what they had asked, so nothing here belongs to anybody (/forget and /export leave it alone).
    @abstractmethod
    def add_feedback(self, entry_id: str, helpful: bool) -> None:
        """Count one press for the entry in one atomic step: presses at once in several processes all count."""

    @abstractmethod
    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """entry id -> (helpful, not helpful) for every entry pressed at least once."""

    @abstractmethod
    def import_feedback(self, counts: dict[str, tuple[int, int]]) -> None:
        """Set these entries' counts as given, in one transaction (storage.migrate, into an empty store)."""

    # Lifecycle ----------------------------------------------------------------------------------
    def maintenance(self) -> None:  # noqa: B027 - optional hook
        """Periodic upkeep, called about once a minute (e.g. checkpoint a long journal); cheap when idle."""

    def checkpoint(self) -> None:  # noqa: B027 - optional hook: compact what the durable store keeps
        """Fold the journal into the main files (durable stores); a no-op in memory."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release files."""

    def probe_write(self, now: float) -> None:
        """Raise StorageError unless a write can be made durable now (/healthz asks). A short-lived shared-state
        entry; a store whose shared state is not durable overrides this with a write that is."""
        self.shared_put("health", "probe", {"at": now}, expires_at=now + 60)

    def stats(self) -> dict[str, int]:
        return {}
