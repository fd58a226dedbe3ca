"""FAQ content: back-acne causes, prevention and scar treatments.

Rewritten from the product seed text (shared/seed/back-acne-scars.txt).  Anything
added beyond the seed is conservative, general skin-care guidance.  Answers are
plain text (no Markdown/HTML) so every adapter can send them as-is; bullets use
"• ".  Ids are short ASCII slugs because they end up in button payloads and
commands such as "/faq laser".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DISCLAIMER", "ENCOURAGEMENT", "TOPICS", "Topic"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One FAQ entry.  ``answer`` is plain text (no markup) ready to send."""

    id: str
    title: str
    answer: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]


DISCLAIMER: Final = (
    "ClearBack shares general, educational information, not medical advice or a diagnosis. "
    "For professional treatments, see a dermatologist."
)

ENCOURAGEMENT: Final = (
    "Back scars may not be very noticeable to you, but if they bother you, you don't have to "
    "put up with them: start treatment and get your clear skin back."
)

_DERM_VISIT: Final = "see a board-certified dermatologist, who will assess your skin type and scars"

TOPICS: Final[tuple[Topic, ...]] = (
    Topic(
        id="causes",
        title="What causes back acne",
        aliases=(
            "causes",
            "cause",
            "bacne",
            "back acne",
            "acne on back",
            "spots on back",
            "back spots",
            "back pimples",
            "pimples on back",
            "breakouts on back",
            "tight clothing",
            "tight clothes",
        ),
        keywords=(
            "caused",
            "trigger",
            "pimples",
            "spots",
            "breakouts",
            "hygiene",
            "sweat",
            "sweaty",
            "tight",
            "clothing",
            "blocked pores",
            "clogged pores",
            "pores",
            "inflamed",
            "infected",
            "infection",
            "hormones",
            "hormonal",
            "thick skin",
            "thicker",
            "harder to treat",
        ),
        related=("prevention", "exfoliation", "compare"),
        answer=(
            "Back acne (bacne) starts when pores on your back get blocked. Common triggers:\n"
            "• Sweat trapped against the skin by tight-fitting clothing\n"
            "• Hygiene, for example not showering after you sweat\n"
            "• Hormones\n"
            "Blocked pores can become inflamed and infected, and that is what can leave scars. "
            "The skin on your back is much thicker than on your face, so back acne can be harder "
            "to treat. Be patient with it."
        ),
    ),
    Topic(
        id="prevention",
        title="Prevention and hygiene",
        aliases=(
            "prevention",
            "prevent",
            "hygiene tips",
            "avoid back acne",
            "stop back acne",
            "keep pores clear",
            "loose clothing",
            "shower",
            "sweat",
            "sweating",
        ),
        keywords=(
            "hygiene",
            "showering",
            "wash",
            "sweaty",
            "clog",
            "clogged pores",
            "pores",
            "tight",
            "clothing",
            "tight clothes",
            "loose",
            "breathable",
            "cotton",
            "gym",
            "workout",
            "exercise",
            "sports",
            "towel",
            "squeeze",
        ),
        related=("causes", "exfoliation", "creams"),
        answer=(
            "Keeping pores from clogging is the best protection for your back:\n"
            "• Shower soon after you sweat, for example after the gym or a hot day.\n"
            "• Wear loose, breathable clothing instead of tight tops.\n"
            "• Change out of sweaty clothes and wash workout gear and towels often.\n"
            "• Keep pores clear with gentle exfoliation a couple of times a week.\n"
            "• Don't pick or squeeze spots; it can make scarring worse."
        ),
    ),
    Topic(
        id="exfoliation",
        title="Exfoliation",
        aliases=(
            "exfoliation",
            "exfoliate",
            "exfoliating",
            "exfoliant",
            "loofah",
            "luffa",
            "scrub",
            "body scrub",
            "scrubbing",
        ),
        keywords=(
            "dead skin",
            "dead skin cells",
            "times a week",
            "twice a week",
            "brush",
            "sponge",
            "irritation",
            "blocked pores",
            "at home",
        ),
        related=("prevention", "creams", "compare"),
        answer=(
            "Exfoliating is a simple treatment you can start at home. Use a loofah and a body scrub "
            "on your back a couple of times a week. This clears away old, dead skin cells and stops "
            "pores from blocking up and causing more acne. Don't do it more often than that, because "
            "over-scrubbing irritates the skin. Be gentle, and skip any spots that are inflamed, sore "
            "or broken."
        ),
    ),
    Topic(
        id="creams",
        title="Creams and lotions",
        aliases=(
            "creams",
            "cream",
            "lotion",
            "lotions",
            "ointment",
            "gel",
            "scar cream",
            "prescription cream",
            "natural cream",
            "natural remedies",
        ),
        keywords=(
            "over the counter",
            "otc",
            "pharmacy",
            "prescribe",
            "prescription",
            "doctor",
            "natural",
            "remedy",
            "apply",
            "fade",
            "patch test",
            "moisturiser",
            "moisturizer",
        ),
        related=("exfoliation", "compare", "microderm"),
        answer=(
            "Creams and lotions can help reduce scars.\n"
            "• Over-the-counter creams are available from pharmacies.\n"
            "• Your doctor may prescribe a cream.\n"
            "• Some natural creams and lotions may also help.\n"
            "Patch-test any new product on a small area first and follow the label. If it stings, "
            "burns or causes a rash, stop using it and ask a pharmacist or doctor."
        ),
    ),
    Topic(
        id="microderm",
        title="Microdermabrasion",
        aliases=(
            "microdermabrasion",
            "micro dermabrasion",
            "dermabrasion",
            "microderm",
            "sanding",
            "skin sanding",
        ),
        keywords=(
            "machine",
            "sand",
            "top layer",
            "sessions",
            "procedure",
            "clinic",
        ),
        related=("peels", "laser", "compare"),
        answer=(
            "Microdermabrasion uses a machine to remove the top layer of skin, a bit like sanding it "
            "off. That reveals the new, smoother skin underneath, and some of the scarring comes off "
            "with the top layer. You may need a few treatments to clear your scars completely. "
            f"It is a professional procedure, so {_DERM_VISIT} and suggest how many sessions you "
            "need. Protect the treated skin with sunscreen afterwards."
        ),
    ),
    Topic(
        id="peels",
        title="Chemical peels",
        aliases=(
            "chemical peel",
            "chemical peels",
            "peel",
            "peels",
            "peeling",
            "acid peel",
            "skin peel",
        ),
        keywords=(
            "chemical",
            "chemicals",
            "acid",
            "glycolic",
            "salicylic",
            "top layer",
            "skin type",
            "sessions",
            "procedure",
            "clinic",
        ),
        related=("microderm", "laser", "compare"),
        answer=(
            "A chemical peel works much like microdermabrasion: it removes the top layer of skin, but "
            "with chemicals instead of a machine. The type of chemical used depends on your skin type. "
            "You may need more than one treatment to get the results you want. "
            f"For a peel, {_DERM_VISIT} and plan the number of sessions. Keep the area out of the sun "
            "and use sunscreen while it heals."
        ),
    ),
    Topic(
        id="laser",
        title="Laser resurfacing",
        aliases=(
            "laser",
            "lasers",
            "laser resurfacing",
            "laser treatment",
            "laser therapy",
            "resurfacing",
        ),
        keywords=(
            "invasive",
            "effective",
            "sessions",
            "procedure",
            "clinic",
        ),
        related=("peels", "microderm", "compare"),
        answer=(
            "Laser resurfacing is one of the most effective treatments for back acne scars, but it "
            "is a little more invasive than the other options. Often one or two treatments give good "
            f"results, though some people need more. Before you start, {_DERM_VISIT} and tell you "
            "how many sessions to expect. Protect the treated skin from the sun and use sunscreen "
            "while it heals."
        ),
    ),
    Topic(
        id="compare",
        title="Comparing treatments",
        aliases=(
            "compare",
            "comparison",
            "vs",
            "versus",
            "which is better",
            "which is best",
            "best treatment",
            "treatment options",
            "options",
            "all treatments",
            "difference between",
            "scars",
            "back acne scars",
            "get rid of scars",
            "remove scars",
        ),
        keywords=(
            "difference",
            "choose",
            "alternatives",
            "most effective",
            "least invasive",
            "exfoliation",
            "creams",
            "microdermabrasion",
            "peel",
            "laser",
        ),
        related=("exfoliation", "peels", "laser"),
        answer=(
            "Your options, from least to most invasive:\n"
            "• Exfoliation: loofah and body scrub at home, a couple of times a week.\n"
            "• Creams and lotions: over the counter, prescribed, or natural.\n"
            "• Microdermabrasion: a machine removes the top layer of skin; often a few sessions.\n"
            "• Chemical peels: chemicals remove the top layer; may need more than one session.\n"
            "• Laser resurfacing: one of the most effective, but a little more invasive; "
            "often one or two sessions.\n"
            "A board-certified dermatologist can look at your skin and help you choose."
        ),
    ),
)
