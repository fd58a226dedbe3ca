"""What is really pending for a person's reminders, read from their records (no writes): what happened last to
each, exfoliation held around a treatment session, and the time that will really fire."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from bot.reminder_kind import is_exfoliation
from bot.series import exfoliation_paused_at
from bot.timing.recurrence import next_occurrence, schedule_from_dict
from storage.records import Occurrence, Outcome, Reminder, Tally
from storage.tally import recent_outcomes

MAX_WALK = 400  # a pause is days long; a year of a daily reminder bounds the walk


def treatment_pauses(reminders: list[Reminder], tz: tzinfo) -> dict[str, tuple[str, float | None]]:
    """Exfoliation reminders whose next time falls in the pause around a treatment session: by reminder id, the
    treatment and the first time after the pause that really fires (None when none comes within the walk)."""
    plans = [r.series for r in reminders if r.series is not None]
    if not plans:
        return {}
    found: dict[str, tuple[str, float | None]] = {}
    for reminder in reminders:
        if not is_exfoliation(reminder) or reminder.paused or reminder.next_due is None:
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


MAX_REMEMBERED = 10_000


class LastMemo:
    """(reminder id, tally.through) -> its newest outcome, the oldest forgotten beyond `limit`. Locked: with a
    remote store the core answers in several worker threads at once (bot.offload)."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._items: OrderedDict[tuple[str, float], Outcome] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: tuple[str, float]) -> Outcome | None:
        with self._lock:
            return self._items.get(key)

    def remember(self, key: tuple[str, float], outcome: Outcome) -> None:
        with self._lock:
            self._items[key] = outcome
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def forget_reminder(self, reminder_id: str) -> None:
        """What it remembers of one reminder may be an outcome just undone."""
        with self._lock:
            for key in [k for k in self._items if k[0] == reminder_id]:
                del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


def last_outcomes(
    reminders: list[Reminder],
    tallies: dict[str, Tally],
    open_occurrences: list[Occurrence],
    history: Callable[[], list[Outcome]],
    memo: LastMemo,
) -> dict[str, Occurrence | Outcome]:
    """What happened last to each reminder, by reminder id (absent: nothing yet).

    The newest of its open occurrences (sent and unanswered, snoozed, held) and its newest resolved outcome,
    whichever was due later. The resolved one comes from the tally (`last`); `history` is read (once, for all
    of them) only when an older tally, written before it kept `last`, cannot tell: its newest outcome counts for
    nothing in it (undeliverable, paused...) or has left its window. What the history said is remembered in `memo`
    per (reminder, tally.through): until another outcome is folded in the answer cannot change, so a person's
    history file is read once, not on every call.
    """
    lasts: dict[str, Occurrence | Outcome] = {}
    unknown: set[str] = set()
    for reminder in reminders:
        tally = tallies.get(reminder.id)
        if tally is None or tally.through <= 0:
            continue
        if tally.last:  # the tally knows its newest outcome, whatever it was
            lasts[reminder.id] = Outcome(reminder.id, tally.through, tally.last)
            continue
        kept = recent_outcomes(tally)  # an older tally: its newest outcome only if it counted and is recent
        if kept and kept[-1][0] == int(tally.through):
            lasts[reminder.id] = Outcome(reminder.id, float(kept[-1][0]), kept[-1][1])
        else:
            unknown.add(reminder.id)
    cached: dict[str, Outcome | None] = {rid: memo.get((rid, tallies[rid].through)) for rid in unknown}
    if any(v is None for v in cached.values()):
        found: dict[str, Outcome] = {}
        for outcome in history():
            best = found.get(outcome.reminder_id)
            if outcome.reminder_id in unknown and (best is None or outcome.due >= best.due):
                found[outcome.reminder_id] = outcome
        for rid, outcome in found.items():
            memo.remember((rid, tallies[rid].through), outcome)
        cached = {rid: found.get(rid) for rid in unknown}
    for rid, remembered in cached.items():
        if remembered is not None:
            lasts[rid] = remembered
    for occurrence in open_occurrences:
        seen = lasts.get(occurrence.reminder_id)
        if seen is None or occurrence.due >= seen.due:
            lasts[occurrence.reminder_id] = occurrence
    return lasts
