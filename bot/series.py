"""Treatment series (microdermabrasion, chemical peels, laser resurfacing): several sessions, weeks apart.

A series is a reminder of kind "series" whose `series` dict holds the plan. Its next_due walks through
three stages per session: the day before, an hour before (both notices), and a follow-up two hours after
that asks whether the session happened. Only the follow-up is an occurrence with Done / Skip / Snooze:
Done counts the session and dates the next one from when it really happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from bot import render
from bot.timing.readings import read_when
from bot.timing.recurrence import local_to_utc
from bot.timing.timeparse import WhenParseError, parse_duration

DAY_BEFORE = timedelta(days=1)
HOUR_BEFORE = timedelta(hours=1)
FOLLOW_UP = timedelta(hours=2)
MAX_SESSIONS = 12
MAX_EVERY_WEEKS = 26

TREATMENTS = {
    "microdermabrasion": "microdermabrasion",
    "microderm": "microdermabrasion",
    "dermabrasion": "microdermabrasion",
    "chemical peel": "chemical peel",
    "chemical peels": "chemical peel",
    "peel": "chemical peel",
    "peels": "chemical peel",
    "laser": "laser resurfacing",
    "laser resurfacing": "laser resurfacing",
}
# Exfoliating right before or after these irritates freshly treated skin.
PAUSE_EXFOLIATION_FOR = frozenset({"chemical peel", "laser resurfacing"})
SUGGESTED_PAUSE = (3, 7)  # days before, days after

USAGE = (
    "/series <treatment> <sessions> every <N> weeks starting <date> at <time>, for example:\n"
    "/series chemical peel 3 every 4 weeks starting 2026-12-10 at 15:00\n"
    "Treatments: microdermabrasion, chemical peel, laser resurfacing."
)

_PATTERN = re.compile(
    r"^(?P<treatment>[a-z ]+?)\s+(?P<sessions>\d{1,3})\s*(?:sessions?|x|times)?\s+every\s+(?P<weeks>\d{1,3})\s*"
    r"(?:weeks?|wks?|w)\s+start(?:ing|s)?\s+(?P<start>.+)$"
)


class SeriesError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    treatment: str
    sessions: int
    every_weeks: int
    first_session: datetime  # aware UTC
    notes: tuple[str, ...] = ()  # what reading the first session's time assumed


def parse_series(text: str, now: datetime, tz: tzinfo) -> SeriesPlan:
    match = _PATTERN.match(" ".join(text.lower().split()))
    if match is None:
        raise SeriesError(f"I couldn't read that as a treatment series. Use:\n{USAGE}")
    treatment = TREATMENTS.get(match["treatment"].strip())
    if treatment is None:
        raise SeriesError(
            f'"{match["treatment"].strip()[:30]}" isn\'t a treatment I track. '
            "Choose microdermabrasion, chemical peel or laser resurfacing."
        )
    sessions, weeks = int(match["sessions"]), int(match["weeks"])
    if not 1 <= sessions <= MAX_SESSIONS:
        raise SeriesError(f"A series has 1 to {MAX_SESSIONS} sessions, for example: {USAGE.splitlines()[1]}")
    if not 1 <= weeks <= MAX_EVERY_WEEKS:
        raise SeriesError(f"Sessions are 1 to {MAX_EVERY_WEEKS} weeks apart, for example: every 4 weeks")
    start = read_session_time(match["start"], now, tz)
    return SeriesPlan(treatment, sessions, weeks, start.at, start.notes)


@dataclass(frozen=True, slots=True)
class SessionTime:
    at: datetime  # aware UTC
    notes: tuple[str, ...] = ()  # what the reading assumed ("No time given, so I set 09:00.")


def read_session_time(text: str, now: datetime, tz: tzinfo) -> SessionTime:
    """'2027-01-10 09:00', '2026-12-10 at 15:00', 'next friday at 10', 'on dec 10 at 3pm' -> one instant ahead.

    Read with the reminders' own grammar (bot.timing.readings), so every phrase that works in /remind for one
    time works here; a repeat is refused (the series itself says how often)."""
    phrase = " ".join(text.split())
    try:
        reading = read_when(phrase, now, tz)
    except WhenParseError as exc:
        raise SeriesError(render.session_time_unreadable(phrase, exc.message)) from None
    schedule = reading.schedule
    if schedule.kind != "once" or schedule.once_utc is None:
        raise SeriesError(render.session_time_repeats(phrase))
    return SessionTime(schedule.once_utc, reading.notes)


def parse_session_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    return read_session_time(text, now, tz).at


_SHIFT = re.compile(
    r"^(?:(?:move\s+)?(?:(?:all|them|everything)\s+)?by\s+)?(?P<sign>[+-])?\s*(?P<amount>.+?)"
    r"(?:\s+(?P<way>later|earlier|forward|back|sooner))?$"
)


def parse_shift(text: str) -> timedelta | None:
    """'by 1 week', '+1w', 'by 3 days', '-2d', '2 weeks later', 'by 3 days earlier' -> a signed length of time;
    None when the text is not a shift (then it is a new date for the next session)."""
    match = _SHIFT.match(" ".join(text.lower().split()))
    if match is None:
        return None
    try:
        amount = parse_duration(match["amount"])
    except WhenParseError:
        return None
    earlier = match["sign"] == "-" or match["way"] in ("earlier", "back", "sooner")
    return -amount if earlier else amount


def shifted_session(series: dict[str, Any], by: timedelta, tz: tzinfo) -> datetime:
    """The next session moved by `by`: whole days keep its local time of day across a clock change."""
    session = datetime.fromtimestamp(float(series["session_at"]), tz=UTC)
    if by % timedelta(days=1):
        return session + by
    local = session.astimezone(tz)
    return local_to_utc(local.date() + by, local.time().replace(tzinfo=None), tz)


def remaining_sessions(series: dict[str, Any], tz: tzinfo) -> list[datetime]:
    """The sessions still to come as planned now: the next one, then one every `every_weeks` at its local time.

    Only the next is fixed: each later one is dated again from when the one before really happened."""
    left = int(series["total"]) - int(series["done"])
    first = datetime.fromtimestamp(float(series["session_at"]), tz=UTC).astimezone(tz)
    clock = first.time().replace(tzinfo=None)
    weeks = timedelta(weeks=int(series["every_weeks"]))
    return [local_to_utc(first.date() + k * weeks, clock, tz) for k in range(max(left, 0))]


def new_series(plan: SeriesPlan) -> dict[str, Any]:
    return {
        "treatment": plan.treatment,
        "total": plan.sessions,
        "done": 0,
        "every_weeks": plan.every_weeks,
        "session_at": plan.first_session.timestamp(),
        "pause_before_days": 0,
        "pause_after_days": 0,
    }


def stages(session_at: float) -> tuple[float, float, float]:
    """Day-before notice, hour-before notice, follow-up."""
    return (
        session_at - DAY_BEFORE.total_seconds(),
        session_at - HOUR_BEFORE.total_seconds(),
        session_at + FOLLOW_UP.total_seconds(),
    )


def first_stage_after(session_at: float, now: float) -> float:
    """The next stage still ahead (the follow-up at the latest); stages already past are not sent."""
    for at in stages(session_at):
        if at > now:
            return at
    return stages(session_at)[-1]


def next_session_after(done_at: float, series: dict[str, Any], tz: tzinfo) -> float:
    """Dated from when the session really happened, at the planned local time of day."""
    planned_clock = datetime.fromtimestamp(series["session_at"], tz=UTC).astimezone(tz).time()
    happened_day = datetime.fromtimestamp(done_at, tz=UTC).astimezone(tz).date()
    next_day = happened_day + timedelta(weeks=int(series["every_weeks"]))
    return local_to_utc(next_day, planned_clock, tz).timestamp()


def exfoliation_paused_at(ts: float, series: dict[str, Any], tz: tzinfo) -> bool:
    """On a local day within the pause around this series' upcoming or a past session (whole days)."""
    before, after = int(series.get("pause_before_days", 0)), int(series.get("pause_after_days", 0))
    if before == 0 and after == 0:
        return False
    day = datetime.fromtimestamp(ts, tz=UTC).astimezone(tz).date()
    for session in [float(series["session_at"])] + [float(t) for t in series.get("held_at", [])]:
        session_day = datetime.fromtimestamp(session, tz=UTC).astimezone(tz).date()
        if session_day - timedelta(days=before) <= day <= session_day + timedelta(days=after):
            return True
    return False
