"""Reminders and plans through the conversation: create, list, change, answer; isolation between people."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.commands import COMMANDS
from bot.handlers.regimen import SNOOZE_EXAMPLES
from bot.models import Identity, Reply
from bot.plans import CHECKIN, CREAM, EXFOLIATION, TEMPLATES
from bot.timing.clock import FakeClock
from bot.timing.recurrence import Schedule, schedule_from_dict, times_per_week
from storage.records import CANCELLED, DONE, SENT, SKIPPED, SNOOZED, Occurrence, Reminder
from tests.conftest import START, account_snapshot, make_bot_app, only, say
from tests.fakes import RecordingPlatform

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def ts(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo | None = None) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=tz or UTC).timestamp()


def reminders(app: App, user: str = "u1") -> list[Reminder]:
    account = app.regimen.account_for(Identity("console", user))
    return app.store.reminders_of(account.id) if account else []


def reminder(app: App, number: int, user: str = "u1") -> Reminder:
    [found] = [r for r in reminders(app, user) if r.number == number]
    return found


def open_occurrences(app: App, user: str = "u1") -> list[Occurrence]:
    account = app.regimen.account_for(Identity("console", user))
    assert account is not None
    return app.store.open_occurrences_of(account.id)


def history(app: App, user: str = "u1") -> list[Occurrence]:
    account = app.regimen.account_for(Identity("console", user))
    assert account is not None
    return app.store.history_of(account.id)


async def deliver_at(app: App, sender: RecordingPlatform, clock: FakeClock, when: float) -> list[Reply]:
    """Move the clock to `when`, run the scheduler, and return what it sent."""
    clock.set(datetime.fromtimestamp(when, tz=UTC))
    await app.scheduler.tick()
    return [reply for _, reply in sender.take()]


def payload_for(reply: Reply, label: str) -> str:
    [payload] = [b.payload for row in reply.buttons for b in row if b.label == label]
    return payload


def created(number: int, what: str, when: str, nxt: str, zone: str = "UTC") -> str:
    """The start of a confirmation: the first of the next times comes first, with weekday and date."""
    return f"Reminder {number} set: {what}\nWhen: {when}\nNext: {nxt}"


def next_line(reply: Reply) -> str:
    return next(line for line in reply.text.splitlines() if line.startswith("Next: "))


# /remind --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("phrase", "when", "nxt", "due"),
    [
        ("in 10m", "once on Wed 25 Nov 2026 at 12:10", "Wed 25 Nov 12:10", ts(2026, 11, 25, 12, 10)),
        ("in 1h30m", "once on Wed 25 Nov 2026 at 13:30", "Wed 25 Nov 13:30", ts(2026, 11, 25, 13, 30)),
        ("at 18:00", "once on Wed 25 Nov 2026 at 18:00", "Wed 25 Nov 18:00", ts(2026, 11, 25, 18)),
        ("at 9am", "once on Thu 26 Nov 2026 at 09:00", "Thu 26 Nov 09:00", ts(2026, 11, 26, 9)),
        ("today at 20:00", "once on Wed 25 Nov 2026 at 20:00", "Wed 25 Nov 20:00", ts(2026, 11, 25, 20)),
        ("tomorrow at 9am", "once on Thu 26 Nov 2026 at 09:00", "Thu 26 Nov 09:00", ts(2026, 11, 26, 9)),
        ("tomorrow", "once on Thu 26 Nov 2026 at 09:00", "Thu 26 Nov 09:00", ts(2026, 11, 26, 9)),
        ("on 10 dec at 9:00", "once on Thu 10 Dec 2026 at 09:00", "Thu 10 Dec 09:00", ts(2026, 12, 10, 9)),
        ("on 2026-12-10", "once on Thu 10 Dec 2026 at 09:00", "Thu 10 Dec 09:00", ts(2026, 12, 10, 9)),
        ("on dec 10 at 7pm", "once on Thu 10 Dec 2026 at 19:00", "Thu 10 Dec 19:00", ts(2026, 12, 10, 19)),
        ("on friday at 18:00", "once on Fri 27 Nov 2026 at 18:00", "Fri 27 Nov 18:00", ts(2026, 11, 27, 18)),
        ("every day at 21:30", "every day at 21:30", "Wed 25 Nov 21:30", ts(2026, 11, 25, 21, 30)),
        ("daily at 21:30", "every day at 21:30", "Wed 25 Nov 21:30", ts(2026, 11, 25, 21, 30)),
        ("every mon,thu at 20:00", "every Mon and Thu at 20:00", "Thu 26 Nov 20:00", ts(2026, 11, 26, 20)),
        ("every monday and thursday at 8pm", "every Mon and Thu at 20:00", "Thu 26 Nov 20:00", ts(2026, 11, 26, 20)),
        ("at 20:00 every mon,thu", "every Mon and Thu at 20:00", "Thu 26 Nov 20:00", ts(2026, 11, 26, 20)),
        ("every weekday at 7am", "every weekday at 07:00", "Thu 26 Nov 07:00", ts(2026, 11, 26, 7)),
        ("every weekend at 10:00", "every Sat and Sun at 10:00", "Sat 28 Nov 10:00", ts(2026, 11, 28, 10)),
        ("weekly on sun at 19:00", "every Sun at 19:00", "Sun 29 Nov 19:00", ts(2026, 11, 29, 19)),
        ("every 3 days at 8:00", "every 3 days at 08:00", "Thu 26 Nov 08:00", ts(2026, 11, 26, 8)),
        ("every other day at 8:00", "every 2 days at 08:00", "Thu 26 Nov 08:00", ts(2026, 11, 26, 8)),
        ("every 2 weeks on sat at 10:00", "every 2 weeks on Sat at 10:00", "Sat 28 Nov 10:00", ts(2026, 11, 28, 10)),
        ("fortnightly on sun at 9", "every 2 weeks on Sun at 09:00", "Sun 29 Nov 09:00", ts(2026, 11, 29, 9)),
    ],
)
async def test_remind_understands_every_phrase_family(
    bot_app: App, phrase: str, when: str, nxt: str, due: float
) -> None:
    reply = only(await say(bot_app, f"/remind apply cream {phrase}"))
    assert reply.text.startswith(created(1, "apply cream", when, nxt))
    # Undo first (bound to this person), "My reminders" last; a lone hour adds its other reading.
    assert reply.buttons[0][0].label == "Undo" and reply.buttons[0][0].payload.startswith("b:")
    assert reply.button_payloads()[-1] == "cmd:/reminders"
    [made] = reminders(bot_app)
    assert (made.number, made.text, made.next_due, made.paused) == (1, "apply cream", due, False)


async def test_remind_uses_the_persons_zone(bot_app: App) -> None:
    await say(bot_app, "/timezone America/New_York")
    reply = only(await say(bot_app, "/remind stretch every day at 21:30"))
    assert reply.text.startswith(created(1, "stretch", "every day at 21:30", "Wed 25 Nov 21:30", "America/New_York"))
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 25, 21, 30, NEW_YORK)


async def test_exfoliating_more_than_three_times_a_week_asks_first(bot_app: App) -> None:
    often = only(await say(bot_app, "/remind exfoliate my back every day at 20:00"))
    assert "That's 7 times a week. Exfoliating more than 2-3 times a week can irritate the skin" in often.text
    assert reminders(bot_app) == []  # nothing saved until the person chooses
    gentle = only(await say(bot_app, button=payload_for(often, "Mon & Thu 20:00")))
    assert gentle.text.startswith("Reminder 1 set: exfoliate my back\nWhen: every Mon and Thu at 20:00")
    other = only(await say(bot_app, "/remind cream every day at 21:00")).text
    assert other.startswith("Reminder 2 set: cream")


async def test_a_loofah_or_dry_brush_counts_as_exfoliation_in_the_weekly_check(bot_app: App) -> None:
    await say(bot_app, "/plan exfoliation mon,thu 20:00")
    loofah = only(await say(bot_app, "/remind use loofah every wed,sat at 9pm"))
    assert "That's 4 times a week, 2 of them in your other exfoliation reminders." in loofah.text
    assert len(reminders(bot_app)) == 1
    only(await say(bot_app, "/remind use loofah every wed,sat at 9pm !"))
    brush = only(await say(bot_app, "/remind dry brush every sun at 8am"))
    assert "That's 5 times a week, 4 of them in your other exfoliation reminders." in brush.text


async def test_a_rare_every_n_days_exfoliation_leaves_room_for_a_gentler_choice(bot_app: App) -> None:
    await say(bot_app, "/remind exfoliate shoulders every 10 days at 20:00")  # 0.7 a week, on no fixed day
    asked = only(await say(bot_app, "/remind exfoliating scrub every day at 21:00"))
    assert [b.label for row in asked.buttons for b in row][1] == "Mon & Thu 21:00"


@pytest.mark.parametrize(
    ("when", "gentler"),
    [("every tue,fri at 8pm", "Sat only 20:00"), ("every day at 8:00 and 20:00", "Sat only 08:00")],
)
async def test_the_gentler_choice_never_adds_a_day_another_exfoliation_reminder_has(
    bot_app: App, when: str, gentler: str
) -> None:
    await say(bot_app, "/plan exfoliation mon,thu 20:00")
    asked = only(await say(bot_app, f"/remind exfoliate back {when}"))
    labels = [b.label for row in asked.buttons for b in row]
    assert labels[1] == gentler  # Mon and Thu are the plan's: Sat is the free day furthest from both
    chosen = only(await say(bot_app, button=asked.button_payloads()[1]))
    assert "every Sat at" in chosen.text


async def test_the_exfoliation_check_adds_up_every_exfoliation_reminder(bot_app: App) -> None:
    only(await say(bot_app, "/remind exfoliate back every mon,thu at 20:00"))
    second = only(await say(bot_app, "/remind scrub back every sat at 10:00"))
    assert second.text.startswith("Reminder 2 set")  # 3 a week in all: fine
    third = only(await say(bot_app, "/remind exfoliate shoulders every wed at 19:00"))
    assert "That's 4 times a week, 3 of them in your other exfoliation reminders." in third.text
    assert [b.label for row in third.buttons for b in row] == ["Yes, 4 a week", "Cancel"]
    assert len(reminders(bot_app)) == 2
    # /edit asks the same way, and '!' goes ahead without asking.
    edit = only(await say(bot_app, "/edit 2 every day at 10:00"))
    assert "That's 9 times a week, 2 of them in your other exfoliation reminders." in edit.text
    # The gentler day is one no other exfoliation reminder has (reminder 1 has Mon and Thu), as far from theirs
    # as can be: never a second exfoliation the same day (it offered "Thu only" before a review found that).
    assert [b.label for row in edit.buttons for b in row] == ["Yes, 9 a week", "Sat only 10:00", "Cancel"]
    sure = only(await say(bot_app, "/edit 2 every day at 10:00 !"))
    assert sure.text.startswith("Reminder 2 set: scrub back\nWhen: every day at 10:00")


@pytest.mark.parametrize(
    ("args", "quoted", "example"),
    [
        ("stretch", '"stretch"', "/remind stretch in 10m"),
        ("stretch sometime soon", '"stretch sometime soon"', "/remind exfoliate back every mon,thu at 20:00"),
        ("stretch at 25:00", '"25:00"', '"21:30"'),
        ("stretch at 9pmm", '"9pmm"', '"9:15pm"'),
        ("stretch on 30 feb", '"30 feb"', '"2026-12-10"'),
        ("stretch on 10/12", '"10/12"', '"10 dec"'),
        ("stretch on 2020-01-01 at 09:00", '"on 2020-01-01 at 09:00"', '"tomorrow at 9am"'),
        ("stretch today at 9:00", '"today at 9:00"', '"in 2h"'),
        ("stretch in 0m", '"0m"', '"10m"'),
        ("stretch every 0 days at 9", '"every 0 days"', '"every 3 days at 8:00"'),
        ("stretch every day", '"every day"', '"every day at 20:00"'),
    ],
)
async def test_remind_errors_quote_the_bad_text_and_give_examples(
    bot_app: App, args: str, quoted: str, example: str
) -> None:
    text = only(await say(bot_app, f"/remind {args}")).text
    assert quoted in text
    assert example in text
    assert account_snapshot(bot_app) == ()  # a refused /remind stores nothing, not even an account


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/remind",
            "Tell me what and when, for example:\n/remind exfoliate every mon,thu at 20:00\n"
            "/remind apply cream every day at 21:30\n/remind stretch in 10m",
        ),
        ("/remind every day at 20:00", "What should I remind you about? e.g. /remind stretch in 10m"),
    ],
)
async def test_remind_without_what_or_when_shows_examples(bot_app: App, text: str, expected: str) -> None:
    assert only(await say(bot_app, text)).text == expected
    assert account_snapshot(bot_app) == ()


async def test_a_misspelt_day_is_reported_not_folded_into_the_name(bot_app: App) -> None:
    text = only(await say(bot_app, "/remind stretch every funday at 9")).text
    assert '"funday"' in text
    assert reminders(bot_app) == []


# /reminders -------------------------------------------------------------------------------------------
async def test_reminders_lists_number_what_schedule_next_time_in_zone_and_paused(bot_app: App) -> None:
    await say(bot_app, "/timezone America/New_York")  # 07:00 there
    await say(bot_app, "/remind cream every day at 21:30")  # 02:30 UTC tomorrow, but today in New York
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")
    await say(bot_app, "/remind stretch in 10m")
    await say(bot_app, "/pause 2")
    assert only(await say(bot_app, "/reminders")).text == (
        "Your reminders (times in America/New_York):\n"
        "1. cream\n   every day at 21:30\n   next: today 21:30\n"
        "2. exfoliate\n   every Mon and Thu at 20:00\n   paused (by you): /resume 2\n"
        "3. stretch\n   once on Wed 25 Nov 2026 at 07:10\n   next: today 07:10\n"
        "Change one: /edit 1 <when> · /pause 1 · /delete 1"
    )


async def test_reminders_shows_a_fired_one_off_as_finished(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind stretch in 10m")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 10))
    assert (
        # Fired and never answered: said as it is, not "done" (issue 13).
        "1. stretch\n   once on Wed 25 Nov 2026 at 12:10\n   finished · last: sent today 12:10, not answered"
        in only(await say(bot_app, "/reminders")).text
    )


async def test_reminders_when_there_are_none_offers_the_plan(bot_app: App) -> None:
    reply = only(await say(bot_app, "/reminders"))
    assert reply.text == "You have no reminders yet. Start with the exfoliation plan, or make your own with /remind."
    assert reply.button_payloads() == ["plan:exfoliation"]


# Changing reminders -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/delete", "Which reminder? Give its number from /reminders, for example: /delete 1"),
        ("/done x", 'Which reminder? Give its number from /reminders, for example: /done 1 ("x" is not a number.)'),
        ("/pause -1", 'Which reminder? Give its number from /reminders, for example: /pause 1 ("-1" is not a number.)'),
        ("/edit 1234567 daily at 9", "Which reminder? Give its number from /reminders, for example: /edit 1"),
        ("/skip 99", "You have no reminder 99. See your reminders with /reminders."),
        ("/rename 0 x", "You have no reminder 0. See your reminders with /reminders."),
        ("/snooze 007", "You have no reminder 7. See your reminders with /reminders."),
        ("/done ¹", 'Which reminder? Give its number from /reminders, for example: /done 1 ("¹" is not a number.)'),
        ("/done ٣", "You have no reminder 3. See your reminders with /reminders."),  # Arabic-Indic 3
    ],
)
async def test_bad_reminder_numbers_are_explained(bot_app: App, text: str, expected: str) -> None:
    await say(bot_app, "/remind stretch in 10m")
    before = account_snapshot(bot_app)
    assert only(await say(bot_app, text)).text.startswith(expected)
    assert account_snapshot(bot_app) == before


@pytest.mark.parametrize("number", ["1", "#1", "１", "01"])
async def test_reminder_numbers_in_other_spellings(bot_app: App, number: str) -> None:
    await say(bot_app, "/remind stretch in 10m")
    assert only(await say(bot_app, f"/pause {number}")).text == "Paused reminder 1: stretch. Resume with /resume 1."


async def test_a_deleted_reminder_comes_back_with_undo_as_it_was_from_now_on(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")
    before = next(r for r in reminders(bot_app) if r.number == 2)
    deleted = only(await say(bot_app, "/delete 2"))
    assert deleted.text == "Deleted reminder 2: exfoliate."
    [undo] = deleted.button_payloads()
    assert [r.number for r in reminders(bot_app)] == [1]
    back = only(await say(bot_app, button=undo))
    assert back.text.startswith("Undone: reminder 2 is back: exfoliate\nWhen: every Mon and Thu at 20:00")
    [restored] = [r for r in reminders(bot_app) if r.number == 2]
    assert (restored.id, restored.text, restored.schedule, restored.kind) == (
        before.id,
        before.text,
        before.schedule,
        before.kind,
    )
    # it fires again, once, at its time
    delivered = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 26, 20, 0))
    assert [m.text.split("\n")[0] for m in delivered if "exfoliate" in m.text] == ["⏰ Reminder 2: exfoliate"]
    # pressed again (a double tap, or on another platform): the offer is spent, nothing is made twice
    assert "Undone" not in only(await say(bot_app, button=undo)).text
    assert [r.number for r in reminders(bot_app)] == [1, 2]


async def test_undoing_the_delete_of_a_one_off_whose_time_has_passed_keeps_it_deleted(
    bot_app: App, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind stretch in 10m")
    [undo] = only(await say(bot_app, "/delete 1")).button_payloads()
    fake_clock.advance(timedelta(minutes=20))
    assert "has nothing left to fire, so it stays deleted" in only(await say(bot_app, button=undo)).text
    assert reminders(bot_app) == []


async def test_delete_removes_one_and_numbers_are_never_reused(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")
    await say(bot_app, "/remind stretch in 10m")
    delivered = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    assert sorted(m.text.split("\n")[0] for m in delivered) == ["⏰ Reminder 1: cream", "⏰ Reminder 3: stretch"]
    assert only(await say(bot_app, "/delete 3")).text == "Deleted reminder 3: stretch."
    assert only(await say(bot_app, "/delete #2")).text == "Deleted reminder 2: exfoliate."
    assert [r.number for r in reminders(bot_app)] == [1]
    assert [(o.number, o.status) for o in history(bot_app)] == [(3, CANCELLED)]  # it was waiting for an answer
    assert [o.number for o in open_occurrences(bot_app)] == [1]
    assert only(await say(bot_app, "/remind lotion in 1h")).text.startswith("Reminder 4 set: lotion\n")
    assert only(await say(bot_app, "/delete 3")).text == "You have no reminder 3. See your reminders with /reminders."
    # Nothing of a deleted reminder is delivered again.
    for when, expected in [
        (ts(2026, 11, 25, 13, 30), ["⏰ Reminder 4: lotion"]),
        (ts(2026, 11, 26, 12, 30), ["⏰ Reminder 1: cream"]),
        (ts(2026, 11, 26, 20), []),  # exfoliate was due now
    ]:
        sent = await deliver_at(bot_app, recording_sender, fake_clock, when)
        assert [m.text.split("\n")[0] for m in sent] == expected


async def test_pause_and_resume_one_and_all(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")
    assert only(await say(bot_app, "/pause 1")).text == "Paused reminder 1: cream. Resume with /resume 1."
    assert only(await say(bot_app, "/pause 1")).text == "Reminder 1 is already paused."
    assert [r.paused for r in reminders(bot_app)] == [True, False]
    # Nothing is sent while paused, and resuming does not replay what fell due meanwhile.
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 13)) == []
    assert only(await say(bot_app, "/resume 1")).text == "Resumed reminder 1: cream. Next: tomorrow 12:30."
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 26, 12, 30)
    assert only(await say(bot_app, "/resume 1")).text == "Reminder 1 is not paused."
    assert only(await say(bot_app, "/pause all")).text == "Paused 2 reminder(s)."
    assert [r.paused for r in reminders(bot_app)] == [True, True]
    assert only(await say(bot_app, "/pause all")).text == "Paused 0 reminder(s)."
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 27)) == []
    assert only(await say(bot_app, "/resume ALL")).text == (
        "Resumed 2 reminder(s).\n1. cream: next today 12:30\n2. exfoliate: next Mon 30 Nov 20:00"
    )
    assert [(r.paused, r.next_due) for r in reminders(bot_app)] == [
        (False, ts(2026, 11, 27, 12, 30)),
        (False, ts(2026, 11, 30, 20)),
    ]
    assert only(await say(bot_app, "/pause all", user="nobody")).text == (
        "You have no reminders yet. Create one with /remind."
    )


async def test_edit_changes_when_and_rename_changes_what(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    reply = only(await say(bot_app, "/edit 1 every tue,fri at 19:00"))
    assert reply.text.startswith(created(1, "cream", "every Tue and Fri at 19:00", "Fri 27 Nov 19:00"))
    assert schedule_from_dict(reminder(bot_app, 1).schedule) == Schedule("weekly", at=time(19, 0), weekdays=(1, 4))
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 27, 19)
    assert (
        only(await say(bot_app, "/edit 1")).text == "When should it fire? For example: /edit 1 every tue,fri at 19:00"
    )
    assert '"sometime"' in only(await say(bot_app, "/edit 1 sometime")).text
    assert only(await say(bot_app, "/rename 1   body   lotion ")).text == "Renamed reminder 1: body lotion."
    assert only(await say(bot_app, "/rename 1")).text == "Tell me the new name, for example: /rename 2 evening stretch"
    [sent] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 27, 19))
    assert sent.text.startswith("⏰ Reminder 1: body lotion\n")


# Answering: typed ----------------------------------------------------------------------------------------
async def test_done_skip_snooze_answer_the_delivered_occurrence(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    fake_clock.advance(timedelta(minutes=5))
    assert only(await say(bot_app, "/done 1")).text == "✅ Done: cream, today 12:30. Nice work!"
    [first] = history(bot_app)
    assert (first.due, first.status, first.updated_at) == (ts(2026, 11, 25, 12, 30), DONE, ts(2026, 11, 25, 12, 35))

    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 26, 12, 30))
    assert only(await say(bot_app, "/skip 1")).text == (
        "⏭ Skipped: cream, today 12:30. That's fine; I'll remind you next time."
    )
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 27, 12, 30))
    assert (
        only(await say(bot_app, "/snooze 1 2h30m")).text
        == "💤 Snoozed: cream, today 12:30. I'll remind you again today 15:00."
    )
    assert [(o.status, o.fire_at) for o in open_occurrences(bot_app)] == [(SNOOZED, ts(2026, 11, 27, 15))]
    assert [(o.due, o.status) for o in history(bot_app)] == [
        (ts(2026, 11, 25, 12, 30), DONE),
        (ts(2026, 11, 26, 12, 30), SKIPPED),
    ]
    # A snoozed one can be snoozed again (default 1 hour) and then answered.
    assert (
        only(await say(bot_app, "/snooze 1")).text
        == "💤 Snoozed: cream, today 12:30. I'll remind you again today 13:30."
    )
    assert only(await say(bot_app, "/done 1")).text == "✅ Done: cream, today 12:30. Nice work!"
    assert open_occurrences(bot_app) == []


@pytest.mark.parametrize(
    ("duration", "error"),
    [
        ("0m", '"0m" is no time at all.'),
        ("30s", "Snooze for between 1 minute and 7 days, for example: /snooze 1 1h"),
        ("8d", "Snooze for between 1 minute and 7 days, for example: /snooze 1 1h"),
        ("banana", 'I couldn\'t read "banana" as a length of time.'),
        ("15", '"15" needs a unit.'),
        # a time the reader knows but that has passed (21:00 "tonight", it being 21:31): says so, not "length"
        ("tonight", 'That time has already passed: "tonight" was'),
    ],
)
async def test_snooze_durations_out_of_range_or_unreadable_are_refused(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock, duration: str, error: str
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    before = account_snapshot(bot_app)
    if duration == "tonight":
        fake_clock.set(datetime(2026, 11, 25, 21, 31, tzinfo=UTC))
    refused = only(await say(bot_app, f"/snooze 1 {duration}")).text
    assert refused.startswith(error)
    # the examples are a snooze's own: none of them is refused by /snooze itself
    assert "30s" not in refused and "every" not in refused
    assert refused.endswith(SNOOZE_EXAMPLES) or refused.startswith("Snooze for between")
    assert account_snapshot(bot_app) == before


async def test_early_done_within_12_hours_counts_for_the_upcoming_time(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind exfoliate every mon,thu at 20:00")  # next: Thu 26 Nov 20:00, 32 h away
    assert only(await say(bot_app, "/done 1")).text == (
        "Reminder 1 has nothing waiting for an answer. It's next due tomorrow 20:00."
    )
    fake_clock.set(datetime(2026, 11, 26, 7, 59, tzinfo=UTC))  # 12 h 1 min before
    assert only(await say(bot_app, "/done 1")).text.startswith("Reminder 1 has nothing waiting for an answer.")
    assert only(await say(bot_app, "/snooze 1 1h")).text.startswith("Reminder 1 has nothing waiting for an answer.")
    assert history(bot_app) == []
    fake_clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))  # exactly 12 h before
    ask = only(await say(bot_app, "/done 1"))  # a time still ahead is named and asked about first
    assert ask.text == "Reminder 1 (exfoliate) isn't due yet: the next time is today 20:00. Mark that one done now?"
    assert history(bot_app) == []
    assert only(await say(bot_app, button=payload_for(ask, "Yes, done"))).text == (
        "✅ Done: exfoliate, today 20:00. Nice work!"
    )
    [done] = history(bot_app)
    assert (done.due, done.status, done.updated_at) == (ts(2026, 11, 26, 20), DONE, ts(2026, 11, 26, 8))
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 30, 20)
    # The evening reminder it answered is not sent.
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 26, 20)) == []
    assert only(await say(bot_app, "/done 1")).text == (
        "Reminder 1 has nothing waiting for an answer. It's next due Mon 30 Nov 20:00."
    )


async def test_early_skip_works_too(bot_app: App, fake_clock: FakeClock) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    ask = only(await say(bot_app, "/skip 1"))
    assert "the next time is today 21:30. Mark that one skipped now?" in ask.text
    no = only(await say(bot_app, button=payload_for(ask, "No")))
    assert no.text == "Nothing marked." and history(bot_app) == []
    ask = only(await say(bot_app, "/skip 1"))
    assert only(await say(bot_app, button=payload_for(ask, "Yes, skipped"))).text.startswith(
        "⏭ Skipped: cream, today 21:30."
    )
    assert [(o.due, o.status) for o in history(bot_app)] == [(ts(2026, 11, 25, 21, 30), SKIPPED)]
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 26, 21, 30)


# Answering: buttons --------------------------------------------------------------------------------------
async def delivered_cream_in_berlin(app: App, sender: RecordingPlatform, clock: FakeClock, at: str = "13:30") -> Reply:
    await say(app, "/timezone Europe/Berlin")
    await say(app, f"/remind cream every day at {at}")
    hour, minute = (int(part) for part in at.split(":"))
    [message] = await deliver_at(app, sender, clock, ts(2026, 11, 25, hour, minute, BERLIN))
    return message


async def test_delivered_reminder_has_done_skip_and_snooze_buttons(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    message = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock)
    assert message.text == "⏰ Reminder 1: cream\nTap a button, or type /done 1, /skip 1 or /snooze 1 1h."
    assert [[b.label for b in row] for row in message.buttons] == [
        ["✅ Done", "⏭ Skip"],
        ["💤 15 min", "💤 1 hour", "This evening"],
    ]
    evening = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock, at="18:30")
    assert [b.label for b in evening.buttons[1]][-1] == "Tomorrow 8:00"


@pytest.mark.parametrize(
    ("label", "text", "status", "fire_at"),
    [
        ("✅ Done", "✅ Done: cream, today 13:30. Nice work!", DONE, None),
        ("⏭ Skip", "⏭ Skipped: cream, today 13:30. That's fine; I'll remind you next time.", SKIPPED, None),
        (
            "💤 15 min",
            "💤 Snoozed: cream, today 13:30. I'll remind you again today 13:50.",
            SNOOZED,
            ts(2026, 11, 25, 13, 50, BERLIN),
        ),
        (
            "💤 1 hour",
            "💤 Snoozed: cream, today 13:30. I'll remind you again today 14:35.",
            SNOOZED,
            ts(2026, 11, 25, 14, 35, BERLIN),
        ),
        (
            "This evening",
            "💤 Snoozed: cream, today 13:30. I'll remind you again today 19:00.",
            SNOOZED,
            ts(2026, 11, 25, 19, 0, BERLIN),
        ),
    ],
)
async def test_buttons_edit_the_message_and_record_the_outcome(
    bot_app: App,
    recording_sender: RecordingPlatform,
    fake_clock: FakeClock,
    label: str,
    text: str,
    status: str,
    fire_at: float | None,
) -> None:
    message = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock)
    next_due = reminder(bot_app, 1).next_due
    fake_clock.advance(timedelta(minutes=5))
    reply = only(await say(bot_app, button=payload_for(message, label)))
    assert (reply.text, reply.edit) == (text, True)
    assert [b.label for row in reply.buttons for b in row] == ["↩ Undo"]  # the answer can be put back
    [occurrence] = history(bot_app) if fire_at is None else open_occurrences(bot_app)
    assert occurrence.due == ts(2026, 11, 25, 13, 30, BERLIN)
    assert occurrence.status == status
    assert occurrence.updated_at == ts(2026, 11, 25, 13, 35, BERLIN)
    if fire_at is not None:
        assert occurrence.fire_at == fire_at
    assert reminder(bot_app, 1).next_due == next_due  # only the occurrence moves


async def test_morning_button_and_evening_pressed_late_mean_tomorrow_8(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    late = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock, at="18:30")
    reply = only(await say(bot_app, button=payload_for(late, "Tomorrow 8:00")))
    assert (reply.text, reply.edit) == ("💤 Snoozed: cream, today 18:30. I'll remind you again tomorrow 08:00.", True)
    assert [o.fire_at for o in open_occurrences(bot_app)] == [ts(2026, 11, 26, 8, 0, BERLIN)]

    await say(bot_app, "/remind lotion every day at 14:00")
    sent = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 26, 14, 0, BERLIN))
    [early] = [m for m in sent if m.text.startswith("⏰ Reminder 2: lotion")]
    fake_clock.set(datetime(2026, 11, 26, 19, 30, tzinfo=BERLIN))  # "This evening" pressed after 19:00
    reply = only(await say(bot_app, button=payload_for(early, "This evening")))
    assert (reply.text, reply.edit) == ("💤 Snoozed: lotion, today 14:00. I'll remind you again tomorrow 08:00.", True)


async def test_pressing_an_answered_button_shows_the_outcome_without_changing_it(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    message = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock)
    assert only(await say(bot_app, button=payload_for(message, "✅ Done"))).edit
    before = account_snapshot(bot_app)
    fake_clock.advance(timedelta(hours=2))
    for label in ("⏭ Skip", "💤 15 min", "This evening", "✅ Done"):
        reply = only(await say(bot_app, button=payload_for(message, label)))
        assert reply == Reply(text="✅ Done: cream, today 13:30. Nice work!", edit=True)
    assert account_snapshot(bot_app) == before
    assert only(await say(bot_app, "/skip 1")).text.startswith("Reminder 1 has nothing waiting for an answer.")


async def test_each_occurrence_keeps_its_own_outcome_and_time(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    [day1] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    [day2] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 26, 12, 30))
    fake_clock.advance(timedelta(minutes=1))
    await say(bot_app, button=payload_for(day2, "⏭ Skip"))
    # Yesterday's was never answered before today's came: it was recorded as missed, and stays so.
    assert (
        only(await say(bot_app, button=payload_for(day1, "✅ Done"))).text
        == "cream (due yesterday 12:30) was recorded as missed."
    )
    [day3] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 27, 12, 30))
    fake_clock.advance(timedelta(minutes=2))
    await say(bot_app, button=payload_for(day3, "✅ Done"))
    assert [(o.due, o.status, o.updated_at) for o in history(bot_app)] == [
        (ts(2026, 11, 25, 12, 30), "missed", ts(2026, 11, 26, 12, 30)),
        (ts(2026, 11, 26, 12, 30), SKIPPED, ts(2026, 11, 26, 12, 31)),
        (ts(2026, 11, 27, 12, 30), DONE, ts(2026, 11, 27, 12, 32)),
    ]


async def test_snoozed_occurrence_fires_again_at_the_snooze_time_only(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    message = await delivered_cream_in_berlin(bot_app, recording_sender, fake_clock)
    next_due = reminder(bot_app, 1).next_due
    assert next_due == ts(2026, 11, 26, 13, 30, BERLIN)
    await say(bot_app, button=payload_for(message, "💤 1 hour"))
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 14, 29, BERLIN)) == []
    [again] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 14, 30, BERLIN))
    assert again.text == (
        "⏰ Reminder 1: cream\n(Snoozed from today 13:30.)\nTap a button, or type /done 1, /skip 1 or /snooze 1 1h."
    )
    assert again.button_payloads() == message.button_payloads()  # the same occurrence
    assert reminder(bot_app, 1).next_due == next_due
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 23, 0, BERLIN)) == []
    assert (
        only(await say(bot_app, button=payload_for(again, "✅ Done"))).text == "✅ Done: cream, today 13:30. Nice work!"
    )
    # The regular schedule carries on: tomorrow's is a new occurrence.
    [tomorrow] = await deliver_at(bot_app, recording_sender, fake_clock, next_due)
    assert tomorrow.text.startswith("⏰ Reminder 1: cream\nTap")
    assert tomorrow.button_payloads() != message.button_payloads()


# Isolation -------------------------------------------------------------------------------------------------
VICTIM_SECRETS = ("victim cream", "victim scrub", "victim stretch")
ACTIONS = ("d", "k", "s15", "s60", "sev", "smo")
COMMAND_VERBS = tuple(spec.name for spec in COMMANDS)  # every command, including ones added later


async def victim_and_mallory(clock: FakeClock) -> tuple[App, list[str], list[str]]:
    """A victim with a delivered, a snoozed and an answered occurrence; mallory with one reminder.

    Returns the app, the victim's occurrence ids and the victim's reminder ids.
    """
    app, sender = make_bot_app(clock)
    await say(app, "/remind victim cream every day at 12:30", user="victim")
    await say(app, "/remind victim scrub every day at 12:30 !", user="victim")  # sure: 7 a week
    await say(app, "/remind victim stretch every day at 12:30", user="victim")
    await say(app, "/remind mine every day at 18:00", user="mallory")
    clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=UTC))
    await app.scheduler.tick()
    messages = [reply for _, reply in sender.take()]
    assert len(messages) == 3
    await say(app, "/done 1", user="victim")
    await say(app, "/snooze 2 1h", user="victim")
    victim_account = app.regimen.account_for(Identity("console", "victim"))
    assert victim_account is not None
    occurrence_ids = sorted(o.id for o in app.store.open_occurrences_of(victim_account.id))
    occurrence_ids += [o.id for o in app.store.history_of(victim_account.id)]
    return app, occurrence_ids, [r.id for r in app.store.reminders_of(victim_account.id)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_nobody_can_touch_another_persons_reminders(data: st.DataObject) -> None:
    clock = FakeClock(START)
    app, occurrence_ids, reminder_ids = await victim_and_mallory(clock)
    before = account_snapshot(app, "victim")
    number = st.one_of(st.integers(min_value=-3, max_value=12), st.integers(min_value=0, max_value=10**9))
    typed = st.builds(
        lambda verb, n, rest: f"/{verb} {n} {rest}".strip(),
        st.sampled_from(COMMAND_VERBS),
        number,
        st.sampled_from(["", "1h", "all", "every day at 9:00", "renamed", "15m"]),
    )
    all_text = st.just("/pause all") | st.just("/resume all") | st.just("/forget confirm") | st.just("/export")
    forged = st.builds(
        lambda action, oid: f"o:{action}:{oid}", st.sampled_from(ACTIONS), st.sampled_from(occurrence_ids)
    )
    guessed = st.builds(
        lambda action, rid, due: f"o:{action}:{rid}@{due}",
        st.sampled_from(ACTIONS),
        st.sampled_from(reminder_ids),
        st.integers(min_value=int(START.timestamp()) - 86400, max_value=int(START.timestamp()) + 7 * 86400),
    )
    commands = st.builds(lambda verb, n: f"cmd:/{verb}+{n}", st.sampled_from(COMMAND_VERBS), number)
    junk = st.text(alphabet="o:dks156evm@_.,+-abc0123456789/", max_size=64)
    payloads = forged | guessed | commands | junk | st.sampled_from(["forget:yes", "forget:no", "cmd:/forget~confirm"])
    steps = data.draw(
        st.lists(
            st.one_of(
                typed.map(lambda t: (t, None)), all_text.map(lambda t: (t, None)), payloads.map(lambda p: ("", p))
            ),
            min_size=1,
            max_size=8,
        )
    )
    for text, button in steps:
        for reply in await say(app, text, user="mallory", button=button):
            assert not any(secret in reply.text for secret in VICTIM_SECRETS), (text, button, reply.text)
            if reply.attachment is not None:
                assert not any(secret.encode() in reply.attachment.data for secret in VICTIM_SECRETS)
    assert account_snapshot(app, "victim") == before


async def test_mallory_pressing_the_victims_exact_buttons_gets_nothing(fake_clock: FakeClock) -> None:
    app, occurrence_ids, _ = await victim_and_mallory(fake_clock)
    before = account_snapshot(app, "victim")
    for occurrence_id in occurrence_ids:
        for action in ACTIONS:
            reply = only(await say(app, button=f"o:{action}:{occurrence_id}", user="mallory"))
            assert reply.text == "That reminder is no longer available. See your reminders with /reminders."
        fake_clock.advance(timedelta(seconds=2))  # stay under the flood limit
    for verb in ("done 1", "skip 2", "snooze 2 1h", "delete 3", "pause 1", "rename 1 x", "edit 1 daily at 9"):
        text = only(await say(app, f"/{verb}", user="mallory")).text
        assert not any(secret in text for secret in VICTIM_SECRETS)
    assert account_snapshot(app, "victim") == before
    listing = only(await say(app, "/reminders", user="mallory")).text
    assert "1. x\n   every day at 09:00\n   paused" in listing  # the numbers meant mallory's own reminder
    assert not any(secret in listing for secret in VICTIM_SECRETS)


# /plan -------------------------------------------------------------------------------------------------
async def test_plan_menu_lists_every_plan_with_buttons(bot_app: App) -> None:
    reply = only(await say(bot_app, "/plan"))
    assert "• Exfoliate your back: every Mon and Thu at 20:00" in reply.text
    assert "• Scar cream or lotion: every day at 21:30" in reply.text
    assert "• Professional options check-in: every 4 weeks on Sun at 11:00" in reply.text
    assert "not medical advice" in reply.text
    plan_buttons = [p for p in reply.button_payloads() if p.startswith("plan:")]
    assert (
        plan_buttons
        == [f"plan:{template_id}" for template_id in TEMPLATES]
        == [
            "plan:exfoliation",
            "plan:cream",
            "plan:checkin",
        ]
    )
    assert account_snapshot(bot_app) == ()


@pytest.mark.parametrize("how", ["typed", "button"])
async def test_plan_details_explain_and_offer_adoption(bot_app: App, how: str) -> None:
    await say(bot_app, "/timezone Europe/Berlin")
    replies = await say(bot_app, "/plan scrub") if how == "typed" else await say(bot_app, button="plan:exfoliation")
    reply = only(replies)
    assert reply.text.startswith(f"Exfoliate your back\n{EXFOLIATION.why}\n")
    assert "Default: every Mon and Thu at 20:00 (your time zone: Europe/Berlin)." in reply.text
    assert "/plan exfoliation tue,fri 19:30" in reply.text
    assert [(b.label, b.payload) for row in reply.buttons for b in row] == [
        ("Adopt: every Mon and Thu at 20:00", "plan:exfoliation:adopt")
    ]
    assert reminders(bot_app) == []


async def test_adopt_by_button_uses_mon_and_thu_at_20_in_the_persons_zone(bot_app: App) -> None:
    await say(bot_app, "/timezone Europe/Berlin")
    reply = only(await say(bot_app, button="plan:exfoliation:adopt"))
    assert reply.text.startswith(
        created(1, EXFOLIATION.reminder_text, "every Mon and Thu at 20:00", "Thu 26 Nov 20:00", "Europe/Berlin")
    )
    [made] = reminders(bot_app)
    assert (made.kind, made.text) == ("exfoliation", EXFOLIATION.reminder_text)
    assert schedule_from_dict(made.schedule) == Schedule("weekly", at=EXFOLIATION.at, weekdays=(0, 3))
    assert made.next_due == ts(2026, 11, 26, 20, 0, BERLIN)


async def test_adopt_with_typed_days_and_time(bot_app: App) -> None:
    reply = only(await say(bot_app, "/plan exfoliation tue,fri 19:30"))
    assert reply.text.startswith(
        created(1, EXFOLIATION.reminder_text, "every Tue and Fri at 19:30", "Fri 27 Nov 19:30")
    )
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 27, 19, 30)
    only(await say(bot_app, "/plan exfoliation 7am"))  # time only: the default days
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 26, 7)


@pytest.mark.parametrize("days", ["mon,tue,wed,thu 20:00", "daily", "weekdays 7:30"])
async def test_exfoliating_more_than_3_times_a_week_asks_first_and_bang_confirms(bot_app: App, days: str) -> None:
    ask = only(await say(bot_app, f"/plan exfoliation {days}"))
    assert "times a week. Exfoliating more than 2-3 times a week can irritate the skin" in ask.text
    # The same three choices wherever a schedule is made; the gentler one keeps the plan's own time.
    [yes, gentler, cancel] = [b.label for row in ask.buttons for b in row]
    assert yes.startswith("Yes, ") and cancel == "Cancel"
    assert gentler == ("Mon & Thu 07:30" if "7:30" in days else "Mon & Thu 20:00")
    assert account_snapshot(bot_app) == ()  # nothing stored until confirmed
    suggested = re.search(r"/plan exfoliation .* !$", ask.text)
    assert suggested is not None
    confirmed = only(await say(bot_app, suggested.group()))
    assert confirmed.text.startswith(f"Reminder 1 set: {EXFOLIATION.reminder_text}\n")
    [made] = reminders(bot_app)
    assert times_per_week(schedule_from_dict(made.schedule)) > 3


async def test_bang_glued_to_the_days_confirms_too(bot_app: App) -> None:
    reply = only(await say(bot_app, "/plan exfoliation daily!"))
    assert reply.text.startswith(created(1, EXFOLIATION.reminder_text, "every day at 20:00", "Wed 25 Nov 20:00"))


async def test_the_gentler_button_after_the_warning_keeps_the_time(bot_app: App) -> None:
    ask = only(await say(bot_app, "/plan exfoliation daily 21:15"))
    reply = only(await say(bot_app, button=payload_for(ask, "Mon & Thu 21:15")))
    assert "When: every Mon and Thu at 21:15" in reply.text


async def test_pause_all_counts_only_what_can_still_fire(bot_app: App, fake_clock: FakeClock) -> None:
    await say(bot_app, "/remind stretch in 1m")
    await say(bot_app, "/remind cream every day at 21:30")
    fake_clock.advance(timedelta(minutes=2))
    await bot_app.scheduler.tick()  # the one-off fires: nothing of it is left to pause
    assert only(await say(bot_app, "/pause all")).text == "Paused 1 reminder(s)."


async def test_the_list_footer_names_a_reminder_the_person_has(bot_app: App) -> None:
    await say(bot_app, "/remind stretch every day at 9:00")
    await say(bot_app, "/remind cream every day at 21:30")
    await say(bot_app, "/delete 1")
    listing = only(await say(bot_app, "/reminders")).text
    assert listing.splitlines()[-1] == "Change one: /edit 2 <when> · /pause 2 · /delete 2"


async def test_readopting_updates_instead_of_duplicating(bot_app: App) -> None:
    await say(bot_app, button="plan:exfoliation:adopt")
    await say(bot_app, "/plan exfoliation tue,fri 19:30")
    reply = only(await say(bot_app, button="plan:exfoliation:adopt"))
    assert reply.text.startswith(f"Reminder 1 updated: {EXFOLIATION.reminder_text}\nWhen: every Mon and Thu at 20:00")
    [only_one] = reminders(bot_app)
    assert only_one.number == 1
    # The same plan again changes nothing and says so.
    again = only(await say(bot_app, button="plan:exfoliation:adopt"))
    assert again.text.startswith(f"Reminder 1 is already set: {EXFOLIATION.reminder_text}")
    assert only(await say(bot_app, "/remind stretch in 1h")).text.startswith("Reminder 2 set")


async def test_cream_and_checkin_plans(bot_app: App) -> None:
    cream = only(await say(bot_app, "/plan lotion adopt"))
    assert cream.text.startswith(created(1, CREAM.reminder_text, "every day at 21:30", "Wed 25 Nov 21:30"))
    checkin = only(await say(bot_app, button="plan:checkin:adopt"))
    assert checkin.text.startswith(
        # Adopted on Wed 25 Nov: the first Sunday from today, then every 4 weeks (not weeks counted from January).
        created(2, CHECKIN.reminder_text, "every 4 weeks on Sun at 11:00", "Sun 29 Nov 11:00, Sun 27 Dec 11:00")
    )
    assert [r.kind for r in reminders(bot_app)] == ["cream", "checkin"]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("/plan nonsense", '"nonsense"'), ("/plan exfoliation funday 19:30", '"funday"')],
)
async def test_plan_errors_quote_the_bad_word(bot_app: App, text: str, quoted: str) -> None:
    assert quoted in only(await say(bot_app, text)).text
    assert account_snapshot(bot_app) == ()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("every tue and fri at 7pm", Schedule("weekly", at=time(19, 0), weekdays=(1, 4))),
        ("tue,fri at 19:30", Schedule("weekly", at=time(19, 30), weekdays=(1, 4))),
        ("mondays and thursdays at 8pm", Schedule("weekly", at=time(20, 0), weekdays=(0, 3))),
    ],
)
async def test_plan_takes_any_repeat_phrase(bot_app: App, spec: str, expected: Schedule) -> None:
    reply = only(await say(bot_app, f"/plan exfoliation {spec}"))
    assert reply.text.startswith(f"Reminder 1 set: {EXFOLIATION.reminder_text}")
    assert schedule_from_dict(reminders(bot_app)[0].schedule) == expected


async def test_answers_to_a_last_time_say_the_reminder_is_finished(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind stretch in 10m")
    await say(bot_app, "/remind lotion in 10m")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 10))
    skipped = only(await say(bot_app, "/skip 1")).text
    assert skipped == "⏭ Skipped: stretch, today 12:10. That was its last time, so nothing more comes of this reminder."
    done = only(await say(bot_app, "/done 2")).text
    assert done == "✅ Done: lotion, today 12:10. Nice work! That was the last one: this reminder is finished."
    await say(bot_app, "/remind cream every day at 21:30")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 21, 30))
    assert "next time" in only(await say(bot_app, "/skip 3")).text  # a repeat goes on


async def test_reminders_says_exfoliation_is_paused_around_a_peel_and_when_it_really_comes(bot_app: App) -> None:
    await say(bot_app, "/remind exfoliate back every mon,thu at 20:00")
    await say(bot_app, "/series chemical peel 1 every 4 weeks starting 2026-11-27 at 15:00")  # Fri
    await say(bot_app, "/series pause 2 3 7")  # Tue 24 Nov to Fri 4 Dec
    listing = only(await say(bot_app, "/reminders")).text
    # Thu 26, Mon 30 Nov and Thu 3 Dec fall in the pause: the first that fires is Mon 7 Dec.
    expected = "1. exfoliate back\n   every Mon and Thu at 20:00\n   paused around your chemical peel session"
    assert f"{expected}; next: Mon 7 Dec 20:00" in listing


async def test_the_last_answer_can_be_undone_by_button_and_typed(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    [message] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    done = only(await say(bot_app, button=payload_for(message, "✅ Done")))
    assert [o.status for o in history(bot_app)] == [DONE]
    undone = only(await say(bot_app, button=payload_for(done, "↩ Undo")))
    assert undone.text == "↩ Undone: cream, today 12:30 is waiting for your answer again." and undone.edit
    assert history(bot_app) == [] and [o.status for o in open_occurrences(bot_app)] == [SENT]
    # Answered again, then undone by typing /undo: the skip goes, the time waits again.
    only(await say(bot_app, button=payload_for(undone, "⏭ Skip")))
    assert [o.status for o in history(bot_app)] == [SKIPPED]
    assert only(await say(bot_app, "/undo")).text.startswith("↩ Undone: cream, today 12:30")
    assert [o.status for o in open_occurrences(bot_app)] == [SENT]
    # A snooze is undone too: nothing fires at the snooze time.
    snoozed = only(await say(bot_app, "/snooze 1 1h"))
    only(await say(bot_app, button=payload_for(snoozed, "↩ Undo")))
    assert await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 13, 31)) == []


async def test_undoing_an_early_done_makes_the_time_come_as_usual(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    ask = only(await say(bot_app, "/done 1"))
    done = only(await say(bot_app, button=payload_for(ask, "Yes, done")))
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 26, 21, 30)
    undone = only(await say(bot_app, button=payload_for(done, "↩ Undo")))
    assert undone.text == "↩ Undone: cream, today 21:30 is not answered; I'll remind you at that time as usual."
    assert history(bot_app) == [] and open_occurrences(bot_app) == []
    assert reminder(bot_app, 1).next_due == ts(2026, 11, 25, 21, 30)
    [sent] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 21, 30))
    assert sent.text.startswith("⏰ Reminder 1: cream")


async def test_an_answer_changed_since_cannot_be_undone_by_an_old_button(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    [message] = await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    snoozed = only(await say(bot_app, button=payload_for(message, "💤 1 hour")))
    only(await say(bot_app, "/done 1"))  # answered again since the snooze
    refused = only(await say(bot_app, button=payload_for(snoozed, "↩ Undo")))
    assert refused.text.startswith("I can't undo that: cream, today 12:30 has changed since")
    assert [o.status for o in history(bot_app)] == [DONE]


async def test_resuming_all_says_what_comes_next_and_when(bot_app: App) -> None:
    await say(bot_app, "/remind cream every day at 21:30")
    await say(bot_app, "/remind stretch every mon at 9:00")
    await say(bot_app, "/pause all")
    reply = only(await say(bot_app, "/resume all")).text
    assert reply == "Resumed 2 reminder(s).\n1. cream: next today 21:30\n2. stretch: next Mon 30 Nov 09:00"


async def test_an_early_done_cannot_be_undone_once_its_time_has_passed_or_the_reminder_changed(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    fake_clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await say(bot_app, "/remind cream every day at 9:00 and 13:00")
    done = only(await say(bot_app, button=payload_for(only(await say(bot_app, "/done 1")), "Yes, done")))
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 13))  # 13:00 is sent
    fake_clock.set(datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
    refused = only(await say(bot_app, button=payload_for(done, "↩ Undo")))
    assert refused.text.startswith("I can't undo that")
    assert [o.status for o in open_occurrences(bot_app)] == [SENT]  # 13:00 still waits for its answer
    # An edit since the early done: undoing it would bring back a time the schedule no longer has.
    await say(bot_app, "/remind lotion every day at 21:30")
    early = only(await say(bot_app, button=payload_for(only(await say(bot_app, "/done 2")), "Yes, done")))
    await say(bot_app, "/edit 2 every day at 08:00")
    assert only(await say(bot_app, button=payload_for(early, "↩ Undo"))).text.startswith("I can't undo that")
    assert reminder(bot_app, 2).next_due == ts(2026, 11, 26, 8)


async def test_an_answer_of_a_deleted_reminder_cannot_be_undone(
    bot_app: App, recording_sender: RecordingPlatform, fake_clock: FakeClock
) -> None:
    await say(bot_app, "/remind cream every day at 12:30")
    await deliver_at(bot_app, recording_sender, fake_clock, ts(2026, 11, 25, 12, 30))
    only(await say(bot_app, "/done 1"))
    await say(bot_app, "/delete 1")
    assert only(await say(bot_app, "/undo")).text.startswith("I can't undo that")
    assert open_occurrences(bot_app) == []


async def test_a_yes_to_the_exfoliation_check_pressed_after_adding_more_asks_again(bot_app: App) -> None:
    asked = only(await say(bot_app, "/remind exfoliate back every mon,tue,thu,fri at 20:00"))  # 4 a week
    only(await say(bot_app, "/remind scrub shoulders every sat at 10:00 !"))  # meanwhile: one more
    again = only(await say(bot_app, button=payload_for(asked, "Yes, 4 a week")))
    assert again.text.startswith("That's 5 times a week, 1 of them in your other exfoliation reminders.")
    assert len(reminders(bot_app)) == 1


async def test_a_time_the_clocks_going_back_repeat_says_which_of_the_two_it_is(
    bot_app: App, fake_clock: FakeClock
) -> None:
    fake_clock.set(datetime(2027, 11, 7, 5, 30, tzinfo=UTC))  # 01:30 EDT in New York; an hour on, 01:30 EST
    await say(bot_app, "/timezone new york")
    created = only(await say(bot_app, "/remind stretch in 1h")).text
    assert "Sun 7 Nov 01:30 EST" in created
    listing = only(await say(bot_app, "/reminders")).text
    assert "today 01:30 EST" in listing
