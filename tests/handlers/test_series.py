"""Treatment series end to end through the core and the scheduler, with a fake clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.records import DONE, PAUSED
from tests import talk
from tests.fakes import RecordingPlatform
from tests.ticks import step_to_next_due

USER = Identity("console", "lee")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 2, 9, tzinfo=UTC))  # a Monday


say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


def series_of(app: App, who: Identity) -> tuple[object, ...]:
    return tuple(app.store.reminders_of(account_id(app, who=who)))


async def step(app: App, clock: FakeClock) -> datetime:
    return (await step_to_next_due(app, clock)).astimezone(BERLIN)


async def test_series_reminds_before_asks_after_and_dates_the_next_from_reality(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/timezone Europe/Berlin")
    [created] = await say(app, "/series chemical peel 2 every 4 weeks starting 2026-11-10 at 15:00")
    assert "0 of 2 sessions done" in created.text and "not medical advice" in created.text
    # No exfoliation reminder yet: no "Pause exfoliation" button, but how to pause them once there are some.
    assert not created.buttons and "/series pause 1 3 7" in created.text

    assert await step(app, clock) == datetime(2026, 11, 9, 15, tzinfo=BERLIN)
    assert platform.texts()[-1].startswith("🗓 Tomorrow at 15:00: your chemical peel session 1 of 2")
    assert await step(app, clock) == datetime(2026, 11, 10, 14, tzinfo=BERLIN)
    assert "In about an hour" in platform.texts()[-1]
    assert await step(app, clock) == datetime(2026, 11, 10, 17, tzinfo=BERLIN)
    [question] = platform.reminders()
    assert "Did your chemical peel session (1 of 2) happen?" in question.text
    assert app.store.next_due_at() is None  # waits for the answer

    clock.set(datetime(2026, 11, 12, 10, tzinfo=BERLIN))  # answered two days later: it happened late
    done = next(p for p in question.button_payloads() if p.startswith("o:d:"))
    [edited] = await say(app, button=done)
    assert edited.edit and "Done" in edited.text
    [listing] = await say(app, "/reminders")
    assert "1 of 2 sessions done" in listing.text and "next session Thu 10 Dec 2026 at 15:00" in listing.text

    [progress] = await say(app, "/progress text")
    assert "sessions done: 1 of 2 planned" in progress.text


async def test_reschedule_and_end_a_series(app: App, clock: FakeClock) -> None:
    await say(app, "/series microdermabrasion 3 every 3 weeks starting 2026-11-20 at 10:00")
    [moved] = await say(app, "/reschedule 1 2026-11-27 at 11:30")
    assert "next session Fri 27 Nov 2026 at 11:30" in moved.text
    nxt = app.store.next_due_at()
    assert nxt == datetime(2026, 11, 26, 11, 30, tzinfo=UTC).timestamp()  # the day before, in UTC (zone UTC)
    [wrong] = await say(app, "/reschedule 1 someday")
    assert "2026-12-10 at 15:00" in wrong.text
    [ended] = await say(app, "/series end 1")
    assert "Ended series 1" in ended.text
    assert app.store.next_due_at() is None


async def test_a_series_can_start_without_at_or_on_a_weekday(app: App) -> None:
    await say(app, "/timezone Europe/Berlin")
    [iso] = await say(app, "/series chemical peel 3 every 4 weeks starting 2027-01-10 09:00")
    assert "next session Sun 10 Jan 2027 at 09:00" in iso.text
    assert "Sessions as planned: Sun 10 Jan 09:00, Sun 7 Feb 09:00 and Sun 7 Mar 09:00." in iso.text
    [friday] = await say(app, "/series laser 2 every 6 weeks starting next friday at 10")  # Mon 2 Nov
    assert "next session Fri 6 Nov 2026 at 10:00" in friday.text
    assert 'I took "next friday" as the coming one' in friday.text  # what was assumed is said


async def test_reschedule_by_a_week_moves_every_remaining_session(app: App, clock: FakeClock) -> None:
    await say(app, "/timezone Europe/Berlin")
    await say(app, "/series chemical peel 3 every 4 weeks starting 2026-11-10 at 15:00")
    [moved] = await say(app, "/reschedule 1 by 1 week")
    assert "next session Tue 17 Nov 2026 at 15:00" in moved.text
    assert "All 3 remaining sessions are 1 week later now: Tue 17 Nov 15:00, Tue 15 Dec 15:00 and Tue 12 Jan 15:00" in (
        moved.text
    )
    assert app.store.next_due_at() == datetime(2026, 11, 16, 15, tzinfo=BERLIN).timestamp()  # the day before
    [back] = await say(app, "/reschedule 1 -3d")
    assert "3 days earlier now: Sat 14 Nov 15:00" in back.text
    [plus] = await say(app, "/reschedule 1 +1w")
    assert "next session Sat 21 Nov 2026 at 15:00" in plus.text
    [past] = await say(app, "/reschedule 1 by 4 weeks earlier")
    assert "which has passed" in past.text and "/reschedule 1 by 1 week" in past.text
    [series] = app.store.reminders_of(talk.account_id(app, USER))
    assert series.series is not None
    assert series.series["session_at"] == datetime(2026, 11, 21, 15, tzinfo=BERLIN).timestamp()  # unchanged


async def test_reschedule_to_a_date_sets_the_next_session_and_dates_the_rest_from_it(app: App) -> None:
    await say(app, "/timezone Europe/Berlin")
    await say(app, "/series chemical peel 3 every 4 weeks starting 2026-11-10 at 15:00")
    [moved] = await say(app, "/reschedule 1 2026-11-20 11:30")
    assert "next session Fri 20 Nov 2026 at 11:30" in moved.text
    assert "The sessions after it are dated from it: Fri 18 Dec 11:30 and Fri 15 Jan 11:30." in moved.text
    [repeat] = await say(app, "/reschedule 1 every day at 9")
    assert "a session is one date and time" in repeat.text


async def test_a_complete_series_has_nothing_to_move(app: App, clock: FakeClock, platform: RecordingPlatform) -> None:
    await say(app, "/series microdermabrasion 1 every 3 weeks starting 2026-11-03 at 10:00")
    while app.store.next_due_at() is not None:
        await step(app, clock)
    [question] = platform.reminders()
    await say(app, button=next(p for p in question.button_payloads() if p.startswith("o:d:")))
    [refused] = await say(app, "/reschedule 1 by 1 week")
    assert refused.text.startswith("Series 1 is complete")


async def test_exfoliation_pauses_around_a_peel_and_resumes_by_itself(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/plan exfoliation mon,thu 20:00")
    [created] = await say(app, "/series chemical peel 1 every 4 weeks starting 2026-11-12 at 15:00")
    pause = next(p for p in created.button_payloads() if p.startswith("b:"))
    [paused] = await say(app, button=pause)
    assert "pause 3 days before until 7 days after" in paused.text
    while clock.now() < datetime(2026, 11, 26, 20, tzinfo=UTC):
        await step(app, clock)
    delivered = [r.text for r in platform.reminders() if "Exfoliate" in r.text]
    history = {o.due: o.status for o in app.store.history_of(account_id(app)) if "Exfoliate" in o.text}
    paused_days = sorted(
        datetime.fromtimestamp(d, tz=UTC).date().isoformat() for d, s in history.items() if s == PAUSED
    )
    # Peel on Thu 12 Nov: 9 Nov (Mon), 12, 16 and 19 Nov fall inside 3 days before .. 7 days after.
    assert paused_days == ["2026-11-09", "2026-11-12", "2026-11-16", "2026-11-19"]
    assert len(delivered) == 4  # 2 and 5 Nov before the pause; 23 and 26 Nov after it: resumed by itself
    assert DONE not in history.values()


async def test_a_loofah_reminder_is_exfoliation_and_pauses_around_a_peel_too(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    # One made by name today, and one stored as "custom" before "loofah" was known (the kind is not rewritten).
    await say(app, "/timezone berlin")
    await say(app, "/remind loofah my back every mon,thu at 20:00")
    await say(app, "/remind dry brush every tue at 08:00")
    legacy = next(r for r in app.store.reminders_of(account_id(app)) if r.text.startswith("dry brush"))
    app.store.put_reminder(replace(legacy, kind="custom"))
    [created] = await say(app, "/series chemical peel 1 every 4 weeks starting 2026-11-12 at 15:00")
    pause = next(p for p in created.button_payloads() if p.startswith("b:"))  # offered: they exfoliate
    [paused] = await say(app, button=pause)
    assert "pause 3 days before until 7 days after" in paused.text
    while clock.now() < datetime(2026, 11, 26, 20, tzinfo=UTC):
        await step(app, clock)
    history = app.store.history_of(account_id(app))
    paused_days = sorted(
        datetime.fromtimestamp(o.due, tz=UTC).date().isoformat()
        for o in history
        if o.status == PAUSED and ("loofah" in o.text or "dry brush" in o.text)
    )
    # Peel on Thu 12 Nov, paused 9 .. 19 Nov: Mon 9, Tue 10, Thu 12, Mon 16, Tue 17, Thu 19.
    assert paused_days == ["2026-11-09", "2026-11-10", "2026-11-12", "2026-11-16", "2026-11-17", "2026-11-19"]
    sent = [r.text for r in platform.reminders() if "loofah" in r.text or "dry brush" in r.text]
    # Before the pause: 2, 3 and 5 Nov; after it, resumed by themselves: 23, 24, 26 and (the loop's last step
    # goes to the next time due) Mon 30 Nov.
    assert len(sent) == 7


async def test_edit_is_refused_on_a_series_and_points_to_reschedule(app: App) -> None:
    await say(app, "/series microdermabrasion 2 every 3 weeks starting 2026-11-20 at 10:00")
    [reply] = await say(app, "/edit 1 every day at 9:00")
    assert "/reschedule 1" in reply.text
    [series] = app.store.reminders_of(account_id(app))
    assert series.schedule["kind"] == "once" and series.series is not None


async def test_a_follow_up_interrupted_by_a_crash_stays_answerable(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/series chemical peel 2 every 4 weeks starting 2026-11-03 at 10:00")
    [series] = app.store.reminders_of(account_id(app))
    clock.set(datetime(2026, 11, 3, 12, 0, 1, tzinfo=UTC))
    app.regimen.series_follow_up(series)  # claimed (SENDING) ... and the bot dies before it is sent
    restarted = App(app.store, clock)
    restarted.hub.register(platform)
    await restarted.scheduler.recover()
    [reply] = await say(restarted, "/done 1")
    assert "Done" in reply.text
    [listing] = await say(restarted, "/reminders")
    assert "1 of 2 sessions done" in listing.text


# Series buttons are bound to the account they were made for (#11, item 8) --------------------------------
SAM = Identity("telegram", "sam")


async def test_someone_else_pressing_a_series_pause_button_changes_nothing(app: App) -> None:
    for who in (USER, SAM):  # both exfoliate (reminder 1), so a peel or laser series offers the pause button
        await say(app, "/remind exfoliate back every mon,thu at 20:00", who=who)
    [created] = await say(app, "/series chemical peel 2 every 4 weeks starting 2026-11-12 at 15:00")
    await say(app, "/series laser resurfacing 1 every 6 weeks starting 2026-11-20 at 10:00", who=SAM)  # also #2
    pause = next(p for p in created.button_payloads() if p.startswith("b:"))
    lee_before, sam_before = series_of(app, USER), series_of(app, SAM)
    [refused] = await say(app, button=pause, who=SAM)
    assert refused.text == (
        "That button was meant for someone else; to change your own series, see their numbers in /reminders."
    )
    assert series_of(app, USER) == lee_before and series_of(app, SAM) == sam_before
    [paused] = await say(app, button=pause)
    assert "pause 3 days before until 7 days after" in paused.text
    assert series_of(app, SAM) == sam_before


async def test_an_end_series_button_from_before_bound_buttons_asks_again_for_the_presser_only(app: App) -> None:
    await say(app, "/series chemical peel 2 every 4 weeks starting 2026-11-12 at 15:00")
    await say(app, "/series laser resurfacing 1 every 6 weeks starting 2026-11-20 at 10:00", who=SAM)
    lee_before, sam_before = series_of(app, USER), series_of(app, SAM)
    [asked] = await say(app, button="cmd:/series~end~1", who=SAM)
    assert asked.text == "That button is out of date, so nothing was changed. To go ahead, press below."
    assert series_of(app, USER) == lee_before and series_of(app, SAM) == sam_before
    [again] = asked.button_payloads()
    [refused] = await say(app, button=again)  # Sam's new button is Sam's: Lee pressing it ends nothing
    assert refused.text.startswith("That button was meant for someone else")
    assert series_of(app, USER) == lee_before and series_of(app, SAM) == sam_before
    [ended] = await say(app, button=again, who=SAM)
    assert ended.text.startswith("Ended series 1 (Laser resurfacing session)")
    assert series_of(app, SAM) == () and series_of(app, USER) == lee_before


async def test_the_same_series_twice_is_recognised_and_asked_about(app: App) -> None:
    command = "/series chemical peel 3 every 4 weeks starting 2026-11-12 at 15:00"
    await say(app, command)
    [asked] = await say(app, command)
    assert asked.text.startswith("You already have a chemical peel series: number 1,")
    assert [s.number for s in app.store.reminders_of(talk.account_id(app, USER)) if s.series] == [1]
    no = next(b.payload for row in asked.buttons for b in row if b.label == "No")
    [kept] = await say(app, button=no)
    assert kept.text.startswith("Nothing new set.")
    [asked] = await say(app, command)
    yes = next(b.payload for row in asked.buttons for b in row if b.label == "Yes, another series")
    [made] = await say(app, button=yes)
    assert made.text.startswith("Series 2 set")
