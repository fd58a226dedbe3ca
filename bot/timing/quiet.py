"""Quiet hours: a daily local-time window in which reminders are held until it ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.timing.recurrence import local_to_utc
from bot.timing.timeparse import WhenParseError, parse_clock


class QuietHoursError(ValueError):
    pass


def parse_quiet(text: str) -> str:
    """'22:00-07:00' or '10pm - 7am' -> the stored form 'HH:MM-HH:MM'."""
    start_text, sep, end_text = text.replace("–", "-").replace(" to ", "-").partition("-")
    try:
        if not sep:
            raise WhenParseError("missing '-'")
        start, end = parse_clock(start_text.strip()), parse_clock(end_text.strip())
    except WhenParseError:
        raise QuietHoursError(
            f'I couldn\'t read "{text.strip()[:40]}" as quiet hours. Give a start and an end, for example: '
            "/quiet 22:00-07:00 or /quiet 10pm-7am. To turn them off: /quiet off"
        ) from None
    if start == end:
        raise QuietHoursError("Quiet hours need different start and end times, for example: /quiet 22:00-07:00")
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
