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

MAX_CHARS: Final = 4000  # a question is read up to here (the bench's long message is this long)

STOPWORDS: Final = frozenset(
    """
    a about actually again all also am an and any anyone anything are as at be been being but by can cant could
    did didnt do does doesnt doing dont for from get gets getting got had has have having he hello her here hey
    hi him his how hows i id if im in into is isnt it its itll ive just kind know let lets like me mine my
    of ok okay on or our ourselves please quick question really she so some someone something tell than
    thank thanks that thats the their them then there these they thing things this those to u us was way we
    were what whats when where which who whom whose will with wondering would you your youre yours
    """.split()
)


# Contractions whose negation matters ("who shouldn't" asks who should not), apostrophes already dropped.
NEGATIONS: Final = frozenset({"shouldnt", "cant", "dont", "doesnt", "isnt", "wont", "mustnt", "arent"})


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return stem(word)  # a long message repeats its words: stem each once


def _words(text: str) -> list[str]:
    text = text[:MAX_CHARS]
    if text.isascii():  # the usual case, ~5x faster than the accent-stripping path for the same words
        return _ASCII_WORD.findall(text.replace("'", "").replace("`", "").lower())
    return normalize(text, MAX_CHARS).split()


def tokens(text: str) -> list[str]:
    """Stems of the words of `text` (its first MAX_CHARS characters) that carry meaning, in order."""
    found = []
    for word in _words(text):
        if word in NEGATIONS and word != "dont":
            found.append("not")
        elif len(word) > 1 and word not in STOPWORDS:
            found.append(_stem(word))
    return found


def bigrams(stems: list[str]) -> list[str]:
    """Neighbouring pairs, so a phrase ("top layer", "every day") weighs more than its words apart."""
    return [f"{a} {b}" for a, b in itertools.pairwise(stems)]
