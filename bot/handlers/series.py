"""/series and /reschedule: treatment series with session reminders and a safety pause for exfoliation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import payloads
from bot.choices import Option, action, say
from bot.context import Context
from bot.faq_content import DISCLAIMER
from bot.handlers.choosing import offer
from bot.models import Button, Reply
from bot.regimen import RegimenError
from bot.reminder_kind import is_exfoliation
from bot.render import (
    describe_series,
    series_complete,
    series_moved,
    series_next_set,
    series_planned,
    series_shift_into_the_past,
    series_twice,
)
from bot.series import (
    PAUSE_EXFOLIATION_FOR,
    SUGGESTED_PAUSE,
    SeriesPlan,
    parse_series,
    parse_session_time,
    parse_shift,
    remaining_sessions,
    shifted_session,
)
from storage.records import Reminder

MAX_PAUSE_DAYS = 30


def series(ctx: Context, args: str) -> list[Reply]:
    words = args.split()
    if not words:
        return [guide(ctx)]
    verb = words[0].lower()
    if verb == "end":
        return _end(ctx, " ".join(words[1:]))
    if verb == "pause":
        return _pause_exfoliation(ctx, words[1:])
    plan = parse_series(args, ctx.now, ctx.tz)
    ctx.ensure_account()  # the buttons below are bound to it
    twin = _same_series(ctx, plan)
    if twin is not None:
        options = [
            Option("Yes, another series", "series.create", _plan_doc(plan)),
            say("No", f"Nothing new set. Your series is number {twin.number}: /reminders"),
        ]
        return [Reply(text=series_twice(twin, ctx.tz), buttons=offer(ctx, options))]
    return _create(ctx, plan)


def _plan_doc(plan: SeriesPlan) -> dict[str, Any]:
    """A SeriesPlan as JSON-ready data, for an offered option (bot.choices)."""
    return {
        "treatment": plan.treatment,
        "sessions": plan.sessions,
        "every_weeks": plan.every_weeks,
        "first_session": plan.first_session.isoformat(),
        "notes": list(plan.notes),
    }


@action("series.create")
def _create_picked(ctx: Context, args: dict[str, Any]) -> list[Reply]:
    plan = SeriesPlan(
        str(args["treatment"]),
        int(args["sessions"]),
        int(args["every_weeks"]),
        datetime.fromisoformat(str(args["first_session"])),
        tuple(args["notes"]),
    )
    return _create(ctx, plan)


def _same_series(ctx: Context, plan: SeriesPlan) -> Reminder | None:
    """A series of the same treatment that is still running: sending the same /series twice is a slip."""
    account = ctx.account()
    for reminder in ctx.regimen.store.reminders_of(account.id) if account else []:
        plan_of = reminder.series
        if (
            plan_of is not None
            and plan_of["treatment"] == plan.treatment
            and int(plan_of["done"]) < int(plan_of["total"])
        ):
            return reminder
    return None


def _create(ctx: Context, plan: SeriesPlan) -> list[Reply]:
    account = ctx.ensure_account()
    reminder = ctx.regimen.create_series(account, plan, ctx.msg.identity.platform)
    assert reminder.series is not None
    lines = [
        f"Series {reminder.number} set: {describe_series(reminder.series, ctx.tz)}.",
        *plan.notes,
        series_planned(remaining_sessions(reminder.series, ctx.tz), ctx.tz),
        "I'll remind you the day before and an hour before each session, then ask whether it happened; "
        "the next session is dated from when it really took place.",
        f"Change a date: /reschedule {reminder.number} <date> at <time> · Move them all: "
        f"/reschedule {reminder.number} by 1 week · Stop: /series end {reminder.number}",
    ]
    buttons: tuple[tuple[Button, ...], ...] = ()
    exfoliates = any(is_exfoliation(r) for r in ctx.regimen.store.reminders_of(account.id))
    if plan.treatment in PAUSE_EXFOLIATION_FOR and not exfoliates:
        before, after = SUGGESTED_PAUSE
        lines.append(
            f"Exfoliating right around a {plan.treatment} can irritate treated skin. If you add exfoliation "
            f"reminders, /series pause {reminder.number} {before} {after} pauses them {before} days before until "
            f"{after} days after each session."
        )
    elif plan.treatment in PAUSE_EXFOLIATION_FOR:
        before, after = SUGGESTED_PAUSE
        lines.append(
            f"Exfoliating right around a {plan.treatment} can irritate treated skin. Shall I pause your exfoliation "
            f"reminders {before} days before until {after} days after each session? Follow your dermatologist's "
            f"instructions; you can change the days: /series pause {reminder.number} {before} {after}"
        )
        buttons = (
            (
                Button(
                    f"Pause exfoliation {before}d before/{after}d after",
                    # Bound: it names this person's series number, which means another reminder to anybody else.
                    payloads.bound(
                        payloads.subject(account.id, ctx.msg.identity.key),
                        f"/series pause {reminder.number} {before} {after}",
                    ),
                ),
            ),
        )
    lines.append(DISCLAIMER)
    return [Reply(text="\n".join(lines), buttons=buttons)]


def guide(ctx: Context) -> Reply:
    start = (ctx.now + timedelta(days=7)).astimezone(ctx.tz)
    example_date = f"{start:%Y-%m-%d} at 15:00"
    return Reply(
        text=(
            "Professional treatments often take several sessions: microdermabrasion a few, chemical peels more than "
            "one, laser resurfacing often one or two. A dermatologist decides how many and how far apart.\n"
            "Track a series and I'll remind you before each session and ask how it went:\n"
            f"/series microdermabrasion 4 every 3 weeks starting {example_date}\n"
            f"/series chemical peel 3 every 4 weeks starting {example_date}\n"
            f"/series laser resurfacing 2 every 6 weeks starting {example_date}\n"
            f"{DISCLAIMER}"
        ),
        buttons=((Button("About professional treatments", payloads.faq("compare")),),),
    )


def _series_arg(ctx: Context, raw: str, command: str) -> Reminder:
    reminder = ctx.reminder_arg(raw, command)
    if reminder.series is None:
        raise RegimenError(f"Reminder {reminder.number} isn't a treatment series. See your series with /reminders.")
    return reminder


def _end(ctx: Context, raw: str) -> list[Reply]:
    reminder = _series_arg(ctx, raw, "series end")
    ctx.regimen.delete_reminder(reminder)
    return [
        Reply(text=f"Ended series {reminder.number} ({reminder.text}). Its history stays in /progress and /export.")
    ]


def _pause_exfoliation(ctx: Context, words: list[str]) -> list[Reply]:
    if not words:
        raise RegimenError("Which series? For example: /series pause 3 3 7 (3 days before, 7 days after)")
    reminder = _series_arg(ctx, words[0], "series pause")
    assert reminder.series is not None
    if len(words) > 1 and words[1].lower() == "off":
        before = after = 0
    elif len(words) == 3 and all(w.isdecimal() and int(w) <= MAX_PAUSE_DAYS for w in words[1:]):
        before, after = int(words[1]), int(words[2])
    else:
        raise RegimenError(
            f"Give days before and after (0-{MAX_PAUSE_DAYS}), for example: /series pause {reminder.number} 3 7, "
            f"or /series pause {reminder.number} off"
        )
    ctx.regimen.set_series_pause(reminder, before, after)
    if before == after == 0:
        return [Reply(text=f"Exfoliation reminders carry on as usual around series {reminder.number}.")]
    return [
        Reply(
            text=f"Exfoliation reminders will pause {before} days before until {after} days after each "
            f"{reminder.series['treatment']} session, and resume by themselves afterwards. "
            "Follow your dermatologist's instructions if they differ."
        )
    ]


def reschedule(ctx: Context, args: str) -> list[Reply]:
    words = args.split(maxsplit=1)
    reminder = ctx.reminder_arg(args, "reschedule")
    if reminder.series is None:
        raise RegimenError(f"To change when reminder {reminder.number} fires, use /edit {reminder.number} <when>.")
    if len(words) < 2:
        raise RegimenError(
            f"When is the session now? For example: /reschedule {reminder.number} 2026-12-17 at 15:00, "
            f"or move all remaining sessions: /reschedule {reminder.number} by 1 week"
        )
    assert reminder.series is not None
    if int(reminder.series["done"]) >= int(reminder.series["total"]):
        raise RegimenError(series_complete(reminder.number))
    shift = parse_shift(words[1])
    if shift is not None:
        when = shifted_session(reminder.series, shift, ctx.tz)
        if when <= ctx.now:
            raise RegimenError(series_shift_into_the_past(reminder.number, when, ctx.tz))
    else:
        when = parse_session_time(words[1], ctx.now, ctx.tz)
    updated = ctx.regimen.reschedule_session(reminder, when)
    assert updated.series is not None
    sessions = remaining_sessions(updated.series, ctx.tz)
    said = (
        series_moved(reminder.number, shift, sessions, ctx.tz)
        if shift is not None
        else series_next_set(reminder.number, sessions, ctx.tz)
    )
    return [Reply(text=f"Rescheduled: {describe_series(updated.series, ctx.tz)}.\n{said}")]
