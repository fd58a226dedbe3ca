"""How the core words things: times in the person's zone, reminder lines and messages, summaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import render
from storage.records import (
    DONE,
    HELD,
    MISSED,
    NUDGE,
    SKIPPED,
    SNOOZED,
    UNDELIVERABLE,
    Delivery,
    Occurrence,
    Outcome,
    Reminder,
)
from tests.storage.helpers import occurrence, reminder

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=BERLIN).timestamp()


def test_when_text_says_today_tomorrow_yesterday_or_the_date_in_the_persons_zone() -> None:
    assert render.when_text(at(2, 20), BERLIN, NOW) == "today 20:00"
    assert render.when_text(at(3, 9, 30), BERLIN, NOW) == "tomorrow 09:30"
    assert render.when_text(at(1, 9), BERLIN, NOW) == "yesterday 09:00"
    assert render.when_text(at(10, 20), BERLIN, NOW) == "Thu 10 Dec 20:00"
    assert render.when_text(at(2, 20, 0, 5), BERLIN, NOW) == "today 20:00"  # to the minute, in every reply


def test_reminder_line_states_next_time_pause_reason_or_the_end() -> None:
    nightly = replace(reminder(next_due=at(2, 21)), number=2, text="cream")
    assert render.reminder_line(nightly, BERLIN, NOW).splitlines()[-1].strip() == "next: today 21:00"
    paused = replace(nightly, paused=True, pause_reason=render.PUT_ASIDE_REASON)
    assert f"paused ({render.PUT_ASIDE_REASON}): /resume 2" in render.reminder_line(paused, BERLIN, NOW)


def test_reminder_line_with_what_happened_last() -> None:
    nightly = replace(reminder(next_due=at(3, 21)), number=2, text="cream")
    done = Outcome(nightly.id, at(2, 21), DONE)

    def line(r: Reminder, last: Occurrence | Outcome | None = None) -> str:
        lasts = {} if last is None else {nightly.id: last}
        return render.reminder_line(r, BERLIN, NOW, lasts).splitlines()[-1].strip()

    assert line(nightly, done) == "next: tomorrow 21:00 · last: done today 21:00"
    assert line(nightly, Outcome(nightly.id, at(1, 21), SKIPPED)).endswith(" · last: skipped yesterday 21:00")
    assert line(nightly, Outcome(nightly.id, at(1, 21), MISSED)).endswith("last: missed yesterday 21:00")
    assert line(nightly, Outcome(nightly.id, at(1, 21), UNDELIVERABLE)).endswith("couldn't reach you")
    assert line(nightly) == "next: tomorrow 21:00"  # nothing happened yet
    shown = occurrence(nightly, due=at(2, 11))
    assert line(nightly, shown) == "next: tomorrow 21:00 · last: sent today 11:00, not answered"
    assert line(nightly, replace(shown, status=NUDGE)).endswith("last: sent today 11:00, not answered")
    snoozed = replace(shown, status=SNOOZED, fire_at=at(2, 13))
    assert line(nightly, snoozed).endswith("last: snoozed from today 11:00 until today 13:00")
    held = replace(shown, status=HELD, fire_at=at(3, 7))
    assert line(nightly, held).endswith("last: today 11:00, held for your quiet hours until tomorrow 07:00")
    paused = replace(nightly, paused=True, pause_reason="by you")
    assert line(paused, done) == "paused (by you): /resume 2 · last: done today 21:00"


def test_a_one_off_that_fired_and_got_no_answer_is_sent_not_answered_not_done() -> None:
    fired = replace(reminder(next_due=None), number=3, text="book peel")
    shown = occurrence(fired, due=at(2, 11))
    assert render.reminder_line(fired, BERLIN, NOW, {fired.id: shown}).endswith(
        "finished · last: sent today 11:00, not answered"
    )
    assert render.reminder_line(fired, BERLIN, NOW, {fired.id: replace(shown, status=SKIPPED)}).endswith(
        "finished · last: skipped today 11:00"
    )
    snoozed = replace(shown, status=SNOOZED, fire_at=at(2, 13))
    assert render.reminder_line(fired, BERLIN, NOW, {fired.id: snoozed}).endswith(
        "\n   last: snoozed from today 11:00 until today 13:00"
    )
    assert render.reminder_line(fired, BERLIN, NOW, {}).endswith("\n   finished")


def test_the_last_reminder_message_says_the_reminder_is_finished() -> None:
    shown = occurrence(replace(reminder(next_due=None), number=3, text="cream"), due=at(2, 21))
    assert render.LAST_ONE in render.reminder_message(shown, BERLIN, NOW, last=True).text
    assert render.LAST_ONE not in render.reminder_message(shown, BERLIN, NOW).text


def test_a_reminder_message_says_why_it_comes_now_and_carries_its_buttons_and_occurrence() -> None:
    shown = occurrence(replace(reminder(), number=3, text="exfoliate"), due=at(2, 11))
    plain = render.reminder_message(shown, BERLIN, NOW)
    assert plain.text.startswith("⏰ Reminder 3: exfoliate") and plain.occurrence_id == shown.id
    assert plain.button_payloads()[:2] == [f"o:d:{shown.id}", f"o:k:{shown.id}"]
    assert "quiet hours" in render.reminder_message(shown, BERLIN, NOW, render.HELD_BACK).text
    assert "Snoozed from today 11:00" in render.reminder_message(shown, BERLIN, NOW, render.SNOOZED_AGAIN).text
    assert "while I was offline" in render.reminder_message(shown, BERLIN, NOW, render.LATE).text
    shown_again = replace(shown, deliveries=(Delivery("console", "x", "1"),))
    assert render.reminder_message(shown_again, BERLIN, NOW).dedupe_key != plain.dedupe_key  # a new delivery


def test_outcome_messages() -> None:
    shown = occurrence(replace(reminder(), text="cream"), due=at(2, 9))
    assert render.outcome_message(replace(shown, status=DONE, updated_at=at(2, 9, 5)), BERLIN, NOW).startswith(
        "✅ Done: cream, today 09:00. Nice work!"
    )
    assert render.outcome_message(replace(shown, status=SKIPPED), BERLIN, NOW).startswith("⏭ Skipped")
    snoozed = replace(shown, status=SNOOZED, updated_at=at(2, 9), fire_at=at(2, 10))
    assert "again today 10:00" in render.outcome_message(snoozed, BERLIN, NOW)


def test_the_missed_summary_says_whether_the_bot_was_down_or_could_not_reach_them() -> None:
    cream = replace(reminder(), text="cream")
    downtime = [occurrence(cream, due=at(d, 21)) for d in (1, 2)]
    assert render.missed_summary(downtime, BERLIN, NOW).startswith("While I was offline")
    unreachable = [replace(o, attempts=5) for o in downtime]
    summary = render.missed_summary(unreachable, BERLIN, NOW)
    assert summary.startswith("I couldn't reach you") and "• cream: yesterday 21:00, today 21:00" in summary
    many = [occurrence(cream, due=at(d, 21)) for d in range(1, 7)]
    assert "and 3 more" in render.missed_summary(many, BERLIN, NOW)


def test_session_notices_name_the_session_and_how_to_move_it() -> None:
    plan = {"treatment": "chemical peel", "session_at": at(3, 15), "done": 1, "total": 3}
    series_reminder = replace(reminder(), number=4, series=plan)
    assert render.session_notice(series_reminder, BERLIN, tomorrow=True).startswith(
        "🗓 Tomorrow at 15:00: your chemical peel session 2 of 3."
    )
    assert "/reschedule 4" in render.session_notice(series_reminder, BERLIN, tomorrow=False)


def test_a_series_question_is_answered_yes_no_or_rescheduled_not_snoozed() -> None:
    asked = occurrence(
        replace(reminder(), number=4, text="Did your chemical peel session (1 of 3) happen?"), due=at(2, 9)
    )
    message = render.reminder_message(asked, BERLIN, NOW, render.FOLLOW_UP, session=True)
    assert [b.label for row in message.buttons for b in row] == ["✅ Yes, it happened", "❌ No", "📅 Reschedule"]
    assert message.button_payloads() == [f"o:d:{asked.id}", f"o:k:{asked.id}", "cmd:/reschedule~4"]
    assert "/done 4 (it happened), /skip 4 (it didn't) or /reschedule 4 <date>" in message.text
    assert "snooze" not in message.text
