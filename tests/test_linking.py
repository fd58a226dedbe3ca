from __future__ import annotations

import pytest

from bot.linking import (
    ALPHABET,
    CODE_LENGTH,
    CODE_TTL,
    CONFIRM_TTL,
    FAILURE_MEMORY,
    LOCKOUT,
    MAX_FAILURES,
    MAX_TRACKED,
    LinkCodes,
    LinkError,
)
from storage.memory_store import MemoryStore

NOW = 1_800_000_000.0


def test_codes_are_random_unambiguous_and_single_use() -> None:
    codes = LinkCodes(MemoryStore())
    issued = {codes.issue(f"acc{i}", f"telegram:{i}", "telegram", NOW).code for i in range(200)}
    assert len(issued) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in issued)
    assert not set("01OI") & set(ALPHABET)
    pending = codes.issue("acc", "telegram:1", "telegram", NOW)
    redeemed = codes.redeem(pending.code.lower()[:4] + "-" + pending.code[4:], "discord:9", "discord", NOW + 1)
    assert redeemed.account_id == "acc"
    with pytest.raises(LinkError):
        codes.redeem(pending.code, "discord:9", "discord", NOW + 2)  # replayed


def test_code_expires_after_ten_minutes() -> None:
    codes = LinkCodes(MemoryStore())
    pending = codes.issue("acc", "telegram:1", "telegram", NOW)
    with pytest.raises(LinkError, match="older than 10 minutes"):
        codes.redeem(pending.code, "discord:9", "discord", NOW + CODE_TTL + 1)


def test_code_works_on_the_other_platform_only() -> None:
    codes = LinkCodes(MemoryStore())
    pending = codes.issue("acc", "telegram:1", "telegram", NOW)
    with pytest.raises(LinkError, match="other platform"):
        codes.redeem(pending.code, "telegram:2", "telegram", NOW)


def test_a_new_code_replaces_the_old_one() -> None:
    codes = LinkCodes(MemoryStore())
    old = codes.issue("acc", "telegram:1", "telegram", NOW)
    new = codes.issue("acc", "telegram:1", "telegram", NOW + 5)
    with pytest.raises(LinkError):
        codes.redeem(old.code, "discord:9", "discord", NOW + 6)
    assert codes.redeem(new.code, "discord:9", "discord", NOW + 7).code == new.code


def test_five_wrong_codes_pause_linking_for_fifteen_minutes() -> None:
    codes = LinkCodes(MemoryStore())
    pending = codes.issue("acc", "telegram:1", "telegram", NOW)
    for attempt in range(MAX_FAILURES):
        with pytest.raises(LinkError) as caught:
            codes.redeem("WRONG234", "discord:9", "discord", NOW + attempt)
    assert "paused for 15 minutes" in str(caught.value)
    with pytest.raises(LinkError, match="paused"):  # even the right code is refused while locked
        codes.redeem(pending.code, "discord:9", "discord", NOW + 10)
    other = codes.redeem(pending.code, "discord:7", "discord", NOW + 11)  # other identities aren't locked
    assert other.account_id == "acc"
    fresh = codes.issue("acc", "telegram:1", "telegram", NOW + LOCKOUT + 20)
    assert codes.redeem(fresh.code, "discord:9", "discord", NOW + LOCKOUT + 21).account_id == "acc"


# Held links and the failure counter (#11) ----------------------------------------------------------------
def test_a_held_link_is_taken_once_by_its_redeemer_within_five_minutes() -> None:
    codes = LinkCodes(MemoryStore())
    pending = codes.redeem(codes.issue("acc", "telegram:1", "telegram", NOW).code, "discord:9", "discord", NOW)
    held = codes.hold(pending, "discord:9", NOW)
    with pytest.raises(LinkError):
        codes.take("discord:8", held.id, NOW + 1)  # somebody else
    with pytest.raises(LinkError):
        codes.take("discord:9", "WRONG2", NOW + 1)  # another question's id: this one stays
    assert codes.take("discord:9", held.id.lower(), NOW + 2).pending.account_id == "acc"
    with pytest.raises(LinkError):
        codes.take("discord:9", held.id, NOW + 3)  # once
    expiring = codes.hold(pending, "discord:9", NOW)
    with pytest.raises(LinkError, match="expired after 5 minutes"):
        codes.take("discord:9", expiring.id, NOW + CONFIRM_TTL + 1)


def test_failure_counts_are_pruned_once_they_no_longer_matter() -> None:
    codes = LinkCodes(MemoryStore())
    for n in range(50):
        with pytest.raises(LinkError):
            codes.redeem("WRONG234", f"discord:{n}", "discord", NOW + n)
    for attempt in range(MAX_FAILURES):  # and one identity locked out
        with pytest.raises(LinkError):
            codes.redeem("WRONG234", "discord:locked", "discord", NOW + 60 + attempt)
    assert codes.tracked_failures() == 51
    codes.issue("acc", "telegram:1", "telegram", NOW + FAILURE_MEMORY + 48)  # the first 49 are old now
    assert codes.tracked_failures() == 2
    with pytest.raises(LinkError, match="paused"):  # the lockout is kept for its whole 15 minutes
        codes.redeem("WRONG234", "discord:locked", "discord", NOW + 60 + LOCKOUT - 1)
    codes.issue("acc", "telegram:1", "telegram", NOW + 64 + LOCKOUT)
    assert codes.tracked_failures() == 0


def test_wrong_codes_far_apart_are_not_in_a_row() -> None:
    codes = LinkCodes(MemoryStore())
    for attempt in range(MAX_FAILURES):
        with pytest.raises(LinkError) as caught:
            codes.redeem("WRONG234", "discord:9", "discord", NOW + attempt * (FAILURE_MEMORY + 1))
        assert "paused" not in str(caught.value)


def test_the_failure_counter_is_bounded() -> None:
    codes = LinkCodes(MemoryStore())
    for n in range(MAX_TRACKED + 100):
        with pytest.raises(LinkError):
            codes.redeem("WRONG234", f"discord:{n}", "discord", NOW)
    assert codes.tracked_failures() == MAX_TRACKED
