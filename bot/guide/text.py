"""Questions into terms: the FAQ's normalising and stemming, with the guide's own stopwords.

The topic FAQ (bot.faq) drops "before", "after", "much" and "often" as noise; here they are what tells
"what to avoid before a peel" from "after a peel", and "how often" from "how long", so they stay.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Final

from bot.faq import normalize, stem

MAX_CHARS: Final = 600  # a question is read up to here: ~100 words, longer than any question people type

STOPWORDS: Final = frozenset(
    """
    a about actually again all also am an and any anyone anything are as at be been being but by can cant could
    did didnt do does doesnt doing dont for from get gets getting got had has have having he hello her here hey
    hi him his how hows i id if im in into is isnt it its itll ive just know let lets like me mine my
    of ok okay on or our ourselves please quick question really she so some someone something tell than
    thank thanks that thats the their them then there these they thing things this those to u us was way we
    were what whats when where who whom whose will with wondering would you your youre yours
    """.split()
)


# Contractions whose negation matters ("who shouldn't" asks who should not), apostrophes already dropped.
NEGATIONS: Final = frozenset({"shouldnt", "cant", "dont", "doesnt", "isnt", "wont", "mustnt", "arent"})


_ASCII_WORD = re.compile(r"[a-z0-9]+")

# The domain's synonyms, as stems: each group's words all become its first one, in the entries and in
# questions alike, so "zits", "pimples" and "spots" are one term, and so are "expensive" and "cost".
SYNONYM_GROUPS: Final = (
    "pimpl zit spot breakout blemish whitehead pustul pimpel bump",
    "scar mark",
    "exfoliat exfoliation exfoliator exfoliant exfoliater exfoilat scrub",
    "pain painful hurt sore ache ouch agony uncomfortabl",
    "cost price pricey expensiv cheap cheapest cheaper afford affordabl charge money pay fee spend",
    "dermatologist derm doctor gp dr physician specialist",
    "pregnant pregnancy breastfeed nurs",
    "medication medicine med accutane isotretinoin antibiotic",
    "infect infection pus",
    "often frequently frequent regularly regular",
    "daily everyday",
    "session appointment visit round",
    "cream lotion ointment gel moisturizer moisturiser moisturis moisturiz creme balm",
    "laser lazer fraxel",
    "microdermabrasion microderm dermabrasion",
    "home diy myself",
    "pick pop squeez burst",
    "workout gym exercis sport",
    "sun sunlight sunshine sunbath sunb tan uv",
    "sunscreen spf sunblock suncream",
    "cloth shirt tshirt outfit",
    "risk risky danger dangerou harmful",
    "remov rid eras eliminat",
    "wash cleanser cleans soap bodywash",
    "hormon hormonal pill testosteron puberty",
    "diet food eat",
    "sweat sweaty perspir",
    "embarrass embarras ashamed conscious shame insecur",
    "work effectiv",
    "result differenc improvement progress",
    "combin combine mix together layer",
    "retinol retinoid tretinoin",
)
SYNONYMS: Final[dict[str, str]] = {w: g.split()[0] for g in SYNONYM_GROUPS for w in g.split()}
# Words that stand for two ("bacne" is back acne).
EXPANSIONS: Final[dict[str, tuple[str, ...]]] = {"bacne": ("back", "acne"), "backne": ("back", "acne")}
# Whole phrases read as one word first.
_PHRASES: Final = (
    ("every day", "daily"),
    ("each day", "daily"),
    ("get rid", "rid"),
    ("side effect", "risk"),
    ("how much is", "cost"),
    ("how much are", "cost"),
    ("how much would", "cost"),
    ("shower gel", "bodywash"),
    ("body wash", "bodywash"),
    ("birth control", "hormon"),
    ("what is", "whatis"),
    ("whats", "whatis"),
)


@functools.lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    """The word's stem (a long message repeats its words: each is stemmed once), as its synonym group."""
    found = stem(word)
    if len(found) > 7 and found.endswith("ation"):
        found = found[:-3]  # irritation: irritat, as irritate
    elif len(found) > 6 and found.endswith(("ful", "ness")):
        found = found[: -3 if found.endswith("ful") else -4]  # painful: pain, soreness: sore
    return canon(found)


def canon(stem_: str) -> str:
    """The stem of a synonym group's first word, for any stem of the group; any other stem as it is."""
    return SYNONYMS.get(stem_, stem_)


def fold(text: str) -> str:
    """The question's first MAX_CHARS characters lowercased, apostrophes dropped, accents stripped."""
    text = text[:MAX_CHARS]
    # ASCII is the usual case, ~5x faster than the accent-stripping path for the same words
    return text.replace("'", "").replace("`", "").lower() if text.isascii() else normalize(text, MAX_CHARS)


def _words(text: str) -> list[str]:
    lowered = fold(text)
    for phrase, word in _PHRASES:
        if phrase in lowered:
            lowered = lowered.replace(phrase, word)
    return _ASCII_WORD.findall(lowered) if lowered.isascii() else lowered.split()


def tokens(text: str) -> list[str]:
    """Stems of the words of `text` (its first MAX_CHARS characters) that carry meaning, in order."""
    found = []
    for word in _words(text):
        if word in NEGATIONS and word != "dont":
            found.append("not")
        elif word in EXPANSIONS:
            found.extend(EXPANSIONS[word])
        elif len(word) > 1 and word not in STOPWORDS:
            found.append(_stem(word))
    return found


def bigrams(stems: list[str]) -> list[str]:
    """Neighbouring pairs, so a phrase ("top layer", "every day") weighs more than its words apart."""
    return [f"{a} {b}" for a, b in itertools.pairwise(stems)]
