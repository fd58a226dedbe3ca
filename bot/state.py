"""What is really pending for a person's reminders, read from their records (no writes): exfoliation held around
a treatment session, and the time that will really fire."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.series import exfoliation_paused_at
from bot.timing.recurrence import next_occurrence, schedule_from_dict
from storage.records import Reminder

MAX_WALK = 400  # a pause is days long; a year of a daily reminder bounds the walk


def treatment_pauses(reminders: list[Reminder], tz: tzinfo) -> dict[str, tuple[str, float | None]]:
    """Exfoliation reminders whose next time falls in the pause around a treatment session: by reminder id, the
    treatment and the first time after the pause that really fires (None when none comes within the walk)."""
    plans = [r.series for r in reminders if r.series is not None]
    if not plans:
        return {}
    found: dict[str, tuple[str, float | None]] = {}
    for reminder in reminders:
        if reminder.kind != "exfoliation" or reminder.paused or reminder.next_due is None:
            continue
        holding = [p for p in plans if exfoliation_paused_at(reminder.next_due, p, tz)]
        if not holding:
            continue
        try:
            schedule = schedule_from_dict(reminder.schedule)
        except ValueError:
            continue  # a damaged schedule: the scheduler puts it aside
        due: float | None = reminder.next_due
        for _ in range(MAX_WALK):
            if due is None or not any(exfoliation_paused_at(due, p, tz) for p in plans):
                break
            nxt = next_occurrence(schedule, datetime.fromtimestamp(due, tz=UTC), tz)
            due = nxt.timestamp() if nxt else None
        else:
            due = None
        found[reminder.id] = (str(holding[0]["treatment"]), due)
    return found
