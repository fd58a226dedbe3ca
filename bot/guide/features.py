"""A question as the classifier sees it: TF-IDF of its character n-grams and of its terms, in two blocks.

Character n-grams (2 to 5 letters, inside each word padded with a space, as scikit-learn's "char_wb") forgive
typos the speller cannot fix ("exfoilate" still shares "exfo" and "late"); the guide's terms and their
neighbouring pairs (bot.guide.text: stems, synonyms folded, typos corrected) carry the meaning ("how often"
is not "how long"). Each block is TF-IDF with sublinear counts and smoothed idf, scaled to unit length on its
own, so a long message weighs no more than a short one. Written here rather than taken from scikit-learn's
vectorizers so that matching needs only numpy at run time and stays well under a millisecond; training
(bot.guide.training) builds its matrix from these same rows, so both read a question identically.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.guide.text import bigrams, fold

CHAR_MIN: Final = 2
CHAR_MAX: Final = 5
_LETTERS = re.compile(r"[^\W_]+")  # letters and digits, any script; punctuation and emoji are not words


def char_grams(text: str) -> Counter[str]:
    """The 2-5 letter n-grams inside each word of the question (each word padded with a space)."""
    found: list[str] = []  # one list counted once: Counter's C loop is twice as fast as adding one by one
    for word, times in Counter(_LETTERS.findall(fold(text))).items():  # read as the terms are (text.fold)
        padded = f" {word} "
        size = len(padded)
        grams = [
            "c" + padded[at : at + n] for n in range(CHAR_MIN, min(CHAR_MAX, size) + 1) for at in range(size - n + 1)
        ]
        found.extend(grams * times if times > 1 else grams)
    return Counter(found)


def term_grams(stems: Sequence[str]) -> Counter[str]:
    """The question's terms and their neighbouring pairs."""
    return Counter("w" + t for t in (*stems, *bigrams(list(stems))))


def grams(text: str, stems: Sequence[str]) -> tuple[Counter[str], Counter[str]]:
    return char_grams(text), term_grams(stems)


class Featurizer:
    """The vocabulary and idf learned from the training questions; turns a question into a sparse vector."""

    def __init__(self, vocabulary: Sequence[str], idf: Sequence[float]) -> None:
        if len(vocabulary) != len(idf):
            raise ValueError("one idf per vocabulary entry")
        self.vocabulary: tuple[str, ...] = tuple(vocabulary)
        self.index = {g: i for i, g in enumerate(self.vocabulary)}
        self.idf: tuple[float, ...] = tuple(float(x) for x in idf)

    @classmethod
    def fit(cls, documents: Iterable[tuple[Counter[str], Counter[str]]]) -> Featurizer:
        """The vocabulary (every gram seen, sorted) and smoothed idf, ln((1 + n) / (1 + df)) + 1."""
        frequency: Counter[str] = Counter()
        count = 0
        for chars, terms in documents:
            count += 1
            frequency.update(chars.keys())
            frequency.update(terms.keys())
        vocabulary = sorted(frequency)
        return cls(vocabulary, [math.log((1 + count) / (1 + frequency[g])) + 1 for g in vocabulary])

    def vector(
        self, blocks: tuple[Counter[str], Counter[str]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The (indices, values) of the known grams: each block's TF-IDF, 1 + ln(count), at unit length."""
        indices: list[int] = []
        values: list[float] = []
        index, idf = self.index, self.idf
        for block in blocks:
            known = [(at, times) for gram, times in block.items() if (at := index.get(gram)) is not None]
            weights = [(1.0 + math.log(times)) * idf[at] for at, times in known]
            norm = math.sqrt(sum(w * w for w in weights))
            indices.extend(at for at, _ in known)
            values.extend([w / norm for w in weights] if norm else weights)
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)
