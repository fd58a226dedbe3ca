"""Regimen templates built from the seed text: what the bot suggests on /plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True, slots=True)
class PlanTemplate:
    id: str
    title: str
    reminder_text: str
    why: str
    weekdays: tuple[int, ...]  # 0 = Monday; all seven for daily
    at: time
    every_weeks: int = 1
    interval_days: int = 0  # when set, "every N days" instead of weekdays

    @property
    def is_daily(self) -> bool:
        return len(self.weekdays) == 7 and not self.interval_days


EXFOLIATION = PlanTemplate(
    id="exfoliation",
    title="Exfoliate your back",
    reminder_text="Exfoliate your back: loofah and body scrub",
    why=(
        "Exfoliating a couple of times a week clears away dead skin cells and keeps pores from blocking up, "
        "which helps prevent new breakouts. More often than that can irritate the skin."
    ),
    weekdays=(0, 3),
    at=time(20, 0),
)
CREAM = PlanTemplate(
    id="cream",
    title="Scar cream or lotion",
    reminder_text="Apply your scar cream or lotion",
    why=(
        "Over-the-counter, prescribed or natural creams and lotions can help fade scars when used steadily. "
        "Patch-test a new product first."
    ),
    weekdays=(0, 1, 2, 3, 4, 5, 6),
    at=time(21, 30),
)
CHECKIN = PlanTemplate(
    id="checkin",
    title="Professional options check-in",
    reminder_text="Check in: how are your scars? Consider asking a dermatologist about professional options",
    why=(
        "Every four weeks, take stock. If home care isn't enough, microdermabrasion, chemical peels or laser "
        "resurfacing can help; a dermatologist can tell which suits your skin and how many sessions it needs."
    ),
    weekdays=(6,),
    at=time(11, 0),
    every_weeks=4,
)
TEMPLATES: dict[str, PlanTemplate] = {t.id: t for t in (EXFOLIATION, CREAM, CHECKIN)}
ALIASES = {
    "exfoliate": "exfoliation",
    "exfoliation": "exfoliation",
    "scrub": "exfoliation",
    "cream": "cream",
    "creams": "cream",
    "lotion": "cream",
    "checkin": "checkin",
    "check-in": "checkin",
    "professional": "checkin",
}


def find_template(name: str) -> PlanTemplate | None:
    return TEMPLATES.get(ALIASES.get(name.strip().lower(), ""))
