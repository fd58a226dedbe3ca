"""The store kept in memory only (tests, trying the bot out): the shared indexes with nothing to persist."""

from __future__ import annotations

from storage.indexed_store import IndexedStore
from storage.indexes import Change
from storage.records import Occurrence, Outcome


class MemoryHistory:
    """Each account's resolved occurrences in a dict, with the open transaction's undo log."""

    def __init__(self) -> None:
        self._by_account: dict[str, dict[str, Occurrence]] = {}
        self._undo: list[tuple[str, str, Occurrence | None]] = []

    def get(self, account_id: str, occurrence_id: str) -> Occurrence | None:
        return self._by_account.get(account_id, {}).get(occurrence_id)

    def of(self, account_id: str) -> list[Occurrence]:
        return list(self._by_account.get(account_id, {}).values())

    def outcomes(self, account_id: str) -> list[Outcome]:
        ordered = sorted(self.of(account_id), key=lambda o: (o.due, o.id))
        return [Outcome(o.reminder_id, o.due, o.status) for o in ordered]

    def put(self, account_id: str, key: str, record: Occurrence | None) -> None:
        self._undo.append((account_id, key, self.get(account_id, key)))
        self._set(account_id, key, record)

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        for account_id, key, previous in reversed(self._undo):
            self._set(account_id, key, previous)
        self._undo.clear()

    def _set(self, account_id: str, key: str, record: Occurrence | None) -> None:
        if record is not None:
            self._by_account.setdefault(account_id, {})[key] = record
            return
        bucket = self._by_account.get(account_id)
        if bucket is not None:
            bucket.pop(key, None)
            if not bucket:
                del self._by_account[account_id]


class MemoryStore(IndexedStore):
    """Nothing survives a restart; commits cost only the indexes' work."""

    def __init__(self) -> None:
        super().__init__(MemoryHistory())

    def _persist(self, changes: list[Change]) -> None:
        """Nothing to make durable: a commit is done once it is in the indexes."""
