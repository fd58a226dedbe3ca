"""Which reminders count as exfoliation, by kind and by name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.reminder_kind import CUSTOM, EXFOLIATION, is_exfoliation, kind_for, names_exfoliation
from storage.records import Reminder


def _reminder(text: str, kind: str) -> Reminder:
    return Reminder("r1", "a1", 1, text, kind, {"kind": "daily"}, "console", 0.0, None)


@pytest.mark.parametrize(
    "text",
    [
        "exfoliate back",
        "Exfoliating mitt",
        "body scrub",
        "loofah my back",
        "Luffa",
        "kessa glove",
        "dry brush",
        "dry-brush before shower",
        "back brush",
    ],
)
def test_mechanical_exfoliation_is_known_by_its_name(text: str) -> None:
    assert names_exfoliation(text) and kind_for(text) == EXFOLIATION


@pytest.mark.parametrize(
    "text", ["apply cream", "chemical peel appointment", "microdermabrasion session", "salicylic acid wash", "stretch"]
)
def test_appointments_creams_and_washes_are_not(text: str) -> None:
    assert not names_exfoliation(text) and kind_for(text) == CUSTOM


def test_a_custom_reminder_is_exfoliation_by_its_name_as_it_reads_now() -> None:
    # Made before "loofah" was known here: stored as custom, exfoliation all the same; renamed away, no longer.
    legacy = _reminder("loofah my back", CUSTOM)
    assert is_exfoliation(legacy)
    assert not is_exfoliation(replace(legacy, text="evening stretch"))
    assert is_exfoliation(_reminder("anything", EXFOLIATION))
    assert not is_exfoliation(_reminder("scrub back", "cream"))  # a plan's kind is what the plan is
