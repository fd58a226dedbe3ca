"""/progress (streaks, adherence, the chart) and the CSV history export."""

from __future__ import annotations

import csv
import functools
import io
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
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
    item_progress,
    item_progress_from_tally,
    kind,
)
from bot.render import local
from bot.timing.recurrence import next_occurrence, schedule_from_dict
from storage.records import DONE, MISSED, SKIPPED, Outcome, Reminder, occurrence_id

if TYPE_CHECKING:
    from bot.chart import ChartRow

log = logging.getLogger(__name__)

CHART_COOLDOWN = 10.0
CHART_WEEKS = 8
NOTHING_YET = "No progress to show yet: adopt a plan with /plan or create a reminder with /remind."
CHART_NEEDS_EXTRA = (
    "(No chart: drawing it needs the optional charts extra, which whoever runs this bot can add with "
    "pip install 'clearback[charts]'.)"
)


@dataclass(frozen=True, slots=True)
class Deleted:
    """A deleted reminder with outcomes in the chart's weeks: /progress keeps its past, as /export csv does."""

    reminder_id: str
    number: int
    text: str
    item: ItemProgress


def progress(ctx: Context, args: str) -> list[Reply]:
    account = ctx.account()
    if account is None:
        return [Reply(text=NOTHING_YET)]
    reminders, tallies, open_occurrences = ctx.regimen.progress_inputs(account.id)
    store = ctx.regimen.store
    now = ctx.now.timestamp()
    text_only = args.strip().lower() in ("text", "notext", "nochart")
    # Numbers are never given twice, so a gap means a deleted reminder, whose past is only in the history:
    # then (or for the chart) the history is read; otherwise the tallies tell everything.
    numbers = {r.number for r in reminders}
    some_deleted = any(n not in numbers for n in range(1, account.next_number))
    if not reminders and not some_deleted:
        return [Reply(text=NOTHING_YET)]
    charts = not text_only and charts_installed()
    chart_allowed = charts and ctx.regimen.chart_allowed(account.id)
    history = store.history_outcomes(account.id) if some_deleted or chart_allowed else []
    deleted = _deleted(ctx, account.id, reminders, history)  # also those a linked account brought along
    if not reminders and not deleted:
        return [Reply(text=NOTHING_YET)]
    items = [item_progress_from_tally(tallies[r.id], open_occurrences, now) for r in reminders]  # no history read
    lines = ["Your progress:"]
    for reminder, item in zip(reminders, items, strict=True):
        lines.append(f"{reminder.number}. {reminder.text}")
        if reminder.series is not None:
            lines.append(f"   sessions done: {reminder.series['done']} of {reminder.series['total']} planned")
        else:
            lines.append("   " + _numbers(item))
    for gone in deleted:
        month, week = gone.item.last_28, gone.item.last_7
        lines.append(f"{gone.number}. {gone.text} (deleted)")
        lines.append(f"   deleted · last 7 days {_rate(week)} · 28 days {_rate(month)}")
    every = items + [gone.item for gone in deleted]
    if any(item.last_28.counted or item.last_28.skipped or item.waiting for item in every):
        lines.append(RULE)
    lines.append(encouragement(items or every))
    if text_only:
        return [Reply(text="\n".join(lines))]
    if not charts:
        lines.append(CHART_NEEDS_EXTRA)
        return [Reply(text="\n".join(lines))]
    if not chart_allowed:
        lines.append(f"(The chart is drawn at most once every {CHART_COOLDOWN:.0f} seconds; try again shortly.)")
        return [Reply(text="\n".join(lines))]
    from bot import chart as chart_module  # matplotlib loads on first use: start-up stays fast

    history = history + [Outcome(o.reminder_id, o.due, o.status) for o in open_occurrences]
    rows = _chart_rows(ctx, reminders, items, deleted, history)
    rendered = chart_module.render(rows, _today(ctx), weeks=CHART_WEEKS)
    attachment = Attachment(filename="clearback-progress.png", data=rendered.png, mime_type="image/png")
    return [Reply(text="\n".join(lines), attachment=attachment)]


@functools.cache
def charts_installed() -> bool:
    """Whether the chart can be drawn: matplotlib is the optional `charts` extra. Asked once (then logged once)."""
    try:
        import bot.chart  # noqa: F401 - loads matplotlib
    except ImportError as exc:  # without it the numbers still stand alone
        log.warning("no progress charts: %s (install the charts extra: pip install 'clearback[charts]')", exc)
        return False
    return True


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.tz).date()


def _first_day(ctx: Context) -> date:
    """The chart's first day: what /progress shows of a deleted reminder starts there too."""
    return _today(ctx) - timedelta(weeks=CHART_WEEKS) + timedelta(days=1)


def _deleted(ctx: Context, account_id: str, reminders: list[Reminder], history: list[Outcome]) -> list[Deleted]:
    """The account's deleted reminders that have done, skipped or missed times in the chart's weeks."""
    live = {r.id for r in reminders}
    first, tz = _first_day(ctx), ctx.tz
    newest: dict[str, Outcome] = {}
    for outcome in history:  # in due order
        counted = kind(outcome.status) is not None
        if counted and outcome.reminder_id not in live and local(outcome.due, tz).date() >= first:
            newest[outcome.reminder_id] = outcome
    found = []
    for reminder_id, outcome in newest.items():
        record = ctx.regimen.store.get_occurrence(account_id, occurrence_id(reminder_id, outcome.due))
        number, text = (record.number, record.text) if record is not None else (0, "a deleted reminder")
        mine = [o for o in history if o.reminder_id == reminder_id]
        found.append(Deleted(reminder_id, number, text, item_progress(reminder_id, mine, ctx.now.timestamp())))
    return sorted(found, key=lambda gone: gone.number)


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
    ctx: Context, reminders: list[Reminder], items: list[ItemProgress], deleted: list[Deleted], history: list[Outcome]
) -> list[ChartRow]:
    """Each reminder's occurrences of the chart's weeks, by day in the person's zone and in time order, with
    what is still ahead today, then the deleted ones' (labelled so); an occurrence counts as the text counts it
    (bot.progress.kind)."""
    from bot import chart as chart_module

    states = {
        DONE: chart_module.DONE,
        SKIPPED: chart_module.SKIPPED,
        MISSED: chart_module.MISSED,
        PENDING: chart_module.PENDING,
    }
    tz = ctx.tz
    now = ctx.now.timestamp()
    today, first = _today(ctx), _first_day(ctx)
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
        label, summary = f"{reminder.number}. {reminder.text}", _summary(reminder, item)
        rows.append(chart_module.ChartRow(label, _by_day(dues, tz), summary=summary))
    for gone in deleted:
        dues = by_reminder.get(gone.reminder_id, {})
        label, summary = f"{gone.number}. {gone.text} (deleted)", _summary(None, gone.item)
        rows.append(chart_module.ChartRow(label, _by_day(dues, tz), summary=summary, deleted=True))
    return rows


def _by_day(dues: dict[int, int], tz: tzinfo) -> dict[date, tuple[int, ...]]:
    """Due second -> state, as each day's states in time order."""
    days: dict[date, list[int]] = {}
    for due in sorted(dues):
        days.setdefault(local(due, tz).date(), []).append(dues[due])
    return {day: tuple(states) for day, states in days.items()}


def _summary(reminder: Reminder | None, item: ItemProgress) -> str:
    """The chart's words at the end of a row: the 28 days' adherence, as the text gives it."""
    if reminder is not None and reminder.series is not None:
        total = reminder.series["total"]
        return f"{reminder.series['done']} of {total} session{'' if total == 1 else 's'}"
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
    writer.writerow(["item", "due", "outcome", "outcome_time", "counts_as", "reminder", "reminder_status"])
    store = ctx.regimen.store
    occurrences = store.history_of(account.id) + store.open_occurrences_of(account.id)
    live = {r.id for r in store.reminders_of(account.id)}
    for occurrence in sorted(occurrences, key=lambda o: (o.due, o.id)):
        writer.writerow(
            [
                occurrence.text,
                local(occurrence.due, tz).isoformat(timespec="minutes"),
                occurrence.status,
                local(occurrence.updated_at, tz).isoformat(timespec="minutes"),
                counts_as(occurrence.status),
                occurrence.number,
                "current" if occurrence.reminder_id in live else "deleted",
            ]
        )
    return [
        Reply(
            text=f"Your history as CSV ({len(occurrences)} row{'' if len(occurrences) == 1 else 's'}, times in "
            f"{ctx.account_timezone_name()}). "
            f"You can share it with your dermatologist. {RULE}",
            attachment=Attachment(
                filename="clearback-history.csv", data=buffer.getvalue().encode(), mime_type="text/csv"
            ),
        )
    ]
