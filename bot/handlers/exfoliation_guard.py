"""The exfoliation safety check, the same wherever a schedule is made (/remind, /edit, /plan).

It counts every exfoliation reminder the person has (paused and finished ones aside) together with the new
schedule; above three times a week it asks before saving anything, offering to keep the schedule, a gentler
one at the reminder's own time, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.choices import Option
from bot.confirmations import exfoliation_question
from bot.context import Context
from bot.handlers.choosing import offer
from bot.models import Reply
from bot.timing.recurrence import Schedule, format_clock, schedule_from_dict, times_per_week

WEEKLY_LIMIT = 3.0
GENTLE_DAYS = (0, 3)  # Mon and Thu: "a couple of times a week", three days apart

Proceed = Callable[[Context, Schedule], list[Reply]]


def other_exfoliation_per_week(ctx: Context, excluding: str | None) -> float:
    account = ctx.account()
    if account is None:
        return 0.0
    total = 0.0
    for reminder in ctx.regimen.store.reminders_of(account.id):
        if reminder.id == excluding or reminder.kind != "exfoliation" or reminder.paused or reminder.next_due is None:
            continue
        try:
            total += times_per_week(schedule_from_dict(reminder.schedule))
        except ValueError:
            continue  # a damaged schedule fires nothing
    return total


def check(ctx: Context, schedule: Schedule, excluding: str | None, proceed: Proceed, sure: str) -> list[Reply] | None:
    """None when the schedule is gentle enough; otherwise the question, with `proceed` behind its buttons and
    `sure` (the command with '!') as the typed way to go ahead."""
    others = other_exfoliation_per_week(ctx, excluding)
    total = others + times_per_week(schedule)
    if total <= WEEKLY_LIMIT:
        return None
    gentler = _gentler(schedule, others)
    def agreed(c: Context) -> list[Reply]:
        # Pressed later, after more exfoliation reminders were added: what was agreed to is no longer the total.
        if other_exfoliation_per_week(c, excluding) > others:
            return check(c, schedule, excluding, proceed, sure) or proceed(c, schedule)
        return proceed(c, schedule)

    options = [Option(f"Yes, {total:g} a week", agreed)]
    if gentler is not None:
        label = "Mon & Thu" if gentler.weekdays == GENTLE_DAYS else "Thu only"
        options.append(Option(f"{label} {format_clock(gentler.times[0])}", lambda c: proceed(c, gentler)))
    options.append(Option("Cancel", _cancelled))
    text = exfoliation_question(total, others, gentler, ctx.tz, sure)
    return [Reply(text=text, buttons=offer(ctx, options))]


def _gentler(schedule: Schedule, others: float) -> Schedule | None:
    """Mon & Thu at the schedule's own time (or Thu alone), if that keeps the week at three or fewer."""
    at = schedule.times[0] if schedule.times else None
    if at is None:
        return None
    for days in (GENTLE_DAYS, (3,)):
        if others + len(days) <= WEEKLY_LIMIT:
            return Schedule("weekly", at=at, weekdays=days)
    return None


def _cancelled(ctx: Context) -> list[Reply]:
    return [Reply(text="Nothing changed. See your reminders with /reminders.")]
