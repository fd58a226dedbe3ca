"""Every entry of the treatment guide, and the words that name each topic.

The entries live in three content modules (before any treatment, at home, at the clinic); this module puts
them in one order and checks that ids are unique and every follow-up names an entry that exists.
"""

from __future__ import annotations

from typing import Final

from bot.guide import content_basics, content_clinic, content_home
from bot.guide.entry import Entry

ENTRIES: Final[tuple[Entry, ...]] = (*content_basics.ENTRIES, *content_home.ENTRIES, *content_clinic.ENTRIES)

# What names a topic in a question. Every entry of the topic carries these at half weight, so "does microderm
# hurt" finds the microdermabrasion pain entry though its own wording says "microdermabrasion".
TOPIC_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "causes": ("cause", "caused", "causing", "back acne", "bacne", "pimples", "spots", "breakouts", "why"),
    "prevention": ("prevent", "prevention", "avoid", "hygiene", "stop"),
    "exfoliation": ("exfoliate", "exfoliation", "exfoliating", "exfoliator", "scrub", "scrubbing", "loofah"),
    "creams": ("cream", "creams", "lotion", "lotions", "ointment", "gel", "serum", "moisturiser"),
    "microderm": ("microdermabrasion", "microderm", "dermabrasion"),
    "peels": ("chemical peel", "peel", "peels", "peeling", "acid peel"),
    "laser": ("laser", "lasers", "laser resurfacing", "resurfacing"),
    "compare": ("treatment", "treatments", "options", "compare", "versus", "vs", "difference"),
}


def check(entries: tuple[Entry, ...]) -> None:
    """Raise ValueError for duplicate ids, unknown topics or follow-ups that name no entry."""
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate guide entry ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    known = set(ids)
    for entry in entries:
        if entry.topic not in TOPIC_WORDS:
            raise ValueError(f"entry {entry.id!r} names an unknown topic {entry.topic!r}")
        missing = [r for r in entry.related if r not in known or r == entry.id]
        if missing:
            raise ValueError(f"entry {entry.id!r} has follow-ups that are no other entry: {missing}")


check(ENTRIES)
