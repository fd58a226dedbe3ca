"""How the core words things: times in the person's zone, reminder lines, reminder messages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from bot import payloads
from bot.faq_content import DISCLAIMER
from bot.models import Button, Reply
from bot.timing.quiet import AMBIGUOUS, NOT_A_TIME, SAME, QuietHoursError
from bot.timing.recurrence import describe, instant_clock, schedule_from_dict
from storage.records import (
    CANCELLED,
    DONE,
    HELD,
    MISSED,
    NUDGE,
    PAUSED,
    RETRY,
    SENDING,
    SENT,
    SKIPPED,
    SNOOZED,
    UNCONFIRMED,
    UNDELIVERABLE,
    Occurrence,
    Outcome,
    Reminder,
)

__all__ = ["DISCLAIMER", "local", "outcome_message", "reminder_line", "reminder_message", "when_text"]


def local(ts: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC).astimezone(tz)


def when_text(ts: float, tz: tzinfo, now: datetime | None = None) -> str:
    """'today 20:00', 'tomorrow 09:00', 'Thu 10 Dec 20:00' in the person's zone, always to the minute."""
    moment = local(ts, tz)
    clock = instant_clock(moment)  # minutes everywhere: seconds in some replies and not others read as noise
    if now is not None:
        today = now.astimezone(tz).date()
        days = (moment.date() - today).days
        if days == 0:
            return f"today {clock}"
        if days == 1:
            return f"tomorrow {clock}"
        if days == -1:
            return f"yesterday {clock}"
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b')} {clock}"


def schedule_text(reminder: Reminder, tz: tzinfo) -> str:
    return describe(schedule_from_dict(reminder.schedule), tz)


def reminder_line(
    reminder: Reminder,
    tz: tzinfo,
    now: datetime,
    lasts: Mapping[str, Occurrence | Outcome] | None = None,
    treatment_pauses: Mapping[str, tuple[str, float | None]] | None = None,
) -> str:
    """A reminder in /reminders: its name, its schedule, and what comes next.

    `lasts` (Regimen.last_outcomes) adds what happened last, by reminder id; without it the line says only what
    the reminder itself knows. `treatment_pauses` (Regimen.treatment_pauses): exfoliation held around a session,
    so "next" is the time that really fires.
    """
    pause = (treatment_pauses or {}).get(reminder.id)
    if pause is not None:
        treatment, resumes = pause
        after = f"next: {when_text(resumes, tz, now)}" if resumes is not None else "no time after it yet"
        return (
            f"{reminder.number}. {reminder.text}\n   {schedule_text(reminder, tz)}\n"
            f"   paused around your {treatment} session; {after}"
        )
    if reminder.series is not None:
        return f"{reminder.number}. {reminder.text}\n   {describe_series(reminder.series, tz)}" + (
            f"\n   paused: /resume {reminder.number}" if reminder.paused else ""
        )
    parts = [f"{reminder.number}. {reminder.text}", f"   {schedule_text(reminder, tz)}"]
    if lasts is None:
        parts.append(_state_text(reminder, tz, now) or "   done, no more times")
        return "\n".join(parts)
    last = lasts.get(reminder.id)
    said = f"last: {last_text(last, tz, now)}" if last is not None else ""
    state = _state_text(reminder, tz, now)
    if state is None and last is not None and last.status in (SNOOZED, HELD, RETRY, SENDING):
        state = ""  # still to be shown: the last one says when
    elif state is None:
        state = "   finished"
    if state and said:
        parts.append(f"{state} · {said}")
    else:
        parts.append(state or f"   {said}")
    return "\n".join(parts)


def _state_text(reminder: Reminder, tz: tzinfo, now: datetime) -> str | None:
    if reminder.paused:
        reason = f" ({reminder.pause_reason})" if reminder.pause_reason else ""
        return f"   paused{reason}: /resume {reminder.number}"
    if reminder.next_due is not None:
        return f"   next: {when_text(reminder.next_due, tz, now)}"
    return None


def last_text(last: Occurrence | Outcome, tz: tzinfo, now: datetime) -> str:
    """What happened to a reminder's latest time: "done Thu 3 Dec 20:00", "sent today 08:00, not answered"."""
    due = when_text(last.due, tz, now)
    status = last.status
    if isinstance(last, Occurrence) and status in (SNOOZED, HELD, RETRY):
        again = when_text(last.fire_at, tz, now)
        if status == SNOOZED:
            return f"snoozed from {due} until {again}"
        if status == HELD:
            return f"{due}, held for your quiet hours until {again}"
        return f"{due}, sending again {again}"
    return _LAST_WORDS.get(status, "{due}: " + status).format(due=due)


_LAST_WORDS = {
    SENT: "sent {due}, not answered",
    NUDGE: "sent {due}, not answered",
    SENDING: "{due}, being sent",
    DONE: "done {due}",
    SKIPPED: "skipped {due}",
    MISSED: "missed {due}",
    UNDELIVERABLE: "{due}, couldn't reach you",
    UNCONFIRMED: "{due}, may not have reached you",
    PAUSED: "{due}, paused around your treatment",
    CANCELLED: "{due}, cancelled",
}


def occurrence_buttons(occurrence: Occurrence, tz: tzinfo, now: datetime) -> tuple[tuple[Button, ...], ...]:
    later = (
        Button("This evening", payloads.occurrence(payloads.SNOOZE_EVENING, occurrence.id))
        if now.astimezone(tz).hour < 18
        else Button("Tomorrow 8:00", payloads.occurrence(payloads.SNOOZE_MORNING, occurrence.id))
    )
    return (
        (
            Button("✅ Done", payloads.occurrence(payloads.DONE, occurrence.id)),
            Button("⏭ Skip", payloads.occurrence(payloads.SKIP, occurrence.id)),
        ),
        (
            Button("💤 15 min", payloads.occurrence(payloads.SNOOZE_15M, occurrence.id)),
            Button("💤 1 hour", payloads.occurrence(payloads.SNOOZE_1H, occurrence.id)),
            later,
        ),
    )


# Why a reminder is shown at another time than its due time.
LATE, SNOOZED_AGAIN, HELD_BACK, NUDGED, FOLLOW_UP = "late", "snoozed", "held", "nudge", "follow-up"


LAST_ONE = "That was the last one: this reminder is finished."


def session_buttons(occurrence: Occurrence) -> tuple[tuple[Button, ...], ...]:
    """A series' "did it happen?" is answered yes, no or with a new date, not snoozed."""
    return (
        (
            Button("✅ Yes, it happened", payloads.occurrence(payloads.DONE, occurrence.id)),
            Button("❌ No", payloads.occurrence(payloads.SKIP, occurrence.id)),
        ),
        (Button("📅 Reschedule", payloads.command(f"/reschedule {occurrence.number}")),),
    )


def reminder_message(
    occurrence: Occurrence,
    tz: tzinfo,
    now: datetime,
    reason: str | None = None,
    last: bool = False,
    session: bool = False,
) -> Reply:
    """The message for a due occurrence; `last`: no time comes after it (an ending repeat's last, a one-off);
    `session`: a treatment series' "did it happen?" question."""
    lines = [f"⏰ Reminder {occurrence.number}: {occurrence.text}"]
    due = when_text(occurrence.due, tz, now)
    if reason == HELD_BACK:
        lines.append(f"(Held during your quiet hours: it was due {due}.)")
    elif reason == NUDGED:
        lines.append(f"(Still waiting for an answer: it was due {due}.)")
    elif occurrence.late or reason == LATE:
        lines.append(f"(Late: this was due {due}, while I was offline.)")
    elif reason == SNOOZED_AGAIN:
        lines.append(f"(Snoozed from {due}.)")
    n = occurrence.number
    if session:
        lines.append(f"Tap a button, or type /done {n} (it happened), /skip {n} (it didn't) or /reschedule {n} <date>.")
    else:
        if last:
            lines.append(LAST_ONE)
        lines.append(f"Tap a button, or type /done {n}, /skip {n} or /snooze {n} 1h.")
    # Retries of a failed send see the same recorded deliveries; a snooze or nudge comes after one more.
    key = f"{occurrence.id}#{len(occurrence.deliveries)}"
    return Reply(
        text="\n".join(lines),
        buttons=session_buttons(occurrence) if session else occurrence_buttons(occurrence, tz, now),
        dedupe_key=key,
        occurrence_id=occurrence.id,
    )


def outcome_message(occurrence: Occurrence, tz: tzinfo, now: datetime, finished: bool = False) -> str:
    """The answer to Done / Skip / Snooze, naming the occurrence it marked ("Done: cream, today 21:30");
    `finished`: no time of the reminder comes after it (a one-off, an ending repeat's last)."""
    which = f"{occurrence.text}, {when_text(occurrence.due, tz, now)}"
    if occurrence.status == DONE:
        return f"✅ Done: {which}. Nice work!" + (f" {LAST_ONE}" if finished else "")
    if occurrence.status == SKIPPED:
        if finished:
            return f"⏭ Skipped: {which}. That was its last time, so nothing more comes of this reminder."
        return f"⏭ Skipped: {which}. That's fine; I'll remind you next time."
    if occurrence.fire_at > occurrence.updated_at:
        return f"💤 Snoozed: {which}. I'll remind you again {when_text(occurrence.fire_at, tz, now)}."
    return f"{occurrence.text} (due {when_text(occurrence.due, tz, now)}) was recorded as {occurrence.status}."


PUT_ASIDE_REASON = "held back after an error on my side"


def put_aside_notice(reminders: list[Reminder]) -> str:
    """Told on the person's next message: a reminder whose claim failed was paused so the others go on."""
    names = ", ".join(f"{r.number} ({r.text})" for r in reminders)
    first = reminders[0].number
    return (
        f"Sorry: something went wrong on my side with reminder {names}, so I paused it to keep your other "
        f"reminders coming. Set its time again with /edit {first} <when> (for example /edit {first} every day "
        f"at 20:00), or turn it back on with /resume {first}."
    )


def missed_summary(items: list[Occurrence], tz: tzinfo, now: datetime) -> str:
    """One message for reminders that passed unseen: the bot was down, or the person could not be reached."""
    unreachable = all(item.attempts for item in items)
    heading = (
        "I couldn't reach you for a while, so these reminders passed (recorded as missed):"
        if unreachable
        else "While I was offline, these reminders passed (recorded as missed):"
    )
    lines = [heading]
    by_text: dict[str, list[float]] = defaultdict(list)
    for item in items:
        by_text[item.text].append(item.due)
    for text, dues in by_text.items():
        shown = ", ".join(when_text(d, tz, now) for d in sorted(dues)[-3:])
        more = f" and {len(dues) - 3} more" if len(dues) > 3 else ""
        lines.append(f"• {text}: {shown}{more}")
    lines.append("Your regular schedule carries on from here.")
    return "\n".join(lines)


NO_ANSWERS_REASON = "no answers lately"


def auto_pause_notice(reminder: Reminder, count: int) -> str:
    return (
        f"I paused reminder {reminder.number} ({reminder.text}) because the last {count} went unanswered. "
        f"Whenever you want it back: /resume {reminder.number}"
    )


def interrupted_notice(items: list[Occurrence]) -> str:
    """After a crash mid-send: maybe delivered, so never sent again."""
    names = ", ".join(sorted({o.text for o in items}))
    return (
        f"I restarted while sending you a reminder ({names}). It may not have reached you, "
        "and I won't send it twice. See /reminders."
    )


def session_notice(reminder: Reminder, tz: tzinfo, tomorrow: bool) -> str:
    """The day-before or hour-before notice of a treatment session."""
    assert reminder.series is not None
    series = reminder.series
    when = local(float(series["session_at"]), tz).strftime("%H:%M")
    number = f"session {int(series['done']) + 1} of {series['total']}"
    lead = f"Tomorrow at {when}" if tomorrow else f"In about an hour ({when})"
    return (
        f"🗓 {lead}: your {series['treatment']} {number}. Follow your dermatologist's instructions to prepare. "
        f"Different date? /reschedule {reminder.number} <date> at <time>"
    )


# Treatment series ------------------------------------------------------------------------------------------


def describe_series(series: dict[str, Any], tz: tzinfo) -> str:
    session = datetime.fromtimestamp(series["session_at"], tz=UTC).astimezone(tz)
    status = f"{series['done']} of {series['total']} session{'' if series['total'] == 1 else 's'} done"
    if series["done"] >= series["total"]:
        return f"{series['treatment']} series complete: {status}"
    when = f"{session:%a} {session.day} {session:%b %Y} at {session:%H:%M}"
    return f"{series['treatment']} every {series['every_weeks']} weeks · {status} · next session {when}"


SESSION_EXAMPLES = ("2026-12-10 at 15:00", "2027-01-10 09:00", "next friday at 10", "on dec 10 at 3pm")


def _session_examples() -> str:
    return ", ".join(SESSION_EXAMPLES[:-1]) + " or " + SESSION_EXAMPLES[-1]


def session_time_unreadable(phrase: str, why: str) -> str:
    return (
        f'I couldn\'t read the session time "{phrase[:40]}". Give a date and time, for example: '
        f"{_session_examples()}. ({why})"
    )


def session_time_repeats(phrase: str) -> str:
    return (
        f'"{phrase[:40]}" repeats, but a session is one date and time (the series says how often). '
        f"For example: {_session_examples()}"
    )


def session_dates(sessions: list[datetime], tz: tzinfo) -> str:
    """'Thu 10 Dec 15:00, Thu 7 Jan 15:00 and Thu 4 Feb 15:00'."""
    shown = [when_text(s.timestamp(), tz) for s in sessions]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _length(by: timedelta) -> str:
    seconds = int(abs(by).total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            return _count(seconds // size, unit)
    return _count(seconds, "second")


def series_planned(sessions: list[datetime], tz: tzinfo) -> str:
    """Under a new series: the dates as planned now."""
    return f"{'Session' if len(sessions) == 1 else 'Sessions as planned'}: {session_dates(sessions, tz)}."


def series_moved(number: int, by: timedelta, sessions: list[datetime], tz: tzinfo) -> str:
    """After /reschedule N by 1 week: every remaining session moved."""
    way, back = ("later", "earlier") if by > timedelta(0) else ("earlier", "later")
    which = "The remaining session is" if len(sessions) == 1 else f"All {len(sessions)} remaining sessions are"
    return (
        f"{which} {_length(by)} {way} now: {session_dates(sessions, tz)}. "
        f"Undo: /reschedule {number} by {_length(by)} {back}"
    )


def series_next_set(number: int, sessions: list[datetime], tz: tzinfo) -> str:
    """After /reschedule N <when>: the next session is set and the ones after it are dated from it."""
    if len(sessions) == 1:
        return "That is the last session of the series."
    return (
        f"The sessions after it are dated from it: {session_dates(sessions[1:], tz)}. "
        f"To move them all instead: /reschedule {number} by 1 week"
    )


def series_complete(number: int) -> str:
    return (
        f"Series {number} is complete: every session is done, so there is none to move. "
        "Start a new one with /series, for example: /series chemical peel 3 every 4 weeks starting "
        f"{SESSION_EXAMPLES[0]}"
    )


def series_shift_into_the_past(number: int, when: datetime, tz: tzinfo) -> str:
    return (
        f"That would put the next session of series {number} at {when_text(when.timestamp(), tz)}, which has "
        f"passed. Move it later, for example: /reschedule {number} by 1 week, or give its new date: "
        f"/reschedule {number} {SESSION_EXAMPLES[0]}"
    )


# Quiet hours ---------------------------------------------------------------------------------------------

QUIET_EXAMPLES = ("/quiet 22:00-07:00", "/quiet 10pm-7am", "/quiet from 22 to 7")


def _quiet_examples() -> str:
    return ", ".join(QUIET_EXAMPLES[:-1]) + " or " + QUIET_EXAMPLES[-1]


def quiet_usage(current: str | None) -> str:
    state = f"Your quiet hours are {current}." if current else "You have no quiet hours."
    return f"{state} Set them with e.g. {_quiet_examples()}, or turn them off with /quiet off."


def quiet_refused(error: QuietHoursError) -> str:
    """Why a /quiet window was not understood, quoting the part, with windows that work."""
    part, whole = error.part[:40], error.whole[:60]
    if error.reason == NOT_A_TIME:
        lead = f'In "{whole}", "{part}" isn\'t a time I understand.'
    elif error.reason == SAME:
        lead = f'"{whole}" starts and ends at the same time: quiet hours need different start and end times.'
    elif error.reason == AMBIGUOUS:
        hours = _window_hours(error.readings[0])
        options = f"{error.readings[0]} ({hours} hours)"
        if len(error.readings) > 1:
            options += f" or {error.readings[1]} ({_window_hours(error.readings[1])} hours)"
        lead = f'"{whole}" could mean {options}. Say it with am/pm or 24-hour times, so I don\'t guess.'
    else:
        lead = f'I couldn\'t read "{whole}" as quiet hours: give a start and an end.'
    return f"{lead} For example: {_quiet_examples()}. To turn them off: /quiet off"


def _window_hours(window: str) -> str:
    start, _, end = window.partition("-")
    minutes = (int(end[:2]) * 60 + int(end[3:]) - int(start[:2]) * 60 - int(start[3:])) % 1440
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:.1f}"


def quiet_changed(window: str | None, zone: str, retimed: list[Occurrence], tz: tzinfo, now: datetime) -> str:
    """The reply to /quiet: the new window, and when what the old one held will now come."""
    if window is None:
        text = "Quiet hours are off: reminders arrive at their time, day and night."
    else:
        text = (
            f"Quiet hours set to {window} ({zone}). A reminder that falls due then is "
            "held and delivered once, when they end, with its original time shown."
        )
    if retimed:
        times = sorted({when_text(o.fire_at, tz, now) for o in retimed})
        text += f" {len(retimed)} held reminder(s) now come {', '.join(times)}."
    return text


def series_twice(existing: Reminder, tz: tzinfo) -> str:
    assert existing.series is not None
    return (
        f"You already have a {existing.series['treatment']} series: number {existing.number}, "
        f"{describe_series(existing.series, tz)}. Set up another one as well?"
    )


def undone_answer(before: Occurrence, early: bool, tz: tzinfo, now: datetime) -> str:
    which = f"{before.text}, {when_text(before.due, tz, now)}"
    if early:
        return f"↩ Undone: {which} is not answered; I'll remind you at that time as usual."
    return f"↩ Undone: {which} is waiting for your answer again."


def undo_refused(before: Occurrence, tz: tzinfo, now: datetime) -> str:
    return (
        f"I can't undo that: {before.text}, {when_text(before.due, tz, now)} has changed since "
        f"(answered again, or its time moved on). See /reminders."
    )
