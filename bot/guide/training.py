"""Training the guide's classifier (bot.guide.model): `make guide-model` runs `train()` and saves the result.

The documents are every wording of every entry (its question, asks and phrasings) and the tune part of the
labelled questions (tests/guide/labelled_questions/): a question answered by two entries teaches both, and a
question to decline teaches DECLINE. The held-out part is never read here. The model is scikit-learn's
multinomial logistic regression (lbfgs, deterministic), chosen over a hand-written term scorer, rank-bm25,
TF-IDF nearest neighbours and a linear SVM by their best-ranked figures (docs/benchmarks.md: on the tune
part's folds and, for the choice of model family, on the held-out part too, which so flatters these a little).
scikit-learn is a development dependency: at run time the saved weights need only numpy.

The two thresholds are tuned on out-of-fold predictions: the tune part in FOLDS folds, each predicted by a
model trained without it, so they are chosen on probabilities like the ones unseen questions get (a model's
probabilities on its own training questions are far too sure).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Final

import numpy as np

from bot.guide import labelled as labelled_set
from bot.guide.features import CHAR_MAX, CHAR_MIN, Featurizer, grams
from bot.guide.matcher import Guide, Scored
from bot.guide.model import DECLINE, Model, Thresholds

C: Final = 3.0  # inverse regularisation: the best of 3, 10, 30 and 100 by 5-fold accuracy on the tune part
MAX_ITER: Final = 5000
FOLDS: Final = labelled_set.FOLDS
_UNTUNED: Final = Thresholds(0.0, 0.0)

Document = tuple[str, str]  # (text, class)


def documents(guide: Guide, questions: Sequence[labelled_set.Question]) -> list[Document]:
    """The entries' wordings and the labelled questions, each with the class it teaches."""
    found = [(w, e.id) for e in guide.entries for w in guide.wordings(e)]
    for question in questions:
        for label in sorted(question.labels) or [DECLINE]:
            found.append((question.text, label))
    return found


def fingerprint(guide: Guide, docs: Sequence[Document], c: float = C, balanced: bool = False) -> str:
    """SHA-256 of everything training reads: each document, its class and its terms as `guide` reads them (so
    a change to the speller, stems or synonyms shows too), and the settings. Saved in the model, so a test can
    tell, exactly and on any machine, that the saved model was trained on what the repository holds now."""
    payload = [[text, label, guide.terms(text)] for text, label in docs]
    settings: dict[str, object] = {"c": c, "max_iter": MAX_ITER, "folds": FOLDS, "chars": [CHAR_MIN, CHAR_MAX]}
    if balanced:  # only the experiments (scripts/guide_experiments.py) weight classes; the shipped model's hash
        settings["class_weight"] = "balanced"  # stays what it was
    blob = json.dumps([settings, payload], ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def fit(
    guide: Guide, docs: Sequence[Document], thresholds: Thresholds = _UNTUNED, *, c: float = C, balanced: bool = False
) -> Model:
    """A model trained on `docs`, reading them as `guide` reads a question (its speller and terms); `c` and
    `balanced` (classes weighted by their inverse frequency) are for the experiments, never the shipped model."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    blocks = [grams(text, guide.terms(text)) for text, _ in docs]
    featurizer = Featurizer.fit(blocks)
    rows, columns, values = [], [], []
    for row, block in enumerate(blocks):
        indices, weights = featurizer.vector(block)
        rows.extend([row] * len(indices))
        columns.extend(indices.tolist())
        values.extend(weights.tolist())
    matrix = csr_matrix((values, (rows, columns)), shape=(len(docs), len(featurizer.vocabulary)))
    classifier = LogisticRegression(C=c, max_iter=MAX_ITER, class_weight="balanced" if balanced else None)
    classifier.fit(matrix, [label for _, label in docs])
    return Model(
        featurizer,
        [str(c) for c in classifier.classes_],
        np.ascontiguousarray(classifier.coef_.T, dtype=np.float32),
        classifier.intercept_.astype(np.float32),
        thresholds,
        fingerprint(guide, docs, c, balanced),
    )


def out_of_fold(guide: Guide, questions: Sequence[labelled_set.Question]) -> list[tuple[Scored, ...]]:
    """Each question ranked by a model trained without its fold (every FOLDS-th question)."""
    ranked: list[tuple[Scored, ...]] = [()] * len(questions)
    for fold in range(FOLDS):
        kept = [q for i, q in enumerate(questions) if i % FOLDS != fold]
        judge = Guide(guide.entries, model=fit(guide, documents(guide, kept)))
        for i in range(fold, len(questions), FOLDS):
            ranked[i] = judge.rank(questions[i].text)
    return ranked


def train(
    guide: Guide | None = None,
    questions: Sequence[labelled_set.Question] | None = None,
    ranked: Sequence[Sequence[Scored]] | None = None,
) -> Model:
    """The model to ship: trained on every tune question, thresholds tuned on out-of-fold predictions
    (`ranked`, out_of_fold's, when the caller has them already)."""
    reader = guide or Guide()
    tune = labelled_set.of_split(labelled_set.load(), labelled_set.TUNE) if questions is None else questions
    thresholds = labelled_set.tune(tune, out_of_fold(reader, tune) if ranked is None else ranked)
    return fit(reader, documents(reader, tune), thresholds)
