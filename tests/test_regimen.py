"""bot/regimen.py: what the conversation tests don't reach directly."""

from __future__ import annotations

import threading
from datetime import time

import pytest

from bot.timing.recurrence import Schedule
from storage.memory_store import MemoryStore
from storage.records import DONE, SENT, Outcome, Tally
from storage.tally import from_outcomes
from tests.handlers.test_progress import nightly_cream, run_days


async def test_a_tally_rebuilt_off_the_event_loop_misses_no_answer_given_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore()
    app, clock, platform, reminder = await nightly_cream(store)
    await run_days(app, clock, platform, ["done", "none"])  # the second evening's is shown, not answered yet
    [shown] = [o for o in store.open_occurrences_of(reminder.account_id) if o.status == SENT]
    with store.atomic():  # as an older database has it: no tally yet, so /progress rebuilds it
        store._write("tallies", reminder.id, None, reminder.account_id)

    read_history, go_on = threading.Event(), threading.Event()
    real = store.history_outcomes

    def slow_history(account_id: str) -> list[Outcome]:
        found = real(account_id)  # the history as it is before the answer below
        read_history.set()
        go_on.wait(10)
        return found

    monkeypatch.setattr(store, "history_outcomes", slow_history)
    rebuild = threading.Thread(target=app.regimen.progress_inputs, args=(reminder.account_id,))  # as /progress's chart
    answer = threading.Thread(target=app.regimen.resolve, args=(shown, DONE))  # Done pressed meanwhile
    rebuild.start()
    assert read_history.wait(10)
    answer.start()
    answer.join(0.3)  # it waits for the rebuild to finish (without that, it lands in between)
    go_on.set()
    rebuild.join(10)
    answer.join(10)
    monkeypatch.undo()

    tally = store.get_tally(reminder.id)
    history = store.history_outcomes(reminder.account_id)
    assert [o.status for o in history] == [DONE, DONE]
    assert isinstance(tally, Tally) and (tally.current, tally.best) == (2, 2)
    assert tally == from_outcomes(reminder.id, reminder.account_id, history, clock.now().timestamp())


async def test_a_change_to_a_reminder_never_writes_back_a_copy_read_before_it_was_sent() -> None:
    store = MemoryStore()
    app, clock, platform, reminder = await nightly_cream(store)
    stale = store.get_reminder(reminder.id)  # what a handler read...
    assert stale is not None
    await run_days(app, clock, platform, ["none"])  # ...before the dispatcher sent it and moved it on
    moved = store.get_reminder(reminder.id)
    assert moved is not None and moved.next_due != stale.next_due
    for change in ("rename", "nudges"):
        if change == "rename":
            app.regimen.rename(stale, "night cream")
        else:
            app.regimen.set_nudges(stale, 30, 1)
        now = store.get_reminder(reminder.id)
        assert now is not None and now.next_due == moved.next_due  # not back to the time already sent
    final = store.get_reminder(reminder.id)
    assert final is not None and (final.text, final.nudge_minutes) == ("night cream", 30)


async def test_two_reminders_made_from_the_same_account_copy_get_two_numbers() -> None:
    store = MemoryStore()
    app, _, _, reminder = await nightly_cream(store)
    account = store.get_account(reminder.account_id)
    assert account is not None
    schedule = Schedule(kind="daily", at=time(9, 0))
    first = app.regimen.create_reminder(account, "stretch", schedule, "custom", "console")  # both from one copy,
    second = app.regimen.create_reminder(account, "walk", schedule, "custom", "console")  # as two platforms at once
    assert first.number != second.number
    assert sorted(r.number for r in store.reminders_of(account.id)) == [reminder.number, first.number, second.number]
