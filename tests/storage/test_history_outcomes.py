"""history_outcomes: the light view of history that progress reads, the same on every store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.base import Store
from storage.memory_store import MemoryStore
from storage.records import DONE, MISSED, SKIPPED, Outcome
from storage.tinydb_store import TinyDBStore
from tests.storage.helpers import T0, account, occurrence, reminder


@pytest.fixture(params=["memory", "tinydb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    durable = TinyDBStore(str(tmp_path / "clearback.json"), freeze_gc=False)
    yield durable
    durable.close()


def test_outcomes_match_the_full_history_before_and_after_a_checkpoint(store: Store) -> None:
    store.put_account(account())
    rem = reminder()
    store.put_reminder(rem)
    for day, status in enumerate([DONE, SKIPPED, MISSED, DONE]):
        store.put_occurrence(occurrence(rem, due=T0 + day * 86400, status=status))
    expected = [Outcome(o.reminder_id, o.due, o.status) for o in store.history_of("acct1")]
    assert store.history_outcomes("acct1") == expected
    assert [o.status for o in expected] == [DONE, SKIPPED, MISSED, DONE]
    store.checkpoint()  # now from the history file's rows
    store.put_occurrence(occurrence(rem, due=T0 + 4 * 86400, status=DONE))  # and a change on top
    assert store.history_outcomes("acct1") == [
        Outcome(o.reminder_id, o.due, o.status) for o in store.history_of("acct1")
    ]
    assert len(store.history_outcomes("acct1")) == 5
    assert store.history_outcomes("someone else") == []
