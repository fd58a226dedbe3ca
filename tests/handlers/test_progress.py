from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot import chart as chart_module
from bot.app import App
from bot.models import Identity
from bot.progress import RULE, item_progress, item_progress_from_tally
from bot.timing.clock import FakeClock
from storage.base import StorageUnavailable
from storage.indexes import Change
from storage.memory_store import MemoryStore
from storage.records import Reminder
from storage.tally import from_outcomes
from storage.tinydb import TinyDBStore
from tests import talk
from tests.fakes import RecordingPlatform
from tests.test_chart import slice_colours
from tests.ticks import step_to_next_due

USER = Identity("console", "pat")


say = partial(talk.say, who=USER)


async def run_days(app: App, clock: FakeClock, platform: RecordingPlatform, answers: list[str]) -> None:
    """Walk through each due reminder in turn, answering with the given button kind (or not at all)."""
    for answer in answers:
        await step_to_next_due(app, clock)
        reminder = platform.reminders()[-1]
        prefix = {"done": "o:d:", "skip": "o:k:"}.get(answer)
        if prefix:
            payload = next(p for p in reminder.button_payloads() if p.startswith(prefix))
            await say(app, button=payload)


def drawn_charts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[chart_module.ChartRow], chart_module.Chart]]:
    """Every chart /progress draws from now on: the rows it was given and what it drew."""
    drawn: list[tuple[list[chart_module.ChartRow], chart_module.Chart]] = []
    original = chart_module.render

    def spy(rows: list[chart_module.ChartRow], *args: Any, **kwargs: Any) -> chart_module.Chart:
        result = original(rows, *args, **kwargs)
        drawn.append((rows, result))
        return result

    monkeypatch.setattr(chart_module, "render", spy)
    return drawn


def cell_colours(chart: chart_module.Chart, row: int, day: date, states: tuple[int, ...]) -> list[str]:
    """The colour of each slice of `row`'s cell of `day`, drawn for `states`."""
    return slice_colours(chart, row, chart.column_of(day), states)


def pats_app(store: MemoryStore | TinyDBStore) -> tuple[App, FakeClock, RecordingPlatform]:
    """Pat's app on `store`, with a recording platform, from 1 November 2026 12:00 UTC."""
    clock = FakeClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    app = App(store, clock)
    platform = RecordingPlatform()
    app.hub.register(platform)
    return app, clock, platform


async def nightly_cream(store: MemoryStore | TinyDBStore) -> tuple[App, FakeClock, RecordingPlatform, Reminder]:
    """Pat's app on `store` with one reminder, cream every evening at 21:30, from 1 November 2026."""
    app, clock, platform = pats_app(store)
    await say(app, "/remind cream every day at 21:30")
    me = store.get_identity("console:pat")
    assert me is not None
    [reminder] = store.reminders_of(me.account_id)
    return app, clock, platform, reminder


async def test_progress_reports_streaks_adherence_and_a_chart() -> None:
    app, clock, platform = pats_app(MemoryStore())
    await say(app, "/timezone Europe/Berlin")
    await say(app, "/remind cream every day at 21:30")
    # done, done, skip, done, (no answer -> missed when the next one comes), done, done
    await run_days(app, clock, platform, ["done", "done", "skip", "done", "none", "done", "done"])
    [reply] = await say(app, "/progress")
    assert "streak 2 (best 3)" in reply.text
    assert "last 7 days 5/6 (83%), 1 skipped" in reply.text  # the skip is left out, the miss counts
    assert reply.attachment is not None and reply.attachment.is_image
    assert reply.attachment.data.startswith(b"\x89PNG")
    [text_only] = await say(app, "/progress text")
    assert text_only.attachment is None and "streak 2" in text_only.text


async def test_csv_export_round_trips_history_in_the_users_zone() -> None:
    app, clock, platform = pats_app(MemoryStore())
    await say(app, "/timezone America/New_York")
    await say(app, "/remind stretch, twist & <b>bend</b> every day at 08:00")
    await run_days(app, clock, platform, ["done", "skip"])
    clock.advance(timedelta(hours=1))
    [reply] = await say(app, "/export csv")
    assert reply.attachment is not None and reply.attachment.mime_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.attachment.data.decode())))
    assert [r["outcome"] for r in rows] == ["done", "skipped"]
    assert [r["counts_as"] for r in rows] == ["done", "skipped: left out"]
    assert rows[0]["item"] == "stretch, twist & <b>bend</b>"
    assert rows[0]["due"] == "2026-11-01T08:00-05:00"  # hours after the US change back to standard time
    assert reply.text.startswith("Your history as CSV (2 rows, times in America/New_York).")


async def test_one_row_of_history_is_one_row() -> None:
    app, clock, platform = pats_app(MemoryStore())
    await say(app, "/remind stretch every day at 08:00")
    await run_days(app, clock, platform, ["done"])
    [reply] = await say(app, "/export csv")
    assert reply.text.startswith("Your history as CSV (1 row, times in ")


async def test_progress_without_reminders_points_to_plans() -> None:
    app = App(MemoryStore(), FakeClock(datetime(2026, 11, 1, tzinfo=UTC)))
    [reply] = await say(app, "/progress")
    assert "/plan" in reply.text and reply.attachment is None


async def test_the_chart_is_drawn_off_the_event_loop_and_at_most_every_ten_seconds() -> None:
    clock = FakeClock(datetime(2026, 11, 1, 12, tzinfo=UTC))
    app = App(MemoryStore(), clock)
    await say(app, "/remind cream every day at 21:30")
    loop_thread = threading.get_ident()
    drawn_on: list[int] = []
    original = app.regimen.chart_allowed

    def spy(account_id: str, cooldown: float = 10.0) -> bool:
        drawn_on.append(threading.get_ident())
        return original(account_id, cooldown)

    app.regimen.chart_allowed = spy  # type: ignore[method-assign]
    [first] = await say(app, "/progress")
    [second] = await say(app, "/progress")
    assert first.attachment is not None and second.attachment is None
    assert "at most once every 10 seconds" in second.text
    assert drawn_on and all(thread != loop_thread for thread in drawn_on)
    clock.advance(10)
    [third] = await say(app, "/progress")
    assert third.attachment is not None


async def test_progress_text_and_the_next_reminder_after_a_restart_read_no_history(tmp_path: Path) -> None:
    path = str(tmp_path / "clearback.json")
    app, clock, platform, _ = await nightly_cream(TinyDBStore(path, freeze_gc=False))
    await run_days(app, clock, platform, ["done", "done", "skip", "none", "done", "done"])
    [before] = await say(app, "/progress text")
    app.store.close()
    again = TinyDBStore(path, freeze_gc=False)
    restarted = App(again, clock)
    [after] = await say(restarted, "/progress text")
    assert after.text == before.text and "streak 2 (best 2)" in after.text
    later = RecordingPlatform()
    restarted.hub.register(later)
    await run_days(restarted, clock, later, ["done"])  # the next evening's reminder, shown and answered
    assert len(later.reminders()) == 1
    assert again.stats()["history_loaded_accounts"] == 0  # the history stayed on disk throughout
    again.close()


async def test_an_answer_out_of_order_is_counted_after_one_rebuild_from_history(tmp_path: Path) -> None:
    store = TinyDBStore(str(tmp_path / "clearback.json"), freeze_gc=False)
    app, clock, platform, reminder = await nightly_cream(store)
    await run_days(app, clock, platform, ["done", "none"])
    await say(app, "/snooze 1 25h")  # the second evening's, until after the third's
    await run_days(app, clock, platform, ["done", "done"])  # the third evening's, then the snoozed second's
    assert store.get_tally(reminder.id) is None  # folded out of order: unknown until rebuilt
    [reply] = await say(app, "/progress text")
    assert "streak 3 (best 3)" in reply.text
    tally = store.get_tally(reminder.id)
    history = store.history_outcomes(reminder.account_id)
    assert tally is not None and tally == from_outcomes(
        reminder.id, reminder.account_id, history, clock.now().timestamp()
    )
    assert item_progress_from_tally(tally, [], clock.now().timestamp()) == item_progress(
        reminder.id, history, clock.now().timestamp()
    )
    store.close()


async def test_a_tally_rebuilt_while_the_disk_is_full_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    app, clock, platform, reminder = await nightly_cream(store)
    await run_days(app, clock, platform, ["done", "done", "none", "done"])
    kept = store.get_tally(reminder.id)
    with store.atomic():  # as an older database has it: no tally yet
        store._write("tallies", reminder.id, None, reminder.account_id)

    def disk_full(changes: list[Change]) -> None:
        raise StorageUnavailable("no space left on device")

    monkeypatch.setattr(store, "_persist", disk_full)
    [reply] = await say(app, "/progress text")
    assert "streak 1 (best 2)" in reply.text and store.get_tally(reminder.id) is None
    monkeypatch.undo()
    await say(app, "/progress text")
    assert store.get_tally(reminder.id) == kept  # rebuilt from history: the same as the one kept all along


async def test_an_open_reminder_is_pending_in_the_text_as_in_the_chart(
    bot_app: App, fake_clock: FakeClock, recording_sender: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = drawn_charts(monkeypatch)
    pending = chart_module.COLOURS[chart_module.PENDING]
    await say(bot_app, "/remind cream every day at 21:30")
    await run_days(bot_app, fake_clock, recording_sender, ["done", "none"])  # Wed's done, Thu's sent, unanswered
    thursday = fake_clock.now().date()
    fake_clock.advance(timedelta(minutes=5))
    [reply] = await say(bot_app, "/progress")
    assert "last 7 days 1/1 (100%)" in reply.text and "1 waiting for your answer" in reply.text
    assert drawn[-1][0][0].days[thursday] == (chart_module.PENDING,)
    assert cell_colours(drawn[-1][1], 0, thursday, (chart_module.PENDING,)) == [pending]
    await say(bot_app, "/snooze 1 1h")
    fake_clock.advance(timedelta(seconds=11))  # the chart's cool-down
    [snoozed] = await say(bot_app, "/progress")
    assert "last 7 days 1/1 (100%)" in snoozed.text and "1 waiting for your answer" in snoozed.text
    assert len(drawn) == 2
    assert drawn[-1][0][0].days[thursday] == (chart_module.PENDING,)
    assert cell_colours(drawn[-1][1], 0, thursday, (chart_module.PENDING,)) == [pending]


async def test_a_skip_is_left_out_of_adherence_as_of_streaks_and_the_reply_says_so(
    bot_app: App, fake_clock: FakeClock, recording_sender: RecordingPlatform
) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    await run_days(bot_app, fake_clock, recording_sender, ["done", "skip", "done"])
    [reply] = await say(bot_app, "/progress text")
    assert "streak 2 (best 2) · last 7 days 2/2 (100%), 1 skipped · 28 days 2/2 (100%), 1 skipped" in reply.text
    assert RULE in reply.text and "a skip counts neither way (as in streaks)" in RULE
    assert "Outstanding consistency" in reply.text
    fake_clock.advance(timedelta(hours=1))
    [export] = await say(bot_app, "/export csv")
    assert export.attachment is not None and RULE in export.text
    rows = list(csv.DictReader(io.StringIO(export.attachment.data.decode())))
    assert [(r["outcome"], r["counts_as"]) for r in rows] == [
        ("done", "done"),
        ("skipped", "skipped: left out"),
        ("done", "done"),
    ]


async def test_the_chart_shows_up_to_today_marked_with_two_a_day_as_two(
    bot_app: App, fake_clock: FakeClock, recording_sender: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = drawn_charts(monkeypatch)
    colour = chart_module.COLOURS
    await say(bot_app, "/remind cream every day at 08:00 and 20:00")
    await run_days(bot_app, fake_clock, recording_sender, ["done", "none"])  # Wed 20:00 done, Thu 08:00 sent
    wednesday, thursday = date(2026, 11, 25), date(2026, 11, 26)
    fake_clock.set(datetime(2026, 11, 26, 12, tzinfo=UTC))
    [noon] = await say(bot_app, "/progress")
    [row], chart = drawn[-1]
    assert chart.title == "Your last 8 weeks: Fri 2 Oct to today, Thu 26 Nov 2026"
    assert chart.column_of(thursday) == chart.today_column and chart.x_labels[chart.today_column] == "today"
    assert max(column for _, column in chart.cell_boxes) == chart.today_column  # nothing drawn beyond today
    assert row.days == {wednesday: (chart_module.DONE,), thursday: (chart_module.PENDING, chart_module.UPCOMING)}
    assert cell_colours(chart, 0, thursday, row.days[thursday]) == [
        colour[chart_module.PENDING],
        colour[chart_module.UPCOMING],
    ]
    assert "28 days 1/1 (100%)" in noon.text and row.summary == "28 days: 100%"
    await run_days(bot_app, fake_clock, recording_sender, ["done"])  # Thu 20:00 done; the morning's missed
    [evening] = await say(bot_app, "/progress")
    [row], chart = drawn[-1]
    assert row.days[thursday] == (chart_module.MISSED, chart_module.DONE)
    missed_then_done = [colour[chart_module.MISSED], colour[chart_module.DONE]]
    assert cell_colours(chart, 0, thursday, row.days[thursday]) == missed_then_done
    assert "28 days 2/3 (67%)" in evening.text and row.summary == "28 days: 67%"


async def test_a_deleted_reminder_keeps_its_past_in_progress_as_in_the_csv_export(
    bot_app: App, fake_clock: FakeClock, recording_sender: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = drawn_charts(monkeypatch)
    await say(bot_app, "/remind cream every day at 21:30")
    # Wed done, Thu skipped, Fri missed (unanswered until Sat's came), Sat done, Sun's open when it is deleted.
    await run_days(bot_app, fake_clock, recording_sender, ["done", "skip", "none", "done", "none"])
    fake_clock.advance(timedelta(minutes=5))
    await say(bot_app, "/delete 1")
    [text] = await say(bot_app, "/progress text")
    numbers = "last 7 days 2/3 (67%), 1 skipped · 28 days 2/3 (67%), 1 skipped"
    assert f"1. cream (deleted)\n   deleted · {numbers}" in text.text
    await say(bot_app, "/remind sunscreen every day at 08:00")
    [reply] = await say(bot_app, "/progress")
    assert "2. sunscreen\n" in reply.text and "1. cream (deleted)" in reply.text
    [export] = await say(bot_app, "/export csv")
    assert export.attachment is not None
    rows = list(csv.DictReader(io.StringIO(export.attachment.data.decode())))
    assert {(r["item"], r["reminder"], r["reminder_status"]) for r in rows} == {("cream", "1", "deleted")}
    assert [(r["outcome"], r["counts_as"]) for r in rows][-1] == ("cancelled", "left out")  # open when deleted
    [sunscreen, cream], chart = drawn[-1]
    assert (sunscreen.label, sunscreen.deleted, cream.label, cream.deleted) == (
        "2. sunscreen",
        False,
        "1. cream (deleted)",
        True,
    )
    states = {
        "done": chart_module.DONE,
        "skipped: left out": chart_module.SKIPPED,
        "missed": chart_module.MISSED,
    }
    exported = {date.fromisoformat(r["due"][:10]): (states[r["counts_as"]],) for r in rows if r["counts_as"] in states}
    assert cream.days == exported and len(exported) == 4  # the same past outcomes, day by day
    assert cream.summary == "28 days: 67%, 1 skipped"
    for day, day_states in exported.items():
        assert cell_colours(chart, 1, day, day_states) == [chart_module.COLOURS[day_states[0]]]
