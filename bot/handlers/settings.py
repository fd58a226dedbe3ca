"""Per-person settings beyond the time zone: quiet hours and nudges."""

from __future__ import annotations

from bot.context import Context
from bot.models import Reply
from bot.regimen import RegimenError
from bot.render import quiet_changed, quiet_refused, quiet_usage
from bot.timing.quiet import QuietHoursError, parse_quiet
from bot.timing.timeparse import parse_duration

MAX_NUDGES = 2


def quiet(ctx: Context, args: str) -> list[Reply]:
    text = args.strip().lower()
    if not text:
        account = ctx.account()
        return [Reply(text=quiet_usage(account.quiet_hours if account else None))]
    account = ctx.ensure_account()
    if text in ("off", "none", "no"):
        retimed = ctx.regimen.set_quiet_hours(account, None)
        return [Reply(text=quiet_changed(None, ctx.account_timezone_name(), retimed, ctx.tz, ctx.now))]
    try:
        window = parse_quiet(args)
    except QuietHoursError as exc:
        raise RegimenError(quiet_refused(exc)) from None
    retimed = ctx.regimen.set_quiet_hours(account, window)
    return [Reply(text=quiet_changed(window, ctx.account_timezone_name(), retimed, ctx.tz, ctx.now))]


def nudge(ctx: Context, args: str) -> list[Reply]:
    reminder = ctx.reminder_arg(args, "nudge")
    words = args.split()[1:]
    if not words:
        raise RegimenError(
            f"How long should I wait before nudging? For example: /nudge {reminder.number} 2h "
            f"(or /nudge {reminder.number} 1h 2 for up to two nudges, /nudge {reminder.number} off)"
        )
    if words[0].lower() == "off":
        ctx.regimen.set_nudges(reminder, 0, 0)
        return [Reply(text=f"No more nudges for reminder {reminder.number}.")]
    after = parse_duration(words[0])
    minutes = int(after.total_seconds() // 60)
    if not 5 <= minutes <= 24 * 60:
        raise RegimenError(f"Nudge after between 5 minutes and 24 hours, for example: /nudge {reminder.number} 2h")
    count = 1
    if len(words) > 1:
        if not words[1].isdecimal() or not 1 <= int(words[1]) <= MAX_NUDGES:
            raise RegimenError(f"Nudge at most {MAX_NUDGES} times, for example: /nudge {reminder.number} 1h 2")
        count = int(words[1])
    ctx.regimen.set_nudges(reminder, minutes, count)
    times = "once" if count == 1 else "up to twice"
    return [
        Reply(
            text=f"If reminder {reminder.number} isn't marked Done or Skip after {words[0]}, I'll remind you {times} "
            f"more. Turn it off with /nudge {reminder.number} off."
        )
    ]
