"""Which reminders are exfoliation: the ones the weekly limit counts and a peel's or laser's pause holds back.

A reminder's kind is set when it is made: a plan's id, or "exfoliation" / "custom" from its name. A custom
reminder is exfoliation by its name as it reads now, so one made before a word was known here ("loofah my
back"), or renamed since, is held around a peel all the same; no stored kind has to be rewritten.
"""

from __future__ import annotations

from typing import Final

from storage.records import Reminder

EXFOLIATION: Final = "exfoliation"
CUSTOM: Final = "custom"
# Mechanical exfoliation, by name. Not "peel" or "microdermabrasion": a reminder for one is an appointment, and
# holding it back around a session would hide the session itself. Not the acids either: a daily salicylic wash
# is a cleanser the weekly limit must not nag about.
_WORDS: Final = ("exfoliat", "scrub", "loofah", "luffa", "kessa", "dry brush", "dry-brush", "body brush", "back brush")


def names_exfoliation(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _WORDS)


def kind_for(text: str) -> str:
    """The kind of a reminder made by name (not from a plan)."""
    return EXFOLIATION if names_exfoliation(text) else CUSTOM


def is_exfoliation(reminder: Reminder) -> bool:
    return reminder.kind == EXFOLIATION or (reminder.kind == CUSTOM and names_exfoliation(reminder.text))
