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

from bot.timing.readings import parse_when
from bot.timing.recurrence import local_to_utc
from bot.timing.timeparse import WhenParseError

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
    return SeriesPlan(treatment, sessions, weeks, parse_session_time(match["start"], now, tz))


def parse_session_time(text: str, now: datetime, tz: tzinfo) -> datetime:
    """'2026-12-10 at 15:00', 'on dec 10 at 3pm', 'tomorrow at 9am' -> an aware UTC instant ahead."""
    phrase = text.strip()
    attempts = [phrase] if phrase.startswith(("on ", "tomorrow", "today", "in ")) else [f"on {phrase}", phrase]
    error: WhenParseError | None = None
    for attempt in attempts:
        try:
            schedule = parse_when(attempt, now, tz)
        except WhenParseError as exc:
            error = error or exc
            continue
        if schedule.kind == "once" and schedule.once_utc is not None:
            return schedule.once_utc
    raise SeriesError(
        f"I couldn't read the session time \"{phrase[:40]}\". Give a date and time, for example: 2026-12-10 at 15:00"
        + (f" ({error})" if error else "")
    )


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


def describe_series(series: dict[str, Any], tz: tzinfo) -> str:
    session = datetime.fromtimestamp(series["session_at"], tz=UTC).astimezone(tz)
    status = f"{series['done']} of {series['total']} sessions done"
    if series["done"] >= series["total"]:
        return f"{series['treatment']} series complete: {status}"
    when = f"{session:%a} {session.day} {session:%b %Y} at {session:%H:%M}"
    return f"{series['treatment']} every {series['every_weeks']} weeks · {status} · next session {when}"
