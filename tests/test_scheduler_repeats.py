"""The new kinds of schedule through the App and the scheduler on a controllable clock: several times a day (each
time answered on its own), monthly, and repeats with an end (the last one says so and the reminder finishes).

Every kind keeps the exactly-once guarantee on clock-change days in three zones (one southern): each time fires
once, a time inside the spring gap fires once an hour later, a time inside the autumn overlap fires once (the
first pass), and nothing fires in between. The expected instants are written out in UTC, not computed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from bot import payloads
from bot.app import App
from bot.models import Identity, Reply
from bot.render import LAST_ONE
from bot.timing.clock import FakeClock
from storage.records import DONE, MISSED, SKIPPED, UNDELIVERABLE, Outcome
from tests import talk
from tests.fakes import RecordingPlatform

USER = Identity("console", "rita")
say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))


def z(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def live(
    app: App,
    clock: FakeClock,
    platform: RecordingPlatform,
    until: datetime,
    step: timedelta = timedelta(minutes=15),
    answer: bool = True,
) -> list[tuple[datetime, Reply]]:
    """Run the scheduler up to `until`: ticking at every due time the store names and at least every `step`
    between them (where nothing may fire), answering each reminder as it comes, Done and Skip in turn."""
    fired: list[tuple[datetime, Reply]] = []
    while clock.now() < until:
        target = clock.now() + step
        nxt = app.store.next_due_at()
        if nxt is not None and nxt > clock.now().timestamp():
            target = min(target, datetime.fromtimestamp(nxt, tz=UTC))
        clock.set(min(target, until))
        await app.scheduler.tick()
        for _, reply in platform.take():
            if reply.occurrence_id is None:
                continue
            fired.append((clock.now(), reply))
            if answer:
                action = payloads.DONE if len(fired) % 2 else payloads.SKIP
                await say(app, button=payloads.occurrence(action, reply.occurrence_id))
    return fired


async def set_up(app: App, clock: FakeClock, zone: str, start: datetime, remind: str) -> None:
    clock.set(start)
    await say(app, f"/timezone {zone}")
    [confirmation] = await say(app, f"/remind {remind}")
    assert confirmation.text.startswith("Reminder ") and " set: " in confirmation.text, confirmation.text


def dues(fired: list[tuple[datetime, Reply]], app: App) -> list[datetime]:
    """When each fired occurrence was due, checking it went out at that moment (never early, never late)."""
    found = []
    for at, reply in fired:
        assert reply.occurrence_id is not None
        occurrence = app.store.get_occurrence(account_id(app), reply.occurrence_id)
        assert occurrence is not None
        due = datetime.fromtimestamp(occurrence.due, tz=UTC)
        assert at == due, (at, due)
        found.append(due)
    return found


# Several times a day on change days --------------------------------------------------------------------------
# (zone, the local times, when the reminder is made, the instants it must fire at over the three days around a
# change): the first time sits in the gap (spring) or the overlap (autumn) of that zone.
CHANGE_DAYS = {
    "berlin-autumn": (
        "Europe/Berlin",
        "02:30 and 20:00",
        z(2026, 10, 23, 20),
        [
            z(2026, 10, 24, 0, 30), z(2026, 10, 24, 18), z(2026, 10, 25, 0, 30), z(2026, 10, 25, 19),
            z(2026, 10, 26, 1, 30), z(2026, 10, 26, 19),
        ],
    ),
    "berlin-spring": (
        "Europe/Berlin",
        "02:30 and 20:00",
        z(2027, 3, 26, 21),
        [
            z(2027, 3, 27, 1, 30), z(2027, 3, 27, 19), z(2027, 3, 28, 1, 30), z(2027, 3, 28, 18),
            z(2027, 3, 29, 0, 30), z(2027, 3, 29, 18),
        ],
    ),
    "new-york-autumn": (
        "America/New_York",
        "01:30 and 20:00",
        z(2026, 10, 31, 2),
        [
            z(2026, 10, 31, 5, 30), z(2026, 11, 1, 0), z(2026, 11, 1, 5, 30), z(2026, 11, 2, 1),
            z(2026, 11, 2, 6, 30), z(2026, 11, 3, 1),
        ],
    ),
    "new-york-spring": (
        "America/New_York",
        "02:30 and 20:00",
        z(2027, 3, 13, 3),
        [
            z(2027, 3, 13, 7, 30), z(2027, 3, 14, 1), z(2027, 3, 14, 7, 30), z(2027, 3, 15, 0),
            z(2027, 3, 15, 6, 30), z(2027, 3, 16, 0),
        ],
    ),
    "sydney-spring": (
        "Australia/Sydney",
        "02:30 and 20:00",
        z(2026, 10, 2, 12),
        [
            z(2026, 10, 2, 16, 30), z(2026, 10, 3, 10), z(2026, 10, 3, 16, 30), z(2026, 10, 4, 9),
            z(2026, 10, 4, 15, 30), z(2026, 10, 5, 9),
        ],
    ),
    "sydney-autumn": (
        "Australia/Sydney",
        "02:30 and 20:00",
        z(2027, 4, 2, 11),
        [
            z(2027, 4, 2, 15, 30), z(2027, 4, 3, 9), z(2027, 4, 3, 15, 30), z(2027, 4, 4, 10),
            z(2027, 4, 4, 16, 30), z(2027, 4, 5, 10),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CHANGE_DAYS))
async def test_several_times_a_day_fire_exactly_once_each_on_a_change_day_and_are_answered_one_by_one(
    app: App, clock: FakeClock, platform: RecordingPlatform, case: str
) -> None:
    zone, times, start, expected = CHANGE_DAYS[case]
    await set_up(app, clock, zone, start, f"cream every day at {times}")
    fired = await live(app, clock, platform, until=expected[-1] + timedelta(hours=2))
    assert dues(fired, app) == expected
    ids = [reply.occurrence_id for _, reply in fired]
    assert len(set(ids)) == len(ids)
    history = {o.id: o.status for o in app.store.history_of(account_id(app))}
    assert [history[i] for i in ids if i is not None] == [DONE, SKIPPED] * 3  # each time answered by itself


async def test_each_time_of_the_day_has_its_own_buttons_and_an_unanswered_one_is_missed_when_the_next_time_comes(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await set_up(app, clock, "Europe/Berlin", z(2026, 11, 25, 6), "cream every day at 8:00 and 20:00")
    fired = await live(app, clock, platform, until=z(2026, 11, 26, 6), answer=False)
    morning, evening = (reply for _, reply in fired)
    assert morning.occurrence_id != evening.occurrence_id
    assert all(p.endswith(f":{morning.occurrence_id}") for p in morning.button_payloads()[:2])
    await say(app, button=payloads.occurrence(payloads.DONE, evening.occurrence_id or ""))
    history = {o.id: o.status for o in app.store.history_of(account_id(app))}
    assert history == {morning.occurrence_id: MISSED, evening.occurrence_id: DONE}  # the morning's passed at 20:00


# Monthly on change days --------------------------------------------------------------------------------------
MONTHLY = {
    # The last Sunday of March and of October are Europe's change days.
    "berlin": (
        "Europe/Berlin",
        "every last sunday of the month at 02:30",
        z(2026, 10, 1, 12),
        [
            z(2026, 10, 25, 0, 30), z(2026, 11, 29, 1, 30), z(2026, 12, 27, 1, 30), z(2027, 1, 31, 1, 30),
            z(2027, 2, 28, 1, 30), z(2027, 3, 28, 1, 30), z(2027, 4, 25, 0, 30),
        ],
    ),
    # New York falls back on the first Sunday of November.
    "new-york": (
        "America/New_York",
        "every first sunday of the month at 01:30",
        z(2026, 10, 1, 16),
        [z(2026, 10, 4, 5, 30), z(2026, 11, 1, 5, 30), z(2026, 12, 6, 6, 30)],
    ),
    # Sydney springs forward on the first Sunday of October and falls back on the first Sunday of April.
    "sydney": (
        "Australia/Sydney",
        "every first sunday of the month at 02:30",
        z(2026, 9, 15, 2),
        [
            z(2026, 10, 3, 16, 30), z(2026, 10, 31, 15, 30), z(2026, 12, 5, 15, 30), z(2027, 1, 2, 15, 30),
            z(2027, 2, 6, 15, 30), z(2027, 3, 6, 15, 30), z(2027, 4, 3, 15, 30), z(2027, 5, 1, 16, 30),
        ],
    ),
}


@pytest.mark.parametrize("case", list(MONTHLY))
async def test_a_monthly_reminder_fires_exactly_once_a_month_across_change_days(
    app: App, clock: FakeClock, platform: RecordingPlatform, case: str
) -> None:
    zone, remind, start, expected = MONTHLY[case]
    await set_up(app, clock, zone, start, f"peel mask {remind}")
    fired = await live(app, clock, platform, until=expected[-1] + timedelta(days=1), step=timedelta(hours=3))
    assert dues(fired, app) == expected


# Repeats with an end -----------------------------------------------------------------------------------------
ENDING = {
    "berlin-autumn": (
        "Europe/Berlin",
        "every day at 02:30 for 3 days",
        z(2026, 10, 23, 12),
        [z(2026, 10, 24, 0, 30), z(2026, 10, 25, 0, 30), z(2026, 10, 26, 1, 30)],
    ),
    "berlin-spring": (
        "Europe/Berlin",
        "every day at 02:30 for 3 days",
        z(2027, 3, 26, 12),
        [z(2027, 3, 27, 1, 30), z(2027, 3, 28, 1, 30), z(2027, 3, 29, 0, 30)],
    ),
    "new-york": (
        "America/New_York",
        "every day at 01:30 3 times",
        z(2026, 10, 30, 16),
        [z(2026, 10, 31, 5, 30), z(2026, 11, 1, 5, 30), z(2026, 11, 2, 6, 30)],
    ),
    "sydney": (
        "Australia/Sydney",
        "every day at 02:30 until 2027-04-05",
        z(2027, 4, 2, 2),
        [z(2027, 4, 2, 15, 30), z(2027, 4, 3, 15, 30), z(2027, 4, 4, 16, 30)],
    ),
}


@pytest.mark.parametrize("case", list(ENDING))
async def test_an_ending_repeat_fires_exactly_once_a_day_across_a_change_day_then_says_it_is_finished(
    app: App, clock: FakeClock, platform: RecordingPlatform, case: str
) -> None:
    zone, remind, start, expected = ENDING[case]
    await set_up(app, clock, zone, start, f"cream {remind}")
    fired = await live(app, clock, platform, until=expected[-1] + timedelta(days=3))
    assert dues(fired, app) == expected
    assert [LAST_ONE in reply.text for _, reply in fired] == [False, False, True]
    [reminder] = app.store.reminders_of(account_id(app))
    assert reminder.next_due is None
    assert app.store.next_due_at() is None  # nothing more, ever


async def test_an_ending_repeat_of_several_times_a_day_is_finished_after_its_last_time_only(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await set_up(app, clock, "Europe/Berlin", z(2026, 11, 25, 6), "cream every day at 8:00 and 20:00 until 2026-11-26")
    fired = await live(app, clock, platform, until=z(2026, 11, 28))
    assert [LAST_ONE in reply.text for _, reply in fired] == [False, False, False, True]
    assert dues(fired, app)[-1] == z(2026, 11, 26, 19)


async def test_a_one_off_says_it_is_the_last_one_and_a_snoozed_earlier_time_does_not(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 10m")
    [(_, only_one)] = await live(app, clock, platform, until=clock.now() + timedelta(minutes=11), answer=False)
    assert LAST_ONE in only_one.text
    await set_up(app, clock, "UTC", z(2026, 11, 26, 6), "cream every day at 8:00 for 2 days")
    [(_, first)] = await live(app, clock, platform, until=z(2026, 11, 26, 9), answer=False)
    assert LAST_ONE not in first.text
    await say(app, button=payloads.occurrence(payloads.SNOOZE_MORNING, first.occurrence_id or ""))  # tomorrow 8:00
    again = [reply for _, reply in await live(app, clock, platform, until=z(2026, 11, 27, 9), answer=False)]
    assert sorted(LAST_ONE in reply.text for reply in again) == [False, True]  # the snoozed one is not the last


# What /reminders says last -------------------------------------------------------------------------------------
async def test_last_outcomes_say_what_happened_to_each_reminder_without_reading_history(
    app: App, clock: FakeClock, platform: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(app, clock, "UTC", z(2026, 11, 25, 6), "cream every day at 8:00 and 20:00")
    await say(app, "/remind stretch at 9:00")
    await live(app, clock, platform, until=z(2026, 11, 25, 21))  # 8:00 done, 9:00 skipped, 20:00 done
    read: list[str] = []
    history_outcomes = app.store.history_outcomes
    def counted(aid: str) -> list[Outcome]:
        read.append(aid)
        return history_outcomes(aid)

    monkeypatch.setattr(app.store, "history_outcomes", counted)
    cream, stretch = app.store.reminders_of(account_id(app))
    lasts = app.regimen.last_outcomes(account_id(app))
    assert lasts[cream.id] == Outcome(cream.id, z(2026, 11, 25, 20).timestamp(), DONE)
    assert lasts[stretch.id] == Outcome(stretch.id, z(2026, 11, 25, 9).timestamp(), SKIPPED)
    assert read == []  # the tallies knew
    await live(app, clock, platform, until=z(2026, 11, 26, 9), answer=False)
    lasts = app.regimen.last_outcomes(account_id(app))
    assert lasts[cream.id].status == "sent" and lasts[cream.id].due == z(2026, 11, 26, 8).timestamp()


async def test_last_outcomes_read_the_history_once_only_when_an_older_tally_cannot_tell(
    app: App, clock: FakeClock, platform: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(app, clock, "UTC", z(2026, 11, 25, 6), "cream every day at 8:00 and 20:00")
    await say(app, "/remind stretch every day at 9:00")
    await live(app, clock, platform, until=z(2026, 11, 25, 10))  # 8:00 done, 9:00 skipped
    platform.blocked.add(USER.user_id)
    await live(app, clock, platform, until=z(2026, 11, 26, 8, 30))  # 20:00, 8:00: nobody to send them to
    read: list[str] = []
    history_outcomes = app.store.history_outcomes

    def counted(aid: str) -> list[Outcome]:
        read.append(aid)
        return history_outcomes(aid)

    monkeypatch.setattr(app.store, "history_outcomes", counted)
    cream, stretch = app.store.reminders_of(account_id(app))
    expected = {
        cream.id: Outcome(cream.id, z(2026, 11, 26, 8).timestamp(), UNDELIVERABLE),
        stretch.id: Outcome(stretch.id, z(2026, 11, 25, 9).timestamp(), SKIPPED),
    }
    lasts = app.regimen.last_outcomes(account_id(app))
    assert {rid: lasts[rid] for rid in expected} == expected
    assert read == []  # each tally keeps its newest outcome, even one that counts for nothing
    for reminder in (cream, stretch):  # as a tally written before it kept `last` would be
        tally = app.store.get_tally(reminder.id)
        assert tally is not None and tally.last
        app.store.put_tally(replace(tally, last=""))
    lasts = app.regimen.last_outcomes(account_id(app))
    assert {rid: lasts[rid] for rid in expected} == expected
    assert read == [account_id(app)]  # once, for the one reminder whose older tally could not tell
