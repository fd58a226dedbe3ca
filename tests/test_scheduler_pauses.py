"""Pauses and quiet hours are obeyed (issue 17): a paused reminder's snooze or nudge never fires, and turning quiet
hours off or changing them re-times at once what they hold. Driven through the real scheduler with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from bot.app import App
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.records import HELD, PAUSED, SENT
from tests import talk
from tests.fakes import RecordingPlatform

USER = Identity("console", "pia")
say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # a Wednesday, zone UTC


async def run_for(app: App, clock: FakeClock, minutes: int) -> None:
    """Tick every minute for a while, as the run loop would."""
    for _ in range(minutes):
        clock.advance(timedelta(minutes=1))
        await app.scheduler.tick()


async def test_a_pending_snooze_of_a_paused_reminder_never_fires(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 12:01")
    await say(app, "/remind lotion every day at 12:01")
    await run_for(app, clock, 1)
    assert len(platform.reminders()) == 2
    await say(app, "/snooze 2 15m")
    await say(app, "/pause 2")
    await run_for(app, clock, 60)
    assert len(platform.reminders()) == 2  # the snooze did not come
    [kept] = [o for o in app.store.open_occurrences_of(account_id(app)) if o.text == "lotion"]
    assert kept.status == SENT  # still there to answer
    [done] = await say(app, "/done 2")
    assert "Done" in done.text


async def test_pause_all_stops_pending_nudges(app: App, clock: FakeClock, platform: RecordingPlatform) -> None:
    await say(app, "/remind cream every day at 12:01")
    await say(app, "/nudge 1 5m 2")
    await run_for(app, clock, 1)
    assert len(platform.reminders()) == 1
    await say(app, "/pause all")
    await run_for(app, clock, 30)
    assert len(platform.reminders()) == 1  # no nudge followed


async def test_quiet_hours_off_releases_what_they_hold_at_once(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/quiet 12:00-18:00")
    await say(app, "/remind cream every day at 12:30")
    await run_for(app, clock, 31)
    assert platform.reminders() == []
    [held] = app.store.open_occurrences_of(account_id(app))
    assert held.status == HELD
    [reply] = await say(app, "/quiet off")
    assert "1 held reminder(s) now come today 12:31." in reply.text
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1  # not at 18:00, when the old window would have ended


async def test_changing_quiet_hours_re_times_what_they_hold(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/quiet 12:00-18:00")
    await say(app, "/remind cream every day at 12:30")
    await run_for(app, clock, 31)
    [reply] = await say(app, "/quiet 12:00-13:00")
    assert "now come today 13:00" in reply.text
    await run_for(app, clock, 28)  # 12:59
    assert platform.reminders() == []
    await run_for(app, clock, 1)
    assert len(platform.reminders()) == 1


async def test_pausing_records_what_quiet_hours_held_as_paused(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/quiet 12:00-18:00")
    await say(app, "/remind cream every day at 12:30")
    await run_for(app, clock, 31)
    await say(app, "/pause 1")
    assert [o.status for o in app.store.history_of(account_id(app))] == [PAUSED]
    await run_for(app, clock, 6 * 60)
    assert platform.reminders() == []


async def test_quiet_hours_off_releases_a_series_notice_they_hold(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/quiet 12:00-18:00")
    await say(app, "/series microdermabrasion 1 every 3 weeks starting 2026-11-26 at 12:30")  # notice: today 12:30
    await run_for(app, clock, 31)  # 12:31: the day-before notice waits for the window's end
    assert not [t for t in platform.texts() if "Tomorrow at 12:30" in t]
    await say(app, "/quiet off")
    await app.scheduler.tick()
    assert [t for t in platform.texts() if "Tomorrow at 12:30" in t]  # now, not at 18:00
