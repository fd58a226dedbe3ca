"""The claim rules alone: verdicts from facts and a moment, no store and no sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import claim_rules as rules
from storage.records import HELD, NUDGE, RETRY, SNOOZED
from tests.storage.helpers import occurrence, reminder

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = 12 * 3600.0
DUE = datetime(2026, 12, 2, 20, 0, tzinfo=BERLIN).timestamp()  # a Wednesday, 20:00 in Berlin
FACTS = rules.Facts(tz=BERLIN, quiet_hours=None, reachable=True)


def daily(**changes: Any) -> Any:
    base = reminder(next_due=DUE)
    return replace(base, schedule={**base.schedule, "at": "20:00"}, **changes)


def test_on_time_is_sent_and_a_minute_late_is_labelled_late() -> None:
    assert rules.judge_reminder(daily(), FACTS, DUE, GRACE) == rules.Verdict(rules.SEND, at=DUE)
    late = rules.judge_reminder(daily(), FACTS, DUE + 61, GRACE)
    assert late.action == rules.SEND and late.late


def test_only_the_latest_passed_time_is_delivered_late() -> None:
    next_day = DUE + 86400 + 60
    assert rules.judge_reminder(daily(), FACTS, next_day, GRACE).action == rules.MISS  # tomorrow's passed too
    assert rules.judge_reminder(daily(), FACTS, DUE + 3 * 3600, GRACE).action == rules.SEND


def test_beyond_the_grace_period_it_is_missed() -> None:
    once = replace(daily(), schedule={**daily().schedule, "kind": "once", "once_utc": DUE})
    assert rules.judge_reminder(once, FACTS, DUE + GRACE + 1, GRACE).action == rules.MISS
    assert rules.judge_reminder(once, FACTS, DUE + GRACE - 1, GRACE).action == rules.SEND


def test_quiet_hours_hold_until_they_end_in_the_persons_zone() -> None:
    quiet = replace(FACTS, quiet_hours="19:00-07:00")
    verdict = rules.judge_reminder(daily(), quiet, DUE, GRACE)
    assert verdict.action == rules.HOLD
    assert datetime.fromtimestamp(verdict.at or 0, tz=UTC).astimezone(BERLIN).hour == 7


def test_nobody_reachable_is_not_queued() -> None:
    assert rules.judge_reminder(daily(), replace(FACTS, reachable=False), DUE, GRACE).action == rules.UNREACHABLE


def test_exfoliation_inside_the_pause_around_a_peel_is_paused() -> None:
    peel = {"session_at": DUE + 86400, "pause_before_days": 3, "pause_after_days": 7, "done": 0, "total": 1}
    facts = replace(FACTS, series=(peel,))
    exfoliation = replace(daily(), kind="exfoliation")
    assert rules.judge_reminder(exfoliation, facts, DUE, GRACE).action == rules.TREATMENT_PAUSE
    assert rules.judge_reminder(replace(exfoliation, kind="cream"), facts, DUE, GRACE).action == rules.SEND


def test_series_stages_notice_then_ask() -> None:
    session = DUE + 86400
    plan = {"treatment": "chemical peel", "session_at": session, "done": 0, "total": 3, "every_weeks": 4}
    day_before = replace(daily(), series=plan, next_due=session - 86400)
    verdict = rules.judge_reminder(day_before, FACTS, session - 86400, GRACE)
    assert verdict.action == rules.NOTICE and verdict.tomorrow and verdict.say
    assert verdict.at == session - 3600  # then the hour-before one
    long_past = rules.judge_reminder(day_before, FACTS, session - 86400 + GRACE + 1, GRACE)
    assert long_past.action == rules.NOTICE and not long_past.say
    follow_up = replace(day_before, next_due=session + 3 * 3600)
    assert rules.judge_reminder(follow_up, FACTS, session + 3 * 3600, GRACE).action in (rules.FOLLOW_UP,)


def test_a_retry_counts_the_grace_period_from_its_round_and_a_question_is_never_too_late() -> None:
    snoozed_round = DUE + 20 * 3600
    retry = replace(occurrence(daily(), due=DUE, status=RETRY), round_at=snoozed_round)
    assert rules.judge_occurrence(retry, FACTS, snoozed_round + 3600, GRACE, asks=False).action == rules.SEND
    assert rules.judge_occurrence(retry, FACTS, snoozed_round + GRACE + 1, GRACE, asks=False).action == rules.MISS
    assert rules.judge_occurrence(retry, FACTS, snoozed_round + GRACE + 1, GRACE, asks=True).action == rules.SEND


def test_a_round_starts_when_it_was_meant_to_be_shown() -> None:
    snoozed = occurrence(daily(), due=DUE, status=SNOOZED, fire_at=DUE + 3600)
    assert rules.round_at(snoozed) == DUE + 3600
    assert rules.round_at(replace(snoozed, status=RETRY, round_at=DUE + 60, fire_at=DUE + 999)) == DUE + 60
    assert rules.nudges_after(replace(snoozed, status=NUDGE, nudges=1)) == 2
    assert rules.nudges_after(replace(snoozed, status=HELD, nudges=1)) == 1


def test_auto_pause_after_thirty_unanswered() -> None:
    assert not rules.auto_paused(rules.AUTO_PAUSE_AFTER - 1) and rules.auto_paused(rules.AUTO_PAUSE_AFTER)
