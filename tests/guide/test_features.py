"""How the classifier reads a question: character n-grams inside words, terms and pairs, TF-IDF per block."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bot.guide.features import Featurizer, char_grams, grams, term_grams
from bot.guide.text import MAX_CHARS


def test_char_grams_stay_inside_padded_words_and_count_repeats() -> None:
    found = char_grams("Peel, peel!")
    assert found["c p"] == 2 and found["cpeel "] == 2 and found["c peel"] == 2
    assert not any(" " in g[2:-1] for g in found)  # no n-gram spans two words
    assert char_grams("🙂 !!") == Counter()


def test_char_grams_read_only_the_first_max_chars() -> None:
    assert char_grams("a" * MAX_CHARS + " zebra") == char_grams("a" * MAX_CHARS)


def test_term_grams_are_the_terms_and_their_pairs() -> None:
    assert term_grams(["peel", "after"]) == Counter({"wpeel": 1, "wafter": 1, "wpeel after": 1})


def test_the_vector_is_tf_idf_at_unit_length_per_block() -> None:
    docs = [grams("peel hurt", ["peel", "hurt"]), grams("laser hurt", ["laser", "hurt"])]
    featurizer = Featurizer.fit(docs)
    assert featurizer.idf[featurizer.index["wpeel"]] == pytest.approx(math.log(3 / 2) + 1)
    assert featurizer.idf[featurizer.index["whurt"]] == pytest.approx(1.0)
    indices, values = featurizer.vector(grams("peel peel unknown", ["peel", "peel", "unknown"]))
    words = [v for i, v in zip(indices, values, strict=True) if featurizer.vocabulary[i].startswith("w")]
    chars = [v for i, v in zip(indices, values, strict=True) if featurizer.vocabulary[i].startswith("c")]
    assert sum(v * v for v in words) == pytest.approx(1.0) and sum(v * v for v in chars) == pytest.approx(1.0)
    assert all(featurizer.vocabulary[i] != "wunknown" for i in indices)  # unseen grams are left out


def test_a_featurizer_needs_one_idf_per_gram() -> None:
    with pytest.raises(ValueError):
        Featurizer(["a", "b"], [1.0])
