"""What a due item becomes when its time comes: pure rules on facts read beforehand, no storage, no sending.

The scheduler reads the facts (the reminder, the person's zone and quiet hours, whether anyone is reachable,
their treatment series), asks these rules for a verdict, and applies it in one transaction. Keeping the rules
apart keeps them testable with nothing but a clock: series notices, quiet hours, the exfoliation pause around
a peel, catch-up after downtime (only the latest passed time is delivered late), the grace period, auto-pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.reminder_kind import is_exfoliation
from bot.series import exfoliation_paused_at, first_stage_after
from bot.series import stages as series_stages
from bot.timing.quiet import quiet_until
from bot.timing.recurrence import next_occurrence, schedule_from_dict
from storage.records import NUDGE, RETRY, Occurrence, Reminder

LATE_AFTER = 60.0  # seconds past due before a delivery is labelled late
AUTO_PAUSE_AFTER = 30  # unanswered in a row: the reminder pauses itself rather than spam someone who stopped

# Verdicts for a due reminder or occurrence.
SEND = "send"  # claim it SENDING and deliver it now (late when `late`)
HOLD = "hold"  # inside quiet hours: show it at `at`
MISS = "miss"  # passed beyond the grace period, or superseded by a later time that passed too
TREATMENT_PAUSE = "treatment-pause"  # an exfoliation inside the pause around a peel or laser session
UNREACHABLE = "unreachable"  # nobody to deliver it to: don't queue it
NOTICE = "notice"  # a series' day-before or hour-before notice: say it (when `say`), move on to `at`
FOLLOW_UP = "follow-up"  # a series' "did it happen?" question
WAIT = "wait"  # a series stage inside quiet hours: move the reminder on to `at`


@dataclass(frozen=True, slots=True)
class Verdict:
    action: str
    at: float | None = None
    late: bool = False
    say: bool = True  # NOTICE: still worth saying (not long past)
    tomorrow: bool = False  # NOTICE: the day-before one rather than the hour-before one


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules need to know about the person a due item belongs to."""

    tz: tzinfo
    quiet_hours: str | None
    reachable: bool  # at least one address deliveries can go to
    series: tuple[dict[str, Any], ...] = ()  # the plans of the person's treatment series


def judge_reminder(reminder: Reminder, facts: Facts, now: float, grace: float) -> Verdict:
    """The verdict for a reminder whose next due time has come (it is not paused)."""
    assert reminder.next_due is not None
    due = reminder.next_due
    if reminder.series is not None:
        return _judge_series(reminder.series, due, facts, now, grace)
    if is_exfoliation(reminder) and any(exfoliation_paused_at(due, plan, facts.tz) for plan in facts.series):
        return Verdict(TREATMENT_PAUSE, at=due)
    if now - due > grace or superseded(reminder, due, now, facts.tz):
        return Verdict(MISS, at=due)
    if not facts.reachable:
        return Verdict(UNREACHABLE, at=due)
    held_until = quiet_until(max(due, now), facts.quiet_hours, facts.tz)
    if held_until is not None and held_until > now:  # never hold until a time that has passed
        return Verdict(HOLD, at=held_until)
    return Verdict(SEND, at=due, late=now - due > LATE_AFTER)


def _judge_series(plan: dict[str, Any], due: float, facts: Facts, now: float, grace: float) -> Verdict:
    held_until = quiet_until(now, facts.quiet_hours, facts.tz)
    if held_until is not None and held_until > now:  # notices and follow-ups respect quiet hours too
        return Verdict(WAIT, at=held_until)
    session_at = float(plan["session_at"])
    _, hour_before, follow_up = series_stages(session_at)
    if due < follow_up:  # a notice: at most once, and not at all when it is long past
        return Verdict(
            NOTICE, at=first_stage_after(session_at, max(due, now)), say=now - due <= grace, tomorrow=due < hour_before
        )
    return Verdict(FOLLOW_UP)


def judge_occurrence(occurrence: Occurrence, facts: Facts, now: float, grace: float, asks: bool) -> Verdict:
    """The verdict for an open occurrence that fires again (a retry, a snooze, a held one, a nudge).

    `asks`: it is a series' "did it happen?" question, which is about the past and so never too late.
    """
    if occurrence.status == RETRY and now - occurrence.round_start > grace and not asks:
        return Verdict(MISS)
    held_until = quiet_until(now, facts.quiet_hours, facts.tz)
    if held_until is not None and held_until > now:
        return Verdict(HOLD, at=held_until)
    return Verdict(SEND)


def nudges_after(occurrence: Occurrence) -> int:
    """A nudge counts once it comes round, even when quiet hours hold it."""
    return occurrence.nudges + (occurrence.status == NUDGE)


def round_at(occurrence: Occurrence) -> float:
    """When the round about to be shown was meant to be: a retry keeps the round it retries."""
    return occurrence.round_at if occurrence.status == RETRY else occurrence.fire_at


def superseded(reminder: Reminder, due: float, now: float, tz: tzinfo) -> bool:
    """A later time of the same reminder has passed too: only the latest is delivered late."""
    if now - due <= LATE_AFTER:
        return False
    following = next_occurrence(schedule_from_dict(reminder.schedule), datetime.fromtimestamp(due, tz=UTC), tz)
    return following is not None and following.timestamp() <= now


def auto_paused(unanswered: int) -> bool:
    return unanswered >= AUTO_PAUSE_AFTER
