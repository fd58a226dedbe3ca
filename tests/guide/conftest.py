"""The guide retrained from its data once per test session (about a minute: five out-of-fold models and the
final one): the model tests compare the saved bot/guide/model.npz with it, the labelled-set tests use its
out-of-fold rankings."""

from __future__ import annotations

import pytest

from bot.guide import Guide, labelled
from bot.guide.matcher import Scored
from bot.guide.model import Model
from bot.guide.training import out_of_fold, train


@pytest.fixture(scope="session")
def tune_questions() -> list[labelled.Question]:
    return labelled.of_split(labelled.load(), labelled.TUNE)


@pytest.fixture(scope="session")
def tune_out_of_fold(tune_questions: list[labelled.Question]) -> list[tuple[Scored, ...]]:
    return out_of_fold(Guide(), tune_questions)


@pytest.fixture(scope="session")
def retrained(tune_questions: list[labelled.Question], tune_out_of_fold: list[tuple[Scored, ...]]) -> Model:
    return train(Guide(), tune_questions, tune_out_of_fold)
