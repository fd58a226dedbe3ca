"""The storage contract (storage/base.py), run against every store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from storage.base import ROW_TABLES, AccountRecords, SharedRow, StorageUnavailable, Store
from storage.indexed_store import IndexedStore
from storage.indexes import Change
from storage.memory_store import MemoryStore
from storage.postgres import PostgresStore
from storage.records import (
    CANCELLED,
    DONE,
    HELD,
    MISSED,
    RETRY,
    SENDING,
    SENT,
    SKIPPED,
    SNOOZED,
    Delivery,
    Outcome,
    Tally,
)
from storage.tally import empty, from_outcomes, recent_outcomes
from storage.tinydb import TinyDBStore
from tests import pg_server
from tests.storage.helpers import T0, account, identity, occurrence, reminder, state_of


@pytest.fixture(params=["memory", "tinydb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "postgres":
        shared = PostgresStore(pg_server.fresh_database())
        yield shared
        shared.close()
        return
    durable = TinyDBStore(str(tmp_path / "clearback.json"), freeze_gc=False)
    yield durable
    durable.close()


def _indexed(store: Store) -> IndexedStore:
    """The tests about commits of the in-process stores (PostgreSQL's commits are its own, tested elsewhere)."""
    if not isinstance(store, IndexedStore):
        pytest.skip("about the in-process stores' commit callback")
    return store


class Boom(Exception):
    pass


# CRUD ---------------------------------------------------------------------------------------------
def test_accounts_crud(store: Store) -> None:
    assert store.get_account("acct1") is None
    store.put_account(account())
    assert store.get_account("acct1") == account()
    store.put_account(account(next_number=4, quiet_hours="22:00-07:00"))
    got = store.get_account("acct1")
    assert got is not None and got.next_number == 4 and got.quiet_hours == "22:00-07:00"


def test_identities_crud(store: Store) -> None:
    store.put_account(account())
    store.put_identity(identity(user="200", platform="telegram"))
    store.put_identity(identity(user="300", platform="discord"))
    assert store.get_identity("telegram:200") == identity(user="200")
    assert [i.key for i in store.identities_of("acct1")] == ["discord:300", "telegram:200"]
    store.put_identity(replace(identity(user="200"), unreachable_since=T0))
    got = store.get_identity("telegram:200")
    assert got is not None and got.unreachable_since == T0
    store.delete_identity("telegram:200")
    store.delete_identity("telegram:nobody")  # deleting what is not there is fine
    assert store.get_identity("telegram:200") is None
    assert [i.key for i in store.identities_of("acct1")] == ["discord:300"]


def test_an_identity_is_read_with_its_account(store: Store) -> None:
    assert store.identity_and_account("telegram:200") == (None, None)
    store.put_identity(identity(user="200"))  # its account not there (yet, or deleted under it)
    assert store.identity_and_account("telegram:200") == (identity(user="200"), None)
    berlin = replace(account(), timezone="Europe/Berlin")
    store.put_account(berlin)
    assert store.identity_and_account("telegram:200") == (identity(user="200"), berlin)
    with store.atomic():  # a plain read inside a transaction too
        assert store.identity_and_account("telegram:200")[1] == store.get_account("acct1")


def test_reminders_crud_and_order(store: Store) -> None:
    for number in (3, 1, 2):
        store.put_reminder(reminder(number=number))
    assert [r.number for r in store.reminders_of("acct1")] == [1, 2, 3]
    renamed = replace(reminder(number=2), text="Cream")
    store.put_reminder(renamed)
    assert store.get_reminder(renamed.id) == renamed
    store.delete_reminder(renamed.id)
    store.delete_reminder("no-such-reminder")
    assert store.get_reminder(renamed.id) is None
    assert [r.number for r in store.reminders_of("acct1")] == [1, 3]


def test_occurrences_crud(store: Store) -> None:
    rem = reminder()
    later = occurrence(rem, due=T0 + 100, deliveries=(Delivery("telegram", "100", "m1"),))
    earlier = occurrence(rem, due=T0)
    store.put_occurrence(later)
    store.put_occurrence(earlier)
    assert store.open_occurrences_of("acct1") == [earlier, later]
    assert store.get_occurrence("acct1", later.id) == later
    assert store.history_of("acct1") == []


def test_open_vs_history_filing(store: Store) -> None:
    rem = reminder()
    occ = occurrence(rem, status=SENDING)
    store.put_occurrence(occ)
    store.put_occurrence(replace(occ, status=SENT))
    assert [o.status for o in store.open_occurrences_of("acct1")] == [SENT]
    done = replace(occ, status=DONE)
    store.put_occurrence(done)
    assert store.open_occurrences_of("acct1") == []
    assert store.history_of("acct1") == [done]
    assert store.get_occurrence("acct1", occ.id) == done
    skipped_earlier = occurrence(rem, due=T0 - 86400, status=SKIPPED)
    store.put_occurrence(skipped_earlier)  # straight to history, never open
    assert [o.id for o in store.history_of("acct1")] == [skipped_earlier.id, done.id]



def test_progress_rows_are_the_three_reads_together(store: Store) -> None:
    """One read of what /reminders and an answer need: the same as reminders_of, tallies_of and
    open_occurrences_of, in their orders, another account's rows never among them."""
    assert store.progress_rows("acct1") == ([], {}, [])
    second, first = reminder(number=2), reminder(number=1, rid="rem-first")
    store.put_reminder(second)
    store.put_reminder(first)
    store.put_reminder(reminder("acctB", rid="rem-other"))
    later, earlier = occurrence(first, due=T0 + 100), occurrence(second, due=T0)
    for occ in (later, earlier, occurrence(first, due=T0 - 86400, status=DONE)):
        store.put_occurrence(occ)
    store.put_tally(Tally(first.id, "acct1", through=T0 - 86400, current=1, best=1, recent=""))
    reminders, tallies, open_ = store.progress_rows("acct1")
    assert [r.id for r in reminders] == [first.id, second.id] == [r.id for r in store.reminders_of("acct1")]
    assert reminders == store.reminders_of("acct1")
    assert tallies == store.tallies_of("acct1", [first.id, second.id]) and list(tallies) == [first.id]
    assert open_ == [earlier, later] == store.open_occurrences_of("acct1")
    assert store.progress_rows("acctB")[0] == [reminder("acctB", rid="rem-other")]

# Isolation ----------------------------------------------------------------------------------------
def test_accounts_are_isolated(store: Store) -> None:
    a, b = reminder("acctA"), reminder("acctB")
    store.put_identity(identity("acctA", user="1"))
    store.put_identity(identity("acctB", user="2"))
    store.put_reminder(a)
    store.put_reminder(b)
    open_a = occurrence(a, due=T0)
    done_a = occurrence(a, due=T0 - 86400, status=DONE)
    store.put_occurrence(open_a)
    store.put_occurrence(done_a)
    assert [r.id for r in store.reminders_of("acctB")] == [b.id]
    assert [i.key for i in store.identities_of("acctB")] == ["telegram:2"]
    assert store.open_occurrences_of("acctB") == []
    assert store.history_of("acctB") == []
    assert store.get_occurrence("acctB", open_a.id) is None
    assert store.get_occurrence("acctB", done_a.id) is None
    assert store.get_occurrence("acctA", done_a.id) == done_a


# Due index ----------------------------------------------------------------------------------------
def test_next_due_and_due_items(store: Store) -> None:
    assert store.next_due_at() is None
    assert store.due_items(T0 + 10**6, 10) == []
    r1 = reminder(number=1, next_due=T0 + 300)
    r2 = reminder(number=2, next_due=T0 + 100)
    r3 = reminder(number=3, next_due=T0 + 200, paused=True)
    r4 = reminder(number=4, next_due=None)
    for r in (r1, r2, r3, r4):
        store.put_reminder(r)
    retry = occurrence(r1, due=T0 - 50, status=RETRY, fire_at=T0 + 150)
    snoozed = occurrence(r1, due=T0 - 40, status=SNOOZED, fire_at=T0 + 250)
    held = occurrence(r1, due=T0 - 30, status=HELD, fire_at=T0 + 400)
    sent = occurrence(r1, due=T0 - 20, status=SENT, fire_at=T0 + 10)  # waits for an answer: not due
    sending = occurrence(r1, due=T0 - 10, status=SENDING, fire_at=T0 + 20)
    for o in (retry, snoozed, held, sent, sending):
        store.put_occurrence(o)

    assert store.next_due_at() == T0 + 100
    items = store.due_items(T0 + 1000, 10)
    assert [i.at for i in items] == [T0 + 100, T0 + 150, T0 + 250, T0 + 300, T0 + 400]
    assert items[0].reminder == r2 and items[0].occurrence is None
    assert items[1].occurrence == retry and items[1].reminder is None
    assert [i.at for i in store.due_items(T0 + 250, 10)] == [T0 + 100, T0 + 150, T0 + 250]
    assert [i.at for i in store.due_items(T0 + 1000, 2)] == [T0 + 100, T0 + 150]
    assert store.due_items(T0 + 99, 10) == []
    assert [i.at for i in store.due_items(T0 + 1000, 10)] == [i.at for i in items]  # reading claims nothing


def test_stale_due_entries_never_show(store: Store) -> None:
    r1 = reminder(number=1, next_due=T0 + 100)
    store.put_reminder(r1)
    store.put_reminder(replace(r1, next_due=T0 + 500))  # the T0+100 entry is now stale
    store.put_reminder(replace(r1, next_due=T0 + 500))  # same time twice: listed once
    assert store.next_due_at() == T0 + 500
    assert [(i.at, i.reminder.id if i.reminder else None) for i in store.due_items(T0 + 1000, 10)] == [
        (T0 + 500, r1.id)
    ]
    store.put_reminder(replace(r1, next_due=T0 + 500, paused=True))
    assert store.next_due_at() is None
    store.put_reminder(replace(r1, next_due=T0 + 700))
    assert store.next_due_at() == T0 + 700
    store.delete_reminder(r1.id)
    assert store.next_due_at() is None and store.due_items(T0 + 10**6, 10) == []

    snoozed = occurrence(r1, status=SNOOZED, fire_at=T0 + 50)
    store.put_occurrence(snoozed)
    assert store.next_due_at() == T0 + 50
    store.put_occurrence(replace(snoozed, status=SNOOZED, fire_at=T0 + 80))
    assert [i.at for i in store.due_items(T0 + 1000, 10)] == [T0 + 80]
    store.put_occurrence(replace(snoozed, status=SENT))
    assert store.next_due_at() is None
    store.put_occurrence(replace(snoozed, status=RETRY, fire_at=T0 + 90))
    store.put_occurrence(replace(snoozed, status=CANCELLED))
    assert store.next_due_at() is None and store.due_items(T0 + 10**6, 10) == []


# Tallies ------------------------------------------------------------------------------------------
def test_outcomes_fold_into_the_tally_in_the_same_commit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rem = reminder()
    store.put_reminder(rem)
    store.put_tally(empty(rem.id, rem.account_id))
    day = 86400
    calls = _count_persists(store, monkeypatch) if isinstance(store, IndexedStore) else None
    for i, status in enumerate([DONE, DONE, SKIPPED, CANCELLED, MISSED, DONE]):
        store.put_occurrence(occurrence(rem, due=T0 + i * day))  # shown
        store.put_occurrence(replace(occurrence(rem, due=T0 + i * day), status=status))  # answered
    history = store.history_outcomes(rem.account_id)
    assert store.get_tally(rem.id) == from_outcomes(rem.id, rem.account_id, history, T0 + 5 * day)
    tally = store.get_tally(rem.id)
    assert tally is not None and (tally.current, tally.best) == (1, 2)
    assert [status for _, status in recent_outcomes(tally)] == [DONE, DONE, SKIPPED, MISSED, DONE]
    if calls is None:
        return  # PostgreSQL: put_occurrence writes both in one transaction (storage/postgres/store.py)
    answered = calls[1]  # the history row and its tally are one commit: a crash can't split them
    assert [c.table for c in answered] == ["occurrences", "history", "tallies"]
    cancelled = calls[7]  # counts for nothing, but moves the newest outcome's time on
    assert [c.table for c in cancelled] == ["occurrences", "history", "tallies"]


def test_an_outcome_out_of_order_drops_the_tally(store: Store) -> None:
    rem = reminder()
    store.put_reminder(rem)
    store.put_tally(empty(rem.id, rem.account_id))
    store.put_occurrence(occurrence(rem, due=T0, status=SNOOZED, fire_at=T0 + 7200))
    store.put_occurrence(occurrence(rem, due=T0 + 3600, status=DONE))
    store.put_occurrence(occurrence(rem, due=T0 + 3600, status=DONE))  # the same outcome again: no change
    assert store.get_tally(rem.id) is not None
    store.put_occurrence(occurrence(rem, due=T0, status=DONE))  # the snoozed one, answered after the later one
    assert store.get_tally(rem.id) is None  # unknown: rebuilt from history when next read


def test_tallies_go_with_their_reminder_and_account(store: Store) -> None:
    for number in (1, 2):
        store.put_reminder(reminder(number=number))
        store.put_tally(empty(reminder(number=number).id, "acct1"))
    store.delete_reminder(reminder(number=1).id)
    assert store.get_tally(reminder(number=1).id) is None
    assert store.get_tally(reminder(number=2).id) == empty(reminder(number=2).id, "acct1")
    store.delete_account("acct1")
    assert store.get_tally(reminder(number=2).id) is None
    store.put_tally(empty(reminder(number=2).id, "acct1"))  # say, a rebuild that raced /forget
    assert store.get_tally(reminder(number=2).id) is None  # no tally outlives its reminder


# Transactions -------------------------------------------------------------------------------------
def _count_persists(store: IndexedStore, monkeypatch: pytest.MonkeyPatch) -> list[list[Change]]:
    calls: list[list[Change]] = []
    original = store._persist

    def spy(changes: list[Change]) -> None:
        calls.append(list(changes))
        original(changes)

    monkeypatch.setattr(store, "_persist", spy)
    return calls


def test_nested_atomic_commits_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_persists(_indexed(store), monkeypatch)
    rem = reminder()
    with store.atomic():
        store.put_account(account())
        with store.atomic():
            store.put_reminder(rem)
            store.put_tally(empty(rem.id, rem.account_id))
            store.put_occurrence(occurrence(rem))
            assert store.reminders_of("acct1") == [rem]  # reads its own writes
        store.put_occurrence(replace(occurrence(rem), status=DONE))
        assert calls == []
    assert len(calls) == 1
    assert [(c.table, c.key) for c in calls[0]] == [
        ("accounts", "acct1"),
        ("reminders", rem.id),
        ("tallies", rem.id),
        ("occurrences", occurrence(rem).id),
        ("occurrences", occurrence(rem).id),
        ("history", occurrence(rem).id),
        ("tallies", rem.id),  # the outcome folded in, in the same commit
    ]


def _populate(store: Store) -> None:
    store.put_account(account())
    store.put_identity(identity())
    r1 = reminder(number=1, next_due=T0 + 100)
    store.put_reminder(r1)
    store.put_reminder(reminder(number=2, next_due=T0 + 200))
    store.put_occurrence(occurrence(r1, due=T0, status=SNOOZED, fire_at=T0 + 50))
    store.put_occurrence(occurrence(r1, due=T0 - 86400, status=DONE))


def _mess_up(store: Store) -> None:
    r1 = reminder(number=1, next_due=T0 + 100)
    store.put_account(account(next_number=9))
    store.put_identity(identity(user="999"))
    store.delete_identity("telegram:100")
    store.put_reminder(replace(r1, next_due=T0 + 5, text="changed"))
    store.delete_reminder(reminder(number=2).id)
    store.put_reminder(reminder(number=3, next_due=T0 + 1))
    store.put_occurrence(replace(occurrence(r1, due=T0, status=SNOOZED, fire_at=T0 + 50), status=DONE))
    store.put_occurrence(replace(occurrence(r1, due=T0 - 86400, status=DONE), status=SKIPPED))
    store.put_occurrence(occurrence(r1, due=T0 + 86400, status=RETRY, fire_at=T0 + 2))
    store.put_account(account("acct2"))


def test_exception_rolls_everything_back(store: Store) -> None:
    _populate(store)
    before = state_of(store, ["acct1", "acct2"])
    with pytest.raises(Boom), store.atomic():
        _mess_up(store)
        with store.atomic():
            store.put_reminder(reminder(number=4, next_due=T0))
        assert store.next_due_at() == T0
        raise Boom
    assert state_of(store, ["acct1", "acct2"]) == before
    assert store.next_due_at() == T0 + 50


def test_failed_persist_rolls_everything_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _populate(_indexed(store))
    before = state_of(store, ["acct1", "acct2"])

    def refuse(changes: list[Change]) -> None:
        raise StorageUnavailable("disk full")

    monkeypatch.setattr(store, "_persist", refuse)
    with pytest.raises(StorageUnavailable), store.atomic():
        _mess_up(store)
    with pytest.raises(StorageUnavailable):
        store.put_occurrence(occurrence(reminder(), due=T0 + 7, status=DONE))
    assert state_of(store, ["acct1", "acct2"]) == before


def test_delete_account_removes_everything(store: Store) -> None:
    _populate(store)
    other = reminder("acct2", next_due=T0 + 1)
    store.put_account(account("acct2"))
    store.put_identity(identity("acct2", user="2"))
    store.put_reminder(other)
    store.put_occurrence(occurrence(other, status=DONE))
    store.delete_account("acct1")
    gone = state_of(store, ["acct1"])["acct1"]
    assert gone == {"account": None, "identities": [], "reminders": [], "open": [], "history": [], "tallies": []}
    assert store.get_identity("telegram:100") is None
    assert store.get_occurrence("acct1", occurrence(reminder(), due=T0 - 86400).id) is None
    assert [i.reminder.id if i.reminder else None for i in store.due_items(T0 + 10**6, 10)] == [other.id]
    assert store.history_of("acct2") == [occurrence(other, status=DONE)]
    assert store.get_identity("telegram:2") is not None


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


# Undoing an answer ---------------------------------------------------------------------------------
def test_reopen_occurrence_takes_it_out_of_history_and_drops_the_tally(store: Store) -> None:
    store.put_account(account())
    rem = reminder()
    store.put_reminder(rem)
    store.put_tally(empty(rem.id, rem.account_id))
    shown = occurrence(rem, status=SENT)
    store.put_occurrence(shown)
    store.put_occurrence(replace(shown, status=DONE, updated_at=T0 + 60))
    assert store.get_tally(rem.id) is not None and [o.status for o in store.history_of("acct1")] == [DONE]
    store.reopen_occurrence(shown)
    assert store.history_of("acct1") == []
    assert store.open_occurrences_of("acct1") == [shown]
    assert store.get_occurrence("acct1", shown.id) == shown
    assert store.get_tally(rem.id) is None  # rebuilt from history when next read
    with pytest.raises(ValueError):
        store.reopen_occurrence(replace(shown, status=DONE))


def test_drop_occurrence_forgets_it_wherever_it_is(store: Store) -> None:
    store.put_account(account())
    rem = reminder()
    store.put_reminder(rem)
    early = occurrence(rem, due=T0 + 3600, status=SENT)
    store.put_occurrence(replace(early, status=DONE))
    later = occurrence(rem, due=T0 + 7200, status=SENT)
    store.put_occurrence(later)
    store.drop_occurrence("acct1", early.id)
    store.drop_occurrence("acct1", later.id)
    store.drop_occurrence("acct1", "nothing@1")  # nothing there: no error
    assert store.history_of("acct1") == [] and store.open_occurrences_of("acct1") == []
    assert store.get_occurrence("acct1", early.id) is None


# Shared short-lived state -------------------------------------------------------------------------
def test_shared_rows_put_together_are_each_as_if_put_alone(store: Store) -> None:
    store.shared_put("offer", "t1", {"old": True}, account_id="acct1", expires_at=T0 + 10)
    store.shared_put_many(
        [
            SharedRow("offer", "t1", {"n": 1}, "acct1", T0 + 60),  # replaces the one there
            SharedRow("undo", "acct1", {"token": "t1"}, "acct1", T0 + 60),
            SharedRow("note", "n1", {"n": 2}),  # no account, never expires
        ]
    )
    store.shared_put_many([])
    assert store.shared_get("offer", "t1", T0) == {"n": 1}
    assert store.shared_get("offer", "t1", T0 + 30) == {"n": 1}  # the new expiry, not the old one's
    assert store.shared_get("undo", "acct1", T0) == {"token": "t1"}
    assert store.shared_get("note", "n1", T0 + 10**9) == {"n": 2}
    assert store.shared_get("undo", "acct1", T0 + 61) is None
    store.delete_account("acct1")  # what names the account goes with it
    assert store.shared_get("offer", "t1", T0) is None and store.shared_get("note", "n1", T0) == {"n": 2}


def test_shared_state_expires_is_taken_once_and_goes_with_its_account(store: Store) -> None:
    store.shared_put("note", "acct1:1", {"text": "hello"}, account_id="acct1", expires_at=T0 + 60)
    store.shared_put("note", "acct2:1", {"text": "other"}, account_id="acct2")
    store.shared_put("code", "ABC", {"n": 1}, expires_at=T0 + 10)
    assert store.shared_get("note", "acct1:1", T0) == {"text": "hello"}
    assert [key for key, _ in store.shared_list("note", T0)] == ["acct1:1", "acct2:1"]
    assert store.shared_get("code", "ABC", T0 + 5) == {"n": 1}
    assert store.shared_take("code", "ABC", T0 + 5) == {"n": 1}
    assert store.shared_take("code", "ABC", T0 + 5) is None  # taken once
    store.shared_put("code", "OLD", {"n": 2}, expires_at=T0)
    assert store.shared_take("code", "OLD", T0 + 1) is None  # an expired one is never handed out
    assert store.shared_list("code", T0 + 1) == []
    store.delete_account("acct1")
    assert store.shared_list("note", T0) == [("acct2:1", {"text": "other"})]
    store.shared_put("note", "acct2:2", {"text": "soon"}, account_id="acct2", expires_at=T0 + 60)
    assert store.shared_get("note", "acct2:2", T0 + 60) is None  # expired at its time
    assert store.shared_list("note", T0 + 60) == [("acct2:1", {"text": "other"})]


def test_shared_first_keeps_the_first_writers_document(store: Store) -> None:
    first = store.shared_first("secret", "buttons", {"key": "aa"})
    again = store.shared_first("secret", "buttons", {"key": "bb"})
    assert first == again == {"key": "aa"}


# Whole stores (the migration) ------------------------------------------------------------------------
def test_all_account_ids_and_count_rows_see_every_record(store: Store) -> None:
    assert list(store.all_account_ids()) == []
    assert store.count_rows() == dict.fromkeys(ROW_TABLES, 0)
    _populate(store)
    store.put_tally(empty(reminder(number=1).id, "acct1"))
    for n in (3, 1, 2):
        store.put_account(account(f"acct{n}0"))
    store.checkpoint()  # TinyDB: history from its files now, not the journal
    store.put_occurrence(occurrence(reminder(number=2), due=T0 - 2 * 86400, status=SKIPPED))  # and one on top
    assert list(store.all_account_ids()) == ["acct1", "acct10", "acct20", "acct30"]
    assert store.count_rows() == {
        "accounts": 4,
        "identities": 1,
        "reminders": 2,
        "occurrences": 1,
        "history": 2,
        "tallies": 1,
    }


def test_all_account_ids_pages_through_many(store: Store) -> None:
    ids = [f"a{n:05d}" for n in range(2345)]  # more than two of PostgreSQL's pages
    store.import_accounts([AccountRecords(account(i), (), (), (), (), ()) for i in reversed(ids)])
    assert list(store.all_account_ids()) == ids


def test_export_then_import_copies_accounts_as_stored(store: Store, tmp_path: Path) -> None:
    _populate(store)
    r1 = reminder(number=1)
    tally = replace(empty(r1.id, "acct1"), through=T0 - 86400, current=1, best=3, recent="Dxyz")
    store.put_tally(tally)  # as stored: not what folding the history would give
    store.put_account(account("acct2"))
    exported = store.export_accounts(["acct2", "nobody", "acct1"])
    assert [r.account.id for r in exported] == ["acct2", "acct1"]
    mine = exported[1]
    assert mine.account == store.get_account("acct1")
    assert list(mine.identities) == store.identities_of("acct1")
    assert list(mine.reminders) == store.reminders_of("acct1")
    assert list(mine.open) == store.open_occurrences_of("acct1")
    assert list(mine.history) == store.history_of("acct1")
    assert mine.tallies == (tally,)
    assert mine.counts() == {
        "accounts": 1,
        "identities": 1,
        "reminders": 2,
        "occurrences": 1,
        "history": 1,
        "tallies": 1,
    }
    copy = TinyDBStore(str(tmp_path / "copy.json"), freeze_gc=False)
    try:
        copy.import_accounts(exported)
        assert state_of(copy, ["acct1", "acct2"]) == state_of(store, ["acct1", "acct2"])
    finally:
        copy.close()
    store.import_accounts([AccountRecords(account("acct3"), (), (), (), (), ())])
    assert store.get_account("acct3") == account("acct3")


def test_tallies_of_reads_the_known_tallies_of_the_reminders_asked_for(store: Store) -> None:
    for number in (1, 2, 3):
        store.put_reminder(reminder(number=number))
    store.put_tally(empty(reminder(number=1).id, "acct1"))
    store.put_tally(empty(reminder(number=3).id, "acct1"))
    asked = [reminder(number=n).id for n in (1, 2, 3)]
    assert store.tallies_of("acct1", asked) == {
        reminder(number=1).id: empty(reminder(number=1).id, "acct1"),
        reminder(number=3).id: empty(reminder(number=3).id, "acct1"),
    }
    assert store.tallies_of("acct1", asked[:1]) == {asked[0]: empty(asked[0], "acct1")}
    assert store.tallies_of("acct2", asked) == {}  # never another account's
    assert store.tallies_of("acct1", []) == {}


# Treatment-guide feedback -----------------------------------------------------------------------------
def test_feedback_counts_presses_per_entry(store: Store) -> None:
    assert store.feedback_counts() == {}
    store.add_feedback("exf-often", True)
    store.add_feedback("exf-often", True)
    store.add_feedback("exf-often", False)
    store.add_feedback("laser-cost", False)
    assert store.feedback_counts() == {"exf-often": (2, 1), "laser-cost": (0, 1)}


def test_feedback_names_nobody_and_outlives_every_account(store: Store) -> None:
    store.put_account(account())
    store.put_identity(identity())
    store.add_feedback("peel-after", True)
    store.delete_account("acct1")
    assert store.feedback_counts() == {"peel-after": (1, 0)}
    assert store.count_rows() == dict.fromkeys(ROW_TABLES, 0)  # no person's row counts it


def test_feedback_inside_a_failed_transaction_is_not_counted(store: Store) -> None:
    store.add_feedback("md-hurt", True)
    with pytest.raises(Boom), store.atomic():
        store.add_feedback("md-hurt", True)
        raise Boom
    assert store.feedback_counts() == {"md-hurt": (1, 0)}


def test_import_feedback_sets_the_counts_given(store: Store) -> None:
    store.import_feedback({"a": (3, 1), "b": (0, 7)})
    store.add_feedback("a", False)
    assert store.feedback_counts() == {"a": (3, 2), "b": (0, 7)}


def test_feedback_survives_a_reopen(store: Store, tmp_path: Path) -> None:
    if not isinstance(store, TinyDBStore):
        pytest.skip("about the journal and snapshot of the file store")
    store.add_feedback("cream-which", True)
    store._release_lock_for_tests()  # as kill -9: only the journal line holds it
    reopened = TinyDBStore(store.path, freeze_gc=False)
    assert reopened.feedback_counts() == {"cream-which": (1, 0)}
    reopened.add_feedback("cream-which", False)
    reopened.checkpoint()  # now the snapshot holds it
    reopened.close()
    again = TinyDBStore(store.path, freeze_gc=False)
    assert again.feedback_counts() == {"cream-which": (1, 1)}
    again.close()
