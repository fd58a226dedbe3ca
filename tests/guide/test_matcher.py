"""The guide's matcher: the question asked gets its entry, typos are forgiven, the unrelated is declined, fast."""

from __future__ import annotations

import random
import string
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.guide import Guide, default_guide
from bot.guide.matcher import OFFER_FLOOR, OFFERED, offered
from bot.guide.typos import Speller, distance


@pytest.fixture(scope="module")
def guide() -> Guide:
    return default_guide()


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("how often should i exfoilate", "exf-often"),
        ("does microderm hurt", "md-hurt"),
        ("what should I avoid before a peel", "peel-before"),
        ("what should I avoid after a peel", "peel-after"),
        ("can I do microdermabrasion myself", "md-home"),
        ("is laser safe", "laser-invasive"),
    ],
)
def test_questions_get_their_entry(guide: Guide, question: str, entry_id: str) -> None:
    found = guide.answer(question).entry
    assert found is not None and found.id == entry_id


@pytest.mark.parametrize("question", ["", "hello", "what is the weather tomorrow", "how much do braces cost", "🙂"])
def test_unrelated_questions_are_declined(guide: Guide, question: str) -> None:
    assert guide.answer(question).entry is None


def test_a_decline_names_the_closest_topics(guide: Guide) -> None:
    answer = guide.answer("does laser hair removal hurt")
    assert answer.entry is None
    assert "laser" in answer.closest_topics()


def test_a_decline_on_the_subject_offers_the_likeliest_questions(guide: Guide) -> None:
    answer = guide.answer("can i go swimming after microdermabrasion")  # close, but not sure enough to answer
    assert answer.entry is None
    offered = answer.closest_questions()
    assert [e.id for e in offered] == [s.entry.id for s in answer.ranked[:OFFERED]]
    assert offered[0].id == "md-after"


@pytest.mark.parametrize("question", ["does laser hair removal hurt", "what time is it", "hello", ""])
def test_a_decline_off_the_subject_offers_no_questions(guide: Guide, question: str) -> None:
    answer = guide.answer(question)
    assert answer.entry is None and answer.closest_questions() == ()


@pytest.mark.parametrize(
    "question",
    ["does laser hair removal hurt", "how many laser hair removal sessions for my back", "my hair is falling out"],
)
def test_a_pair_naming_another_treatment_is_off_the_subject_though_its_words_are_not(
    guide: Guide, question: str
) -> None:
    ranked = guide.rank(question)
    assert ranked and ranked[0].off_topic  # "hair" alone is the guide's (conditioner, shaving), "laser hair" is not
    assert guide.answer(question).entry is None and guide.answer(question).closest_questions() == ()


@pytest.mark.parametrize(
    "question", ["could my conditioner be causing my back acne", "does shaving my back cause spots"]
)
def test_hair_on_the_back_is_still_the_guides_subject(guide: Guide, question: str) -> None:
    assert not guide.rank(question)[0].off_topic


def test_an_answer_offers_no_questions_besides_itself(guide: Guide) -> None:
    answer = guide.answer("how often should I exfoliate my back")
    assert answer.entry is not None and answer.closest_questions() == ()


def test_offered_needs_the_best_to_be_likely_enough(guide: Guide) -> None:
    ranked = guide.rank("can i go swimming after microdermabrasion")
    assert offered(ranked)
    unlikely = tuple(replace(s, score=OFFER_FLOOR / 2) for s in ranked)
    assert offered(unlikely) == ()
    assert offered(tuple(replace(s, off_topic=True) for s in ranked)) == ()
    assert offered(tuple(replace(s, in_domain=False) for s in ranked)) == ()


def test_speller_corrects_one_edit_and_swaps_but_not_everyday_words() -> None:
    speller = Speller(["laser", "microdermabrasion", "exfoliat"])
    assert speller.correct("lazer") == "laser"
    assert speller.correct("microdermabraison") == "microdermabrasion"
    assert speller.correct("exfoilat") == "exfoliat"
    assert speller.correct("later") is None  # an everyday word, not a typo
    assert speller.correct("feel") is None  # too short to guess
    assert distance("ab", "ba") == 1 and distance("kitten", "sitting") == 3


def test_speller_breaks_a_tie_by_the_entries_that_use_the_words() -> None:
    same = Speller(["infect", "infekt"], {"infect": frozenset({3}), "infekt": frozenset({3})})
    assert same.correct("infet") in ("infect", "infekt")  # either finds the same entries
    commoner = Speller(["infect", "infekt"], {"infect": frozenset({3, 4}), "infekt": frozenset({3})})
    assert commoner.correct("infet") == "infect"
    apart = Speller(["infect", "infekt"], {"infect": frozenset({3}), "infekt": frozenset({5})})
    assert apart.correct("infet") is None  # as close, as common, different answers: no guess
    assert Speller(["infect", "infekt"]).correct("infet") is None


def test_a_long_message_is_matched_well_under_five_ms(guide: Guide) -> None:
    rnd = random.Random(7)
    words = ["".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(3, 11))) for _ in range(700)]
    message = ("how often should I exfoliate my back " + " ".join(words))[:4000]
    guide.answer(message)
    start = time.perf_counter()
    for _ in range(20):
        guide.answer(message)
    assert (time.perf_counter() - start) / 20 < 0.005


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=5000))
def test_any_text_is_answered_or_declined_never_raises(text: str) -> None:
    answer = default_guide().answer(text)
    scores = [s.score for s in answer.ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s.score <= 1.0 and -1.0 <= s.margin <= 1.0 for s in answer.ranked)
    assert answer.entry is None or answer.entry == answer.ranked[0].entry
