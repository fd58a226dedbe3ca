"""Each reminder's running tally of outcomes: the streak and the last weeks' outcomes, kept in the hot store.

/progress reads a tally instead of a year of history from disk (a file of ~170 KB per person). The store
folds every resolved occurrence into its reminder's tally in the same transaction, so the two never disagree.

The streak rule lives here, once (bot/progress.py explains it to people): consecutive Done in due order;
a Skip neither breaks nor extends it; a Miss breaks it; anything else (undeliverable, unconfirmed, cancelled,
paused) is neutral. Only Done, Skip and Miss are "counted" and kept in `recent`.

`through` is the due time of the newest resolved outcome folded in, whatever its status: no resolved
occurrence of the reminder is newer, which spares the scheduler a history read when it creates the next one.

A tally can only grow in due order. An outcome older than the tally's newest (a snoozed reminder answered
after a later one) cannot be folded in: the tally is dropped, and the next /progress rebuilds it from history
once. Times are compared to the second (an occurrence's id is its reminder and its due second).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from storage.base import StorageUnavailable, Store
from storage.records import DONE, MISSED, SKIPPED, Occurrence, Outcome, Reminder, Tally

log = logging.getLogger(__name__)

DAY: Final = 86400
WINDOW: Final = 28 * DAY  # the longest adherence window /progress shows; older outcomes leave `recent`
LETTERS: Final = {DONE: "D", SKIPPED: "S", MISSED: "M"}
_STATUS_OF: Final = {letter: status for status, letter in LETTERS.items()}
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
# `recent` is "<letter><due second in base 36>" repeated, oldest first: "Dtxh1c0Mtxip40" (7 bytes an outcome).
_ENTRY: Final = re.compile(r"([DSM])([0-9a-z]+)")


def empty(reminder_id: str, account_id: str) -> Tally:
    return Tally(reminder_id=reminder_id, account_id=account_id, through=0.0, current=0, best=0)


def recent_outcomes(tally: Tally) -> list[tuple[int, str]]:
    """(due second, status) of the counted outcomes kept in `recent`, oldest first."""
    return [(int(digits, 36), _STATUS_OF[letter]) for letter, digits in _ENTRY.findall(tally.recent)]


def fold(tally: Tally, due: float, status: str, at: float) -> Tally | None:
    """The tally with one more resolved outcome (resolved at `at`), or None when it cannot be folded in order.

    Writing the same outcome again (a record re-saved with new delivery details) leaves the tally as it is.
    """
    letter = LETTERS.get(status)
    if due > tally.through:
        if letter is None:  # neutral: counts for nothing, but it is the newest outcome now
            return Tally(tally.reminder_id, tally.account_id, due, tally.current, tally.best, tally.recent, status)
        return _append(tally, due, letter, at)
    second = int(due)
    kept = recent_outcomes(tally)
    status_kept = next((s for d, s in kept if d == second), None)
    if status_kept == status:
        return _with_last(tally, second, status)  # the same outcome again
    if status_kept is None and letter is None and kept and kept[0][0] <= second:
        return _with_last(tally, second, status)  # a neutral one within what `recent` covers, that never counted
    return None  # a changed outcome, or one too old to tell: rebuilt from history


def _with_last(tally: Tally, second: int, status: str) -> Tally:
    """`tally`, its `last` made `status` when the outcome at `second` is its newest (the same tally otherwise)."""
    if second != int(tally.through) or tally.last == status:
        return tally
    return replace(tally, last=status)


def from_outcomes(reminder_id: str, account_id: str, outcomes: Iterable[Outcome | Occurrence], at: float) -> Tally:
    """The tally of a reminder's whole history (its resolved outcomes, any order), as of `at`."""
    tally = empty(reminder_id, account_id)
    newest, last = 0.0, ""
    for outcome in sorted(outcomes, key=lambda o: o.due):
        if outcome.due >= newest:
            newest, last = outcome.due, outcome.status
        letter = LETTERS.get(outcome.status)
        if letter is not None:
            tally = _append(tally, outcome.due, letter, at)
    return Tally(reminder_id, account_id, max(newest, tally.through), tally.current, tally.best, tally.recent, last)


def streak_step(current: int, best: int, status: str) -> tuple[int, int]:
    """The streak rule for one more outcome in due order: (current, best) after it."""
    if status == DONE:
        return current + 1, max(best, current + 1)
    if status == MISSED:
        return 0, best
    return current, best  # skipped, or neutral


def _append(tally: Tally, due: float, letter: str, at: float) -> Tally:
    current, best = streak_step(tally.current, tally.best, _STATUS_OF[letter])
    recent = tally.recent + letter + _base36(int(due))
    oldest = at - WINDOW
    first = _ENTRY.match(recent)
    if first is not None and int(first.group(2), 36) < oldest:  # only when something has aged out
        recent = "".join(mark + digits for mark, digits in _ENTRY.findall(recent) if int(digits, 36) >= oldest)
    last = _STATUS_OF[letter] if due >= tally.through else tally.last
    return Tally(tally.reminder_id, tally.account_id, max(tally.through, due), current, best, recent, last)


def _base36(number: int) -> str:
    if number <= 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


Progress = tuple[list[Reminder], dict[str, Tally], list[Occurrence]]


def read_progress(store: Store, account_id: str, now: float) -> Progress:
    """The account's reminders, their tallies and its open occurrences, for /reminders and /progress.

    Read plainly when every tally is known (no transaction: on PostgreSQL that spares a BEGIN and a COMMIT per
    command). An unknown tally (an older database, an outcome out of order) is rebuilt from the account's
    history and saved in one transaction, everything read again inside it, so no answer can land between the
    history read and the save (/progress with a chart runs off the event loop, beside other writes).
    """
    reminders, tallies, open_occurrences = store.progress_rows(account_id)
    if all(r.id in tallies for r in reminders):
        return reminders, tallies, open_occurrences
    try:
        with store.atomic():
            reminders = store.reminders_of(account_id)
            open_occurrences = store.open_occurrences_of(account_id)
            tallies = store.tallies_of(account_id, [r.id for r in reminders])
            missing = [r.id for r in reminders if r.id not in tallies]
            if missing:
                history = store.history_outcomes(account_id)
                for rid in missing:
                    tallies[rid] = from_outcomes(rid, account_id, [o for o in history if o.reminder_id == rid], now)
                    store.put_tally(tallies[rid])
    except StorageUnavailable:  # the figures are right anyway; saving them only spares the next read
        log.warning("could not save rebuilt tallies; they are rebuilt again next time")
    return reminders, tallies, open_occurrences
