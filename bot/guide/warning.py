"""Warning signs: words that mean a doctor should see it soon, whatever the guide answers or declines.

The classifier is tuned to decline what no entry answers surely, and a mole, a fever or a blister names
something the guide is not about (matcher.OFF_TOPIC). A question that describes a warning sign still gets the
plain advice to see a doctor, and the safety entries closest to it as questions to tap. This changes no
decision of the classifier (its figures stay what docs/benchmarks.md reports); it is added to what is said.
"""

from __future__ import annotations

import re
from typing import Final

from bot.guide.text import fold

INFECTED: Final = "cause-infected"
NOT_ACNE: Final = "cause-not-acne"
IRRITATED: Final = "exf-irritation"
AFTER_PEEL: Final = "peel-after"
AFTER_LASER: Final = "laser-after"

_INFECTION: Final = frozenset(
    "fever feverish pus ooze oozes oozing leaking abscess swollen swelling streak streaks".split()
)
_CHANGE: Final = frozenset("mole moles melanoma cancer cancerous bleed bleeds bleeding".split())
_BLISTER: Final = frozenset("blister blisters blistered blistering".split())
_GROWING: Final = frozenset("growing grows grown bigger spreading spreads".split())  # not "changed": "nothing changed"
_SKIN_THING: Final = frozenset("spot spots scar scars lump lumps bump bumps rash redness patch mark marks".split())
_WORD: Final = re.compile(r"[a-z]+")


def warning_entries(question: str) -> tuple[str, ...]:
    """The safety entries to offer for the warning signs `question` describes, likeliest first; () for none."""
    words = set(_WORD.findall(fold(question)))
    found: list[str] = []
    if words & _INFECTION:
        found.append(INFECTED)
    if words & _CHANGE or (words & _GROWING and words & _SKIN_THING):
        found.append(NOT_ACNE)
    if words & _BLISTER:
        found.append(AFTER_PEEL if "peel" in words else AFTER_LASER if "laser" in words else IRRITATED)
    return tuple(found)
