"""The saved classifier: it is what training on the data gives, it loads back exactly, its probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.guide import Guide, default_guide, labelled
from bot.guide.features import grams
from bot.guide.model import DECLINE, Model, Thresholds, saved_model
from bot.guide.training import documents, fingerprint

STALE = "bot/guide/model.npz is not what training gives: run `make guide-model` and commit it"


def test_the_saved_model_was_trained_on_what_the_repository_holds() -> None:
    # Exact on any machine: the wordings, the tune questions, how the guide reads them, and the settings.
    guide = default_guide()
    tune = labelled.of_split(labelled.load(), labelled.TUNE)
    assert saved_model().fingerprint == fingerprint(guide, documents(guide, tune)), STALE


def test_the_saved_model_is_what_training_on_the_data_gives(retrained: Model) -> None:
    saved = saved_model()
    assert saved.fingerprint == retrained.fingerprint, STALE
    assert saved.classes == retrained.classes, STALE
    assert saved.featurizer.vocabulary == retrained.featurizer.vocabulary, STALE
    # Weights and answers are compared loosely: another scipy or BLAS may move them in the last digits.
    assert np.allclose(saved.weights, retrained.weights, atol=1e-3), STALE
    assert np.allclose(saved.intercept, retrained.intercept, atol=1e-3), STALE
    fresh = Guide(model=retrained.with_thresholds(saved.thresholds))
    questions = labelled.load()
    same = sum(fresh.answer(q.text).entry == default_guide().answer(q.text).entry for q in questions)
    assert same >= 0.995 * len(questions), STALE


def test_every_entry_and_decline_is_a_class() -> None:
    assert set(saved_model().classes) == {e.id for e in default_guide().entries} | {DECLINE}


def test_save_and_load_give_the_same_model(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    saved_model().with_thresholds(Thresholds(0.3, 0.1)).save(path)
    loaded = Model.load(path)
    assert loaded.thresholds == Thresholds(0.3, 0.1)
    assert loaded.fingerprint == saved_model().fingerprint and len(loaded.fingerprint) == 64
    assert loaded.classes == saved_model().classes
    assert np.array_equal(loaded.weights, saved_model().weights)
    question = "how often should I exfoliate my back"
    blocks = grams(question, default_guide().terms(question))
    assert np.allclose(loaded.probabilities(blocks), saved_model().probabilities(blocks))


def test_probabilities_sum_to_one_and_follow_the_weights() -> None:
    model = saved_model()
    question = "does a chemical peel hurt"
    blocks = grams(question, default_guide().terms(question))
    probabilities = model.probabilities(blocks)
    assert abs(probabilities.sum() - 1.0) < 1e-9 and (probabilities >= 0).all()
    indices, values = model.featurizer.vector(blocks)
    logits = model.intercept + values @ model.weights[indices]
    assert int(np.argmax(logits)) == int(np.argmax(probabilities))
    assert model.classes[int(np.argmax(probabilities))] == "peel-hurt"
