"""Streaks and adherence from recorded outcomes: pure functions, no I/O.

Rules (the same everywhere):
- A streak counts consecutive scheduled occurrences marked Done. A Skip neither breaks nor extends it;
  a missed one (never answered, or passed while the bot was down) breaks it. Occurrences the bot could not
  deliver or could not confirm are the bot's failure, not the person's, so they are neutral like a Skip.
  (storage.tally applies this rule as outcomes arrive, so /progress needs no history.)
- An occurrence still open (sent and not answered yet, snoozed, held in quiet hours, being retried) is
  *pending*: neither done nor missed, in the text as in the chart, until it is answered or missed.
- Adherence over a window is done / (done + missed) of the occurrences due in the window. A Skip is left
  out, as it is of streaks: it counts neither for nor against (a skip is a choice, say to rest irritated skin).
  Pending ones are not counted yet, and the bot's failures are left out as in streaks. RULE says it in a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storage.records import DONE, MISSED, OPEN_STATUSES, SKIPPED, Outcome, Tally
from storage.tally import recent_outcomes, streak_step


class Scored(Protocol):
    """What the rules read of an occurrence (an Occurrence or a storage Outcome)."""

    @property
    def reminder_id(self) -> str: ...

    @property
    def due(self) -> float: ...

    @property
    def status(self) -> str: ...


DAY = 86400.0
RULE = (
    "Adherence is done out of done + missed: a skip counts neither way (as in streaks), "
    "and a reminder waiting for your answer counts once answered."
)
PENDING = "pending"  # an open occurrence: waiting for an answer (or a snooze, quiet hours, a retry)


def kind(status: str) -> str | None:
    """What an occurrence with this status counts as, everywhere (text, chart, export): done, skipped, missed,
    pending, or None when it counts for nothing (the bot could not deliver it, it was paused or cancelled)."""
    if status in (DONE, SKIPPED, MISSED):
        return status
    return PENDING if status in OPEN_STATUSES else None


def counts_as(status: str) -> str:
    """What an occurrence counts as in adherence, in words (the CSV export's column)."""
    counted = kind(status)
    if counted in (DONE, MISSED):
        return str(counted)
    if counted == SKIPPED:
        return "skipped: left out"
    if counted == PENDING:
        return "pending: counted once answered"
    return "left out"


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    best: int


@dataclass(frozen=True, slots=True)
class Adherence:
    done: int
    missed: int
    skipped: int = 0  # left out, as of streaks
    pending: int = 0  # due in the window, not answered yet: counted once answered or missed

    @property
    def counted(self) -> int:
        """What adherence is counted of: done + missed."""
        return self.done + self.missed

    @property
    def percent(self) -> int | None:
        return None if self.counted == 0 else round(100 * self.done / self.counted)


@dataclass(frozen=True, slots=True)
class ItemProgress:
    reminder_id: str
    streak: Streak
    last_7: Adherence
    last_28: Adherence
    waiting: int = 0  # open occurrences already due, however long ago: pending, not counted yet


def streak(occurrences: Iterable[Scored]) -> Streak:
    """Occurrences of one reminder, any order; open ones (still waiting for an answer) don't count yet."""
    current = best = 0
    for occurrence in sorted(occurrences, key=lambda o: o.due):
        current, best = streak_step(current, best, occurrence.status)
    return Streak(current=current, best=best)


def adherence(occurrences: Iterable[Scored], now: float, days: int) -> Adherence:
    start = now - days * DAY
    counts = {DONE: 0, SKIPPED: 0, MISSED: 0, PENDING: 0}
    for occurrence in occurrences:
        due = int(occurrence.due)  # to the second, as tallies keep it
        counted = kind(occurrence.status)
        if start <= due <= now and counted is not None:
            counts[counted] += 1
    return Adherence(done=counts[DONE], missed=counts[MISSED], skipped=counts[SKIPPED], pending=counts[PENDING])


def item_progress(reminder_id: str, occurrences: Sequence[Scored], now: float) -> ItemProgress:
    """From a reminder's whole history (and its open occurrences)."""
    mine = [o for o in occurrences if o.reminder_id == reminder_id]
    return ItemProgress(
        reminder_id=reminder_id,
        streak=streak(mine),
        last_7=adherence(mine, now, 7),
        last_28=adherence(mine, now, 28),
        waiting=_waiting(mine, now),
    )


def item_progress_from_tally(tally: Tally, open_occurrences: Sequence[Scored], now: float) -> ItemProgress:
    """The same figures from the reminder's tally: no history needed (the tally keeps 28 days of outcomes)."""
    mine: list[Scored] = [Outcome(tally.reminder_id, due, status) for due, status in recent_outcomes(tally)]
    mine.extend(o for o in open_occurrences if o.reminder_id == tally.reminder_id)
    return ItemProgress(
        reminder_id=tally.reminder_id,
        streak=Streak(current=tally.current, best=tally.best),
        last_7=adherence(mine, now, 7),
        last_28=adherence(mine, now, 28),
        waiting=_waiting(mine, now),
    )


def _waiting(occurrences: Iterable[Scored], now: float) -> int:
    return sum(1 for o in occurrences if kind(o.status) == PENDING and int(o.due) <= now)


def encouragement(items: list[ItemProgress]) -> str:
    """One line that fits the numbers."""
    counted = sum(i.last_28.counted for i in items)
    if counted == 0:
        if any(i.waiting for i in items):
            return "Your first reminder is waiting for your answer: press Done once you've done it."
        if any(i.last_28.skipped for i in items):
            return "Skipped so far, which is fine when your skin needs a rest. Pick it up again with the next one."
        return "Your first reminders are coming up. You've got this!"
    rate = sum(i.last_28.done for i in items) / counted
    best_current = max((i.streak.current for i in items), default=0)
    if rate >= 0.9:
        return f"Outstanding consistency ({best_current} in a row). Your skin will thank you."
    if rate >= 0.7:
        return "Great going: you're keeping the rhythm. Scars fade with steady care."
    if rate >= 0.4:
        return "Good effort. Try to catch the next one; every session adds up."
    return "Every session counts, and it's never too late to pick it up again with the next one."
