"""The one text splitter both platforms use (adapters/text.py), with either cutting rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.text import split_text, utf16_len


def test_utf16_length_counts_an_emoji_outside_the_bmp_twice() -> None:
    assert utf16_len("a😀é") == 4


@given(st.text(alphabet="ab \n😀\\*", max_size=300), st.integers(min_value=2, max_value=40), st.booleans())
def test_every_chunk_fits_and_only_whitespace_is_lost(text: str, limit: int, keep_space: bool) -> None:
    chunks = split_text(text, limit, keep_space=keep_space, escape=None if keep_space else "\\")
    assert chunks
    assert all(utf16_len(chunk) <= limit for chunk in chunks) or chunks == [text]
    assert re.sub(r"\s", "", "".join(chunks)) == re.sub(r"\s", "", text)


def test_an_escape_before_a_wide_character_at_the_smallest_limit_still_ends() -> None:
    assert "".join(split_text("\\😀\\😀", 2, keep_space=False, escape="\\")) == "\\😀\\😀"


def test_a_limit_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_text("abc", 1)
