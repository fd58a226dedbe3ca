"""Choices offered with buttons, through the conversation: the other reading of a time, Undo, and the question
asked when time words were left in a reminder's name."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot import payloads
from bot.app import App
from bot.choices import Choices
from bot.models import Identity, Reply
from bot.timing.clock import FakeClock
from bot.timing.recurrence import Schedule, schedule_from_dict
from storage.memory_store import MemoryStore
from storage.records import Reminder
from tests.conftest import only, say

OTHER = "u2"


def reminders(app: App, user: str = "u1") -> list[Reminder]:
    account = app.regimen.account_for(Identity("console", user))
    return app.store.reminders_of(account.id) if account else []


def button(reply: Reply, label: str) -> str:
    [payload] = [b.payload for row in reply.buttons for b in row if b.label == label]
    return payload


def labels(reply: Reply) -> list[str]:
    return [b.label for row in reply.buttons for b in row]


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=UTC).timestamp()


async def test_a_lone_hour_says_which_reading_was_chosen_and_offers_the_other(
    bot_app: App, fake_clock: FakeClock
) -> None:
    fake_clock.set(datetime(2026, 11, 25, 20, 8, tzinfo=UTC))  # the person's zone is UTC
    reply = only(await say(bot_app, "/remind cream at 9"))
    assert 'I read "at 9" as 21:00 today, the sooner of the two.' in reply.text
    assert labels(reply) == ["Undo", "09:00 tomorrow", "My reminders"]
    [made] = reminders(bot_app)
    assert made.next_due == utc(2026, 11, 25, 21)
    switched = only(await say(bot_app, button=button(reply, "09:00 tomorrow")))
    assert switched.text.startswith("Changed reminder 1: cream")
    assert "Next: Thu 26 Nov 09:00" in switched.text
    assert reminders(bot_app)[0].next_due == utc(2026, 11, 26, 9)
    # The first offer is answered: its other buttons change nothing now.
    stale = only(await say(bot_app, button=button(reply, "Undo")))
    assert "expired" in stale.text
    assert len(reminders(bot_app)) == 1
    # The change has its own Undo, back to 21:00 tonight.
    back = only(await say(bot_app, button=button(switched, "Undo")))
    assert back.text.startswith("Undone: reminder 1 is back as it was: cream")
    assert reminders(bot_app)[0].next_due == utc(2026, 11, 25, 21)


async def test_undo_removes_a_new_reminder_by_button_or_typed(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind stretch every day at 21:30"))
    assert labels(reply) == ["Undo", "My reminders"]
    undone = only(await say(bot_app, button=button(reply, "Undo")))
    assert undone.text == "Undone: reminder 1 (stretch) is removed."
    assert reminders(bot_app) == []
    only(await say(bot_app, "/remind water every day at 10:00"))
    typed = only(await say(bot_app, "/undo"))
    assert typed.text == "Undone: reminder 2 (water) is removed."
    assert "nothing to undo" in only(await say(bot_app, "/undo")).text


async def test_undo_of_an_edit_restores_the_old_schedule(bot_app: App) -> None:
    only(await say(bot_app, "/remind cream every mon,thu at 20:00"))
    edited = only(await say(bot_app, "/edit 1 every day at 21:30"))
    assert schedule_from_dict(reminders(bot_app)[0].schedule).kind == "daily"
    only(await say(bot_app, button=button(edited, "Undo")))
    restored = reminders(bot_app)[0]
    assert schedule_from_dict(restored.schedule) == Schedule("weekly", at=time(20, 0), weekdays=(0, 3))


async def test_somebody_elses_choice_button_changes_nothing(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind stretch every day at 21:30"))
    await say(bot_app, "/help", user=OTHER)
    answer = only(await say(bot_app, button=button(reply, "Undo"), user=OTHER))
    assert "someone else" in answer.text or "nothing" in answer.text.lower()
    assert len(reminders(bot_app)) == 1
    # And the owner's Undo still works afterwards.
    only(await say(bot_app, button=button(reply, "Undo")))
    assert reminders(bot_app) == []


async def test_time_words_left_in_the_name_are_asked_about_and_nothing_is_set_yet(
    bot_app: App, fake_clock: FakeClock
) -> None:
    # Wednesday 25 Nov 2026, 12:00 UTC. "on friday" sits in the middle, so it is not part of the when-phrase.
    question = only(await say(bot_app, "/remind call clinic on friday about peel at 6pm"))
    assert '"on friday"' in question.text and "Which did you mean?" in question.text
    assert reminders(bot_app) == []
    assert labels(question) == ["Fri 27 Nov 18:00", 'Keep "call clinic on friday a…"', "Neither"]
    made = only(await say(bot_app, button=button(question, "Fri 27 Nov 18:00")))
    assert made.text.startswith("Reminder 1 set: call clinic about peel")
    [reminder] = reminders(bot_app)
    assert reminder.next_due == utc(2026, 11, 27, 18)


async def test_keeping_the_name_as_written_uses_the_when_phrase_alone(bot_app: App) -> None:
    question = only(await say(bot_app, "/remind call clinic on friday about peel at 6pm"))
    made = only(await say(bot_app, button=button(question, 'Keep "call clinic on friday a…"')))
    assert made.text.startswith("Reminder 1 set: call clinic on friday about peel")
    assert reminders(bot_app)[0].next_due == utc(2026, 11, 25, 18)


async def test_neither_sets_nothing_and_says_how_to_write_it(bot_app: App) -> None:
    question = only(await say(bot_app, "/remind call clinic on friday about peel at 6pm"))
    answer = only(await say(bot_app, button=button(question, "Neither")))
    assert answer.text.startswith("Nothing set.") and "/remind" in answer.text
    assert reminders(bot_app) == []


async def test_a_time_word_that_agrees_with_the_when_stays_in_the_name_without_a_question(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind evening cream every day at 21:00"))
    assert reply.text.startswith("Reminder 1 set: evening cream")


async def test_a_choice_from_before_a_restart_is_expired_not_guessed(bot_app: App) -> None:
    reply = only(await say(bot_app, "/remind stretch every day at 21:30"))
    # The offers are gone (a restart of a one-process store, or their expiry), the button key is kept.
    bot_app.regimen.choices = Choices(MemoryStore(), bot_app.regimen.now_ts)
    answer = only(await say(bot_app, button=button(reply, "Undo")))
    assert "expired" in answer.text and "Nothing was changed" in answer.text
    assert len(reminders(bot_app)) == 1


async def test_snooze_takes_a_time_and_the_morning_button_after_midnight_means_this_morning(
    bot_app: App, fake_clock: FakeClock
) -> None:
    fake_clock.set(datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    only(await say(bot_app, "/remind cream in 1m"))
    fake_clock.set(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    await bot_app.scheduler.tick()
    [occurrence] = bot_app.store.open_occurrences_of(reminders(bot_app)[0].account_id)
    reply = only_first(await say(bot_app, button=payloads.occurrence(payloads.SNOOZE_MORNING, occurrence.id)))
    assert "Thu 26 Nov 08:00" in reply.text or "today 08:00" in reply.text
    [snoozed] = bot_app.store.open_occurrences_of(reminders(bot_app)[0].account_id)
    assert snoozed.fire_at == utc(2026, 11, 26, 8)
    typed = only_first(await say(bot_app, "/snooze 1 tomorrow at 7pm"))
    assert "snooze" in typed.text.lower() or "19:00" in typed.text
    [again] = bot_app.store.open_occurrences_of(reminders(bot_app)[0].account_id)
    assert again.fire_at == utc(2026, 11, 26, 19)  # 01:00 is the small hours: "tomorrow" is the coming day


def only_first(replies: list[Reply]) -> Reply:
    assert replies
    return replies[0]


async def test_a_confirmation_says_when_a_time_falls_in_quiet_hours(bot_app: App) -> None:
    await say(bot_app, "/quiet 22:00-07:00")
    reply = only(await say(bot_app, "/remind stretch every day at 23:00"))
    assert "Wed 25 Nov 23:00 falls in your quiet hours (22:00-07:00), so that one arrives when they end, " in (
        reply.text
    )
    assert "Thu 26 Nov 07:00" in reply.text
    calm = only(await say(bot_app, "/remind cream every day at 21:00"))
    assert "quiet hours" not in calm.text
