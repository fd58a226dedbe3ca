"""The guide's trained classifier: which entry a question asks for, as probabilities, from bot/guide/model.npz.

A multinomial logistic regression over bot.guide.features, one class per entry plus DECLINE (questions the
guide should not answer, learned from the labelled ones). It is trained by bot.guide.training (scikit-learn,
a development dependency) on the entries' wordings and the tune part of the labelled questions, and saved
with `make guide-model`; at run time it is a matrix product and a softmax in numpy, with no network and no
model download. tests/guide/test_model.py retrains it and checks the saved file is what training gives.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.guide.features import Featurizer

PATH: Final = Path(__file__).with_name("model.npz")
DECLINE: Final = "-"  # the class of questions the guide should decline


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When the best entry is trusted: its probability, and its lead over the next class (tuned on data)."""

    min_probability: float
    min_gap: float


class Model:
    def __init__(
        self,
        featurizer: Featurizer,
        classes: Sequence[str],
        weights: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        thresholds: Thresholds,
        fingerprint: str = "",
    ) -> None:
        if weights.shape != (len(featurizer.vocabulary), len(classes)) or intercept.shape != (len(classes),):
            raise ValueError("weights must be (vocabulary, classes) and intercept (classes,)")
        self.featurizer = featurizer
        self.classes: tuple[str, ...] = tuple(classes)
        self.weights = weights
        self.intercept = intercept
        self.thresholds = thresholds
        self.fingerprint = fingerprint  # of what it was trained on (bot.guide.training.fingerprint)

    def probabilities(self, blocks: tuple[Counter[str], Counter[str]]) -> npt.NDArray[np.float64]:
        """Each class's probability (in `classes` order) for a question's grams (bot.guide.features.grams)."""
        indices, values = self.featurizer.vector(blocks)
        logits = self.intercept.astype(np.float64) + values @ self.weights[indices]
        logits -= logits.max()
        exp = np.exp(logits)
        probabilities: npt.NDArray[np.float64] = exp / exp.sum()
        return probabilities

    def with_thresholds(self, thresholds: Thresholds) -> Model:
        return Model(self.featurizer, self.classes, self.weights, self.intercept, thresholds, self.fingerprint)

    def save(self, path: Path = PATH) -> None:
        np.savez_compressed(
            path,
            vocabulary=np.asarray(self.featurizer.vocabulary, dtype=np.str_),
            idf=np.asarray(self.featurizer.idf, dtype=np.float64),
            classes=np.asarray(self.classes, dtype=np.str_),
            weights=self.weights.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            thresholds=np.asarray([self.thresholds.min_probability, self.thresholds.min_gap], dtype=np.float64),
            fingerprint=np.asarray(self.fingerprint, dtype=np.str_),
        )

    @classmethod
    def load(cls, path: Path = PATH) -> Model:
        with np.load(path, allow_pickle=False) as saved:
            minimum, gap = (float(x) for x in saved["thresholds"])
            return cls(
                Featurizer([str(g) for g in saved["vocabulary"]], saved["idf"].tolist()),
                [str(c) for c in saved["classes"]],
                saved["weights"].astype(np.float32),
                saved["intercept"].astype(np.float32),
                Thresholds(minimum, gap),
                str(saved["fingerprint"]),
            )


@functools.cache
def saved_model() -> Model:
    """The model shipped with the guide, loaded once per process."""
    return Model.load()
