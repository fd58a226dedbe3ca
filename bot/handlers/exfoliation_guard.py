"""The exfoliation safety check, the same wherever a schedule is made (/remind, /edit, /plan).

It counts every exfoliation reminder the person has (paused and finished ones aside) together with the new
schedule; above three times a week it asks before saving anything, offering to keep the schedule, a gentler
one at the reminder's own time, or nothing. What going ahead does is data (a bot.choices action and its
arguments, given the chosen schedule as "schedule"), so any process can answer the question.
"""

from __future__ import annotations

from typing import Any

from bot.choices import Option, action, perform, say
from bot.confirmations import exfoliation_question
from bot.context import Context
from bot.handlers.choosing import offer
from bot.models import Reply
from bot.reminder_kind import is_exfoliation
from bot.timing.recurrence import Schedule, format_clock, schedule_from_dict, schedule_to_dict, times_per_week

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

WEEKLY_LIMIT = 3.0
GENTLE_DAYS = (0, 3)  # Mon and Thu: "a couple of times a week", three days apart

# How to go ahead: a registered action and its arguments, to which the chosen schedule is added.
Proceed = tuple[str, dict[str, Any]]


def other_exfoliation_per_week(ctx: Context, excluding: str | None) -> float:
    return sum(times_per_week(s) for s in _other_exfoliation(ctx, excluding))


def _other_exfoliation(ctx: Context, excluding: str | None) -> list[Schedule]:
    account = ctx.account()
    if account is None:
        return []
    found = []
    for reminder in ctx.regimen.store.reminders_of(account.id):
        if reminder.id == excluding or not is_exfoliation(reminder) or reminder.paused or reminder.next_due is None:
            continue
        try:
            found.append(schedule_from_dict(reminder.schedule))
        except ValueError:
            continue  # a damaged schedule fires nothing
    return found


def _days_taken(schedules: list[Schedule]) -> set[int]:
    """Weekdays another exfoliation reminder already fires on (every day for a daily or every-N-days one)."""
    taken: set[int] = set()
    for schedule in schedules:
        if schedule.kind == "weekly":
            taken.update(schedule.weekdays)
        elif schedule.kind == "daily" or (schedule.kind == "interval" and schedule.every <= 3):
            taken.update(range(7))  # every day or nearly: no day is clear of it (every 4+ days: no fixed day)
    return taken


def check(ctx: Context, schedule: Schedule, excluding: str | None, proceed: Proceed, sure: str) -> list[Reply] | None:
    """None when the schedule is gentle enough; otherwise the question, with `proceed` behind its buttons and
    `sure` (the command with '!') as the typed way to go ahead."""
    other_schedules = _other_exfoliation(ctx, excluding)
    others = sum(times_per_week(s) for s in other_schedules)
    total = others + times_per_week(schedule)
    if total <= WEEKLY_LIMIT:
        return None
    gentler = _gentler(schedule, others, _days_taken(other_schedules))
    then, then_args = proceed
    agreed = {"schedule": schedule_to_dict(schedule), "excluding": excluding, "then": then, "then_args": then_args}
    options = [Option(f"Yes, {total:g} a week", "exfoliation.agreed", {**agreed, "sure": sure, "others": others})]
    if gentler is not None:
        names = [DAY_NAMES[d] for d in gentler.weekdays]
        label = " & ".join(names) if len(names) > 1 else f"{names[0]} only"
        options.append(_going_ahead(f"{label} {format_clock(gentler.times[0])}", proceed, gentler))
    options.append(say("Cancel", "Nothing changed. See your reminders with /reminders."))
    text = exfoliation_question(total, others, gentler, ctx.tz, sure)
    return [Reply(text=text, buttons=offer(ctx, options))]


def _going_ahead(label: str, proceed: Proceed, schedule: Schedule) -> Option:
    then, then_args = proceed
    return Option(label, then, {**then_args, "schedule": schedule_to_dict(schedule)})


@action("exfoliation.agreed")
def _agreed(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    schedule = schedule_from_dict(args["schedule"])
    proceed: Proceed = (str(args["then"]), dict(args["then_args"]))
    excluding = args["excluding"]
    go = _going_ahead("", proceed, schedule)
    # Pressed later, after more exfoliation reminders were added: what was agreed to is no longer the total.
    if other_exfoliation_per_week(ctx, excluding) > float(args["others"]):
        asked = check(ctx, schedule, excluding, proceed, str(args["sure"]))
        if asked is not None:
            return asked
    return perform(ctx, go.action, go.args)


def _gentler(schedule: Schedule, others: float, taken: set[int]) -> Schedule | None:
    """Two days three apart (Mon & Thu first), or one day, at the schedule's own time, on days no other
    exfoliation reminder has, as far from theirs as can be: if that keeps the week at three or fewer."""
    at = schedule.times[0] if schedule.times else None
    if at is None:
        return None
    free = [d for d in range(7) if d not in taken]

    def apart(days: tuple[int, ...]) -> int:  # the fewest days between one of these and another's day
        return min((min((d - t) % 7, (t - d) % 7) for d in days for t in taken), default=7)

    pairs = [(a, b) for a in free for b in free if a < b and b - a in (3, 4)]
    pairs.sort(key=lambda days: (days != GENTLE_DAYS, -apart(days)))
    singles = sorted(((d,) for d in free), key=lambda days: (-apart(days), days != (3,), days))
    for days in [*pairs, *singles]:
        if others + len(days) <= WEEKLY_LIMIT:
            return Schedule("weekly", at=at, weekdays=days)
    return None
