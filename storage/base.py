"""The storage contract the core depends on.

Reads never scan all users: every lookup goes through a per-account index, and the due index answers
"what fires next" in O(log n). Writes happen inside `atomic()`; when the outermost block exits the
change is durable (for the durable store: it would survive kill -9), or the block raises
StorageUnavailable and nothing was changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass

from storage.records import Account, IdentityRecord, Occurrence, Outcome, Reminder, Tally

SCHEMA_VERSION = 1


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


class Store(ABC):
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

    # Occurrences --------------------------------------------------------------------------------
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

    # Whole accounts -----------------------------------------------------------------------------
    @abstractmethod
    def delete_account(self, account_id: str) -> None:
        """Remove the account and everything that belongs to it (its identities included)."""

    # Lifecycle ----------------------------------------------------------------------------------
    def maintenance(self) -> None:  # noqa: B027 - optional hook
        """Periodic upkeep, called about once a minute (e.g. checkpoint a long journal); cheap when idle."""

    def checkpoint(self) -> None:  # noqa: B027 - optional hook: compact what the durable store keeps
        """Fold the journal into the main files (durable stores); a no-op in memory."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release files."""

    def stats(self) -> dict[str, int]:
        return {}
