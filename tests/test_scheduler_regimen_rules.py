"""Quiet hours, nudges and auto-pause, driven through the real scheduler with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.claim_rules import AUTO_PAUSE_AFTER
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.records import DONE, HELD, MISSED
from tests import talk
from tests.fakes import RecordingPlatform
from tests.ticks import step_to_next_due

USER = Identity("console", "sam")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 23, 12, tzinfo=UTC))


say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


async def test_quiet_hours_hold_across_midnight_and_dst_then_deliver_once(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/timezone Europe/Berlin")
    [reply] = await say(app, "/quiet 22:00-07:00")
    assert "22:00-07:00" in reply.text
    await say(app, "/remind drink water every day at 23:30")
    # 24 Oct 23:30 CEST falls in quiet hours; they end 25 Oct 07:00 CET, after the clocks went back.
    clock.set(datetime(2026, 10, 24, 21, 30, tzinfo=UTC))
    await app.scheduler.tick()
    assert platform.reminders() == []
    [held] = app.store.open_occurrences_of(account_id(app))
    assert held.status == HELD
    assert datetime.fromtimestamp(held.fire_at, tz=UTC) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
    fired = await step_to_next_due(app, clock)
    assert fired.astimezone(BERLIN).hour == 7
    [reminder] = platform.reminders()
    assert "Held during your quiet hours" in reminder.text and "yesterday 23:30" in reminder.text
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1
    await say(app, "/quiet off")
    await step_to_next_due(app, clock)
    assert "Held" not in platform.reminders()[-1].text
    assert clock.now().astimezone(BERLIN).hour == 23


async def test_nudges_repeat_an_unanswered_reminder_at_most_as_configured(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    [reply] = await say(app, "/nudge 1 2h 2")
    assert "up to twice" in reply.text
    start = await step_to_next_due(app, clock)
    await step_to_next_due(app, clock)
    await step_to_next_due(app, clock)
    texts = [r.text for r in platform.reminders()]
    assert len(texts) == 3 and all("Still waiting" in t for t in texts[1:])
    assert clock.now() - start == timedelta(hours=4)
    nxt = app.store.next_due_at()
    assert nxt is not None and datetime.fromtimestamp(nxt, tz=UTC).hour == 21  # no third nudge: tomorrow's
    await say(app, button=next(p for p in platform.reminders()[-1].button_payloads() if p.startswith("o:d:")))
    assert [o.status for o in app.store.history_of(account_id(app))] == [DONE]


async def test_nudge_is_off_by_default_and_rejects_bad_input(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    await step_to_next_due(app, clock)
    nxt = app.store.next_due_at()
    assert nxt is not None and nxt - clock.now().timestamp() == 86400
    [reply] = await say(app, "/nudge 1 3d")
    assert "/nudge 1 2h" in reply.text
    [reply] = await say(app, "/nudge 1 1h 5")
    assert "at most 2" in reply.text


async def test_reminders_unanswered_many_times_pause_themselves(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    for _ in range(AUTO_PAUSE_AFTER + 1):
        await step_to_next_due(app, clock)
    [reminder] = app.store.reminders_of(account_id(app))
    assert reminder.paused and reminder.pause_reason == "no answers lately"
    assert app.store.next_due_at() is None
    notices = [t for t in platform.texts() if "went unanswered" in t]
    assert len(notices) == 1 and "/resume 1" in notices[0]
    statuses = [o.status for o in app.store.history_of(account_id(app))]
    assert statuses.count(MISSED) == AUTO_PAUSE_AFTER
    [listing] = await say(app, "/reminders")
    assert "paused (no answers lately)" in listing.text


async def test_any_answer_resets_the_unanswered_count(app: App, clock: FakeClock, platform: RecordingPlatform) -> None:
    await say(app, "/remind cream every day at 21:30")
    for _ in range(AUTO_PAUSE_AFTER - 1):
        await step_to_next_due(app, clock)
    await say(app, button=next(p for p in platform.reminders()[-1].button_payloads() if p.startswith("o:k:")))
    for _ in range(AUTO_PAUSE_AFTER - 1):
        await step_to_next_due(app, clock)
    [reminder] = app.store.reminders_of(account_id(app))
    assert not reminder.paused


async def test_quiet_hours_ending_in_the_repeated_autumn_hour_hold_once_and_finish(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    clock.set(datetime(2026, 11, 1, 4, 10, tzinfo=UTC))  # 00:10 EDT, the night the clocks go back
    await say(app, "/timezone America/New_York")
    await say(app, "/quiet 23:00-01:30")
    await say(app, "/remind take a break in 2h")  # 01:10 EST: inside the second pass of 01:00-02:00
    clock.set(datetime(2026, 11, 1, 6, 10, tzinfo=UTC))
    await app.scheduler.tick()  # must return: the hold ends at 01:30 EST, not at the 01:30 EDT gone by
    assert platform.reminders() == []
    assert app.store.next_due_at() == datetime(2026, 11, 1, 6, 30, tzinfo=UTC).timestamp()
    await step_to_next_due(app, clock)
    assert len(platform.reminders()) == 1
