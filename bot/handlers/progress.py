"""/progress (streaks, adherence, the chart) and the CSV history export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.context import Context
from bot.models import Attachment, Reply
from bot.progress import (
    PENDING,
    RULE,
    Adherence,
    ItemProgress,
    counts_as,
    encouragement,
    item_progress_from_tally,
    kind,
)
from bot.render import local
from bot.timing.recurrence import next_occurrence, schedule_from_dict
from storage.records import DONE, MISSED, SKIPPED, Outcome, Reminder

if TYPE_CHECKING:
    from bot.chart import ChartRow

CHART_COOLDOWN = 10.0


def progress(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    reminders, tallies, open_occurrences = ctx.regimen.progress_inputs(account.id) if account else ([], {}, [])
    if account is None or not reminders:
        return [Reply(text="No progress to show yet: adopt a plan with /plan or create a reminder with /remind.")]
    store = ctx.regimen.store
    now = ctx.now.timestamp()
    items = [item_progress_from_tally(tallies[r.id], open_occurrences, now) for r in reminders]  # no history read
    lines = ["Your progress:"]
    for reminder, item in zip(reminders, items, strict=True):
        lines.append(f"{reminder.number}. {reminder.text}")
        if reminder.series is not None:
            lines.append(f"   sessions done: {reminder.series['done']} of {reminder.series['total']} planned")
        else:
            lines.append("   " + _numbers(item))
    if any(item.last_28.counted or item.last_28.skipped or item.waiting for item in items):
        lines.append(RULE)
    lines.append(encouragement(items))
    if args.strip().lower() in ("text", "notext", "nochart"):
        return [Reply(text="\n".join(lines))]
    if not ctx.regimen.chart_allowed(account.id):
        lines.append(f"(The chart is drawn at most once every {CHART_COOLDOWN:.0f} seconds; try again shortly.)")
        return [Reply(text="\n".join(lines))]
    from bot import chart as chart_module  # matplotlib loads on first use: start-up stays fast

    history = store.history_outcomes(account.id) + [Outcome(o.reminder_id, o.due, o.status) for o in open_occurrences]
    today = ctx.now.astimezone(ctx.tz).date()
    rendered = chart_module.render(_chart_rows(ctx, reminders, items, history), today)
    attachment = Attachment(filename="clearback-progress.png", data=rendered.png, mime_type="image/png")
    return [Reply(text="\n".join(lines), attachment=attachment)]


def _numbers(item: ItemProgress) -> str:
    week, month = item.last_7, item.last_28
    waiting = f" · {item.waiting} waiting for your answer" if item.waiting else ""
    return (
        f"streak {item.streak.current} (best {item.streak.best}) · last 7 days {_rate(week)} · 28 days {_rate(month)}"
        + waiting
    )


def _rate(adherence: Adherence) -> str:
    """'5/6 (83%), 1 skipped': done out of done + missed, and the skips left out."""
    skipped = f", {adherence.skipped} skipped" if adherence.skipped else ""
    if adherence.percent is None:
        return ("nothing counted yet" if skipped else "nothing due yet") + skipped
    return f"{adherence.done}/{adherence.counted} ({adherence.percent}%){skipped}"


def _chart_rows(
    ctx: Context, reminders: list[Reminder], items: list[ItemProgress], history: list[Outcome]
) -> list[ChartRow]:
    """Each reminder's occurrences of the chart's weeks, by day in the person's zone and in time order, with
    what is still ahead today; an occurrence counts as the text counts it (bot.progress.kind)."""
    from bot import chart as chart_module

    states = {
        DONE: chart_module.DONE,
        SKIPPED: chart_module.SKIPPED,
        MISSED: chart_module.MISSED,
        PENDING: chart_module.PENDING,
    }
    tz = ctx.tz
    now = ctx.now.timestamp()
    today = ctx.now.astimezone(tz).date()
    first = today - timedelta(weeks=chart_module.WEEKS) + timedelta(days=1)
    by_reminder: dict[str, dict[int, int]] = {}  # reminder id -> due second -> state
    for occurrence in history:
        counted = kind(occurrence.status)  # the rule the text follows: an open one is pending
        if counted is not None and first <= local(occurrence.due, tz).date() <= today:
            by_reminder.setdefault(occurrence.reminder_id, {})[int(occurrence.due)] = states[counted]
    rows = []
    for reminder, item in zip(reminders, items, strict=True):
        dues = by_reminder.get(reminder.id, {})
        if reminder.next_due is not None and not reminder.paused:
            schedule = schedule_from_dict(reminder.schedule)
            moment: datetime | None = datetime.fromtimestamp(reminder.next_due, tz=UTC)
            for _ in range(64):  # the rest of today at most: bounded even for 'every minute'
                if moment is None or local(moment.timestamp(), tz).date() > today:
                    break
                if moment.timestamp() > now:
                    dues.setdefault(int(moment.timestamp()), chart_module.UPCOMING)
                moment = next_occurrence(schedule, moment, tz)
        days: dict[date, list[int]] = {}
        for due in sorted(dues):
            days.setdefault(local(due, tz).date(), []).append(dues[due])
        rows.append(
            chart_module.ChartRow(
                f"{reminder.number}. {reminder.text}",
                {day: tuple(day_states) for day, day_states in days.items()},
                summary=_summary(reminder, item),
            )
        )
    return rows


def _summary(reminder: Reminder, item: ItemProgress) -> str:
    """The chart's words at the end of a row: the 28 days' adherence, as the text gives it."""
    if reminder.series is not None:
        return f"{reminder.series['done']} of {reminder.series['total']} sessions"
    month = item.last_28
    skipped = f", {month.skipped} skipped" if month.skipped else ""
    return ("28 days: nothing counted" if month.percent is None else f"28 days: {month.percent}%") + skipped


def export_csv(ctx: Context) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text="I don't keep any data about you yet, so there is nothing to export.")]
    tz = ctx.tz
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["item", "due", "outcome", "outcome_time", "counts_as"])
    occurrences = ctx.regimen.store.history_of(account.id) + ctx.regimen.store.open_occurrences_of(account.id)
    for occurrence in sorted(occurrences, key=lambda o: (o.due, o.id)):
        writer.writerow(
            [
                occurrence.text,
                local(occurrence.due, tz).isoformat(timespec="minutes"),
                occurrence.status,
                local(occurrence.updated_at, tz).isoformat(timespec="minutes"),
                counts_as(occurrence.status),
            ]
        )
    return [
        Reply(
            text=f"Your history as CSV ({len(occurrences)} rows, times in {ctx.account_timezone_name()}). "
            f"You can share it with your dermatologist. {RULE}",
            attachment=Attachment(
                filename="clearback-history.csv", data=buffer.getvalue().encode(), mime_type="text/csv"
            ),
        )
    ]
