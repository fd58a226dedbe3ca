"""Quiet hours: a daily local-time window in which reminders are held until it ends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.timing.recurrence import local_to_utc
from bot.timing.timeparse import WhenParseError, parse_clock

# Why a window was refused (the wording is bot.render.quiet_refused).
NO_RANGE = "no-range"  # not "<start> to <end>"
NOT_A_TIME = "not-a-time"  # one side is not a clock time: `part` is that side
SAME = "same"  # start and end are the same time
AMBIGUOUS = "ambiguous"  # "10 to 7": 10:00-07:00 (21 hours) or 22:00-07:00

LONGEST_UNSAID = 12 * 3600  # a window read from bare hours that would last longer than this is asked about


class QuietHoursError(ValueError):
    def __init__(self, reason: str, part: str, whole: str, readings: tuple[str, ...] = ()) -> None:
        super().__init__(f"quiet hours refused ({reason})")
        self.reason = reason
        self.part = part  # what was not understood, as the person wrote it
        self.whole = whole  # the whole window as written
        self.readings = readings  # AMBIGUOUS: the window as read, then the likely one (when there is one)


_RANGE = re.compile(
    r"^(?:from\s+|between\s+)?(?P<start>.+?)\s*(?:-|\bto\b|\buntil\b|\btill\b|\btil\b|\band\b)\s*(?P<end>.+)$"
)
_BARE_HOUR = re.compile(r"^\d{1,2}$")


def parse_quiet(text: str) -> str:
    """'22:00-07:00', '10pm-7am', 'from 10pm to 7am', '22 to 7', '10pm until 7am' -> the stored 'HH:MM-HH:MM'.

    Raises QuietHoursError saying which part was not understood. Bare hours that would make a window longer
    than half a day ("10 to 7") are not guessed at: the error carries both readings (10:00-07:00, 22:00-07:00)."""
    phrase = " ".join(text.lower().replace("–", "-").replace("—", "-").split())
    match = _RANGE.match(phrase)
    if match is None:
        raise QuietHoursError(NO_RANGE, phrase, phrase)
    sides = (match["start"].strip(), match["end"].strip())
    clocks: list[time] = []
    for side in sides:
        try:
            clocks.append(parse_clock(side))
        except WhenParseError:
            raise QuietHoursError(NOT_A_TIME, side, phrase) from None
    start, end = clocks
    if start == end:
        raise QuietHoursError(SAME, phrase, phrase)
    if _BARE_HOUR.match(sides[0]) and 1 <= start.hour <= 12 and _length(start, end) > LONGEST_UNSAID:
        evening = start.replace(hour=(start.hour + 12) % 24)  # "10" as 22:00, "12" as midnight
        likely = (_stored(evening, end),) if _length(evening, end) <= LONGEST_UNSAID else ()
        raise QuietHoursError(AMBIGUOUS, phrase, phrase, (_stored(start, end), *likely))
    return _stored(start, end)


def _length(start: time, end: time) -> int:
    seconds = (end.hour - start.hour) * 3600 + (end.minute - start.minute) * 60
    return seconds % 86400


def _stored(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def _bounds(quiet: str) -> tuple[time, time]:
    start, _, end = quiet.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def quiet_until(ts: float, quiet: str | None, tz: tzinfo) -> float | None:
    """If `ts` falls inside quiet hours, the instant they end (UTC epoch); otherwise None."""
    if not quiet:
        return None
    start, end = _bounds(quiet)
    moment = datetime.fromtimestamp(ts, tz=UTC).astimezone(tz)
    clock = moment.time().replace(tzinfo=None)
    today = moment.date()
    if start < end:  # e.g. 13:00-15:00, within one day
        inside = start <= clock < end
        end_day = today
    else:  # crosses midnight, e.g. 22:00-07:00
        inside = clock >= start or clock < end
        end_day = today + timedelta(days=1) if clock >= start else today
    if not inside:
        return None
    ending = local_to_utc(end_day, end, tz).timestamp()
    if ending <= ts:
        # The end is a wall time that happens twice (autumn change) and we are in its second pass:
        # the window ends at the later of the two instants. Never return a time that has passed.
        later = datetime.combine(end_day, end, tzinfo=tz).replace(fold=1).astimezone(UTC).timestamp()
        return later if later > ts else None
    return ending
