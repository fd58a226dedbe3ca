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

WEEKLY_LIMIT = 3.0
GENTLE_DAYS = (0, 3)  # Mon and Thu: "a couple of times a week", three days apart

# How to go ahead: a registered action and its arguments, to which the chosen schedule is added.
Proceed = tuple[str, dict[str, Any]]


def other_exfoliation_per_week(ctx: Context, excluding: str | None) -> float:
    account = ctx.account()
    if account is None:
        return 0.0
    total = 0.0
    for reminder in ctx.regimen.store.reminders_of(account.id):
        if reminder.id == excluding or not is_exfoliation(reminder) or reminder.paused or reminder.next_due is None:
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
    then, then_args = proceed
    agreed = {"schedule": schedule_to_dict(schedule), "excluding": excluding, "then": then, "then_args": then_args}
    options = [Option(f"Yes, {total:g} a week", "exfoliation.agreed", {**agreed, "sure": sure, "others": others})]
    if gentler is not None:
        label = "Mon & Thu" if gentler.weekdays == GENTLE_DAYS else "Thu only"
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


def _gentler(schedule: Schedule, others: float) -> Schedule | None:
    """Mon & Thu at the schedule's own time (or Thu alone), if that keeps the week at three or fewer."""
    at = schedule.times[0] if schedule.times else None
    if at is None:
        return None
    for days in (GENTLE_DAYS, (3,)):
        if others + len(days) <= WEEKLY_LIMIT:
            return Schedule("weekly", at=at, weekdays=days)
    return None
