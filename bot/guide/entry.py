"""One answer of the treatment guide: a question people ask, a direct answer first, and where it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SEED: Final = "seed"  # restates a sentence of the product's seed text (bot/guide/seed.txt)
GENERAL: Final = "general"  # conservative general skin-care guidance: no doses, brands or medical claims

# The line every professional, painful, infected, pregnant, medicated or worsening case ends with.
DERMATOLOGIST: Final = "A dermatologist can look at your skin and tell you what is right for you."


@dataclass(frozen=True, slots=True)
class Entry:
    """A question-level answer. `id` is a short ASCII slug: it travels in button payloads (q:<id>, fb:<id>:u)."""

    id: str
    topic: str  # a bot.faq_content topic id: causes, prevention, exfoliation, creams, microderm, peels, laser, compare
    question: str  # the heading, and the label of a follow-up button
    short: str  # the direct answer, one or two sentences: what is shown first
    detail: str  # what follows it
    asks: tuple[str, ...]  # other ways people ask it: the matcher's vocabulary for this entry
    related: tuple[str, ...]  # 2 or 3 entry ids offered as follow-up questions
    seed: str | None = None  # the seed sentence this restates, verbatim but for the apostrophes; None: general
    safety: bool = False  # a safety question: the answer says when to see a doctor

    @property
    def provenance(self) -> str:
        return SEED if self.seed is not None else GENERAL
