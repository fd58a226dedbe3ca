from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import payloads
from bot.models import MAX_PAYLOAD_BYTES, Button
from storage.memory_store import MemoryStore


def test_round_trips() -> None:
    raw = payloads.occurrence(payloads.DONE, "abcdefghij@1800000000")
    parsed = payloads.parse(raw)
    assert parsed is not None and parsed.kind == "o" and parsed.args == ("d", "abcdefghij@1800000000")
    assert payloads.parse(payloads.faq("laser")) == payloads.Payload("faq", ("laser",))
    assert payloads.parse(payloads.plan("exfoliation", "adopt")) == payloads.Payload("plan", ("exfoliation", "adopt"))
    assert payloads.parse(payloads.command("/faq laser")) == payloads.Payload("cmd", ("/faq laser",))
    assert payloads.parse("forget:yes") == payloads.Payload("forget", ("yes",))


@pytest.mark.parametrize(
    "raw", ["", "o:zz:abc@1", "o:d:noat", "forget:maybe", "cmd:rm -rf", "x" * 65, "o:d:a@1\n", "faq:", "<b>"]
)
def test_malformed_or_forged_payloads_are_rejected(raw: str) -> None:
    assert payloads.parse(raw) is None


@given(st.text(max_size=200))
def test_parse_never_raises(raw: str) -> None:
    payloads.parse(raw)


def test_longest_occurrence_payload_fits_platform_limits() -> None:
    raw = payloads.occurrence(payloads.SNOOZE_EVENING, "a" * 10 + "@" + "9" * 10)
    assert len(raw.encode()) <= MAX_PAYLOAD_BYTES
    with pytest.raises(ValueError):
        Button("too long", "x" * (MAX_PAYLOAD_BYTES + 1))


def test_a_plus_in_a_command_survives_the_round_trip() -> None:
    raw = payloads.command("/timezone UTC+02:00")
    assert payloads.parse(raw) == payloads.Payload("cmd", ("/timezone UTC+02:00",))


# Bound buttons (#11, item 8) ------------------------------------------------------------------------------
def test_a_bound_payload_is_yours_only_for_its_subject_and_only_with_its_command() -> None:
    raw = payloads.bound("acct-a", "/series pause 4 3 7")
    parsed = payloads.parse(raw)
    assert parsed is not None and parsed.kind == "b" and parsed.args[2] == "/series pause 4 3 7"
    assert payloads.check(parsed, "acct-a") is payloads.Binding.YOURS
    assert payloads.check(parsed, "acct-b") is payloads.Binding.NOT_YOURS
    assert payloads.check(parsed, payloads.subject(None, "telegram:1")) is payloads.Binding.NOT_YOURS
    changed = payloads.parse(raw.replace("pause~4", "pause~5"))
    assert changed is not None and payloads.check(changed, "acct-a") is payloads.Binding.NOT_YOURS
    assert payloads.bound("acct-a", "/unlink confirm") != payloads.bound("acct-b", "/unlink confirm")


def test_a_bound_payload_from_another_process_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = payloads.parse(payloads.bound("acct-a", "/forget confirm"))
    assert parsed is not None
    monkeypatch.setattr(payloads, "_signer", payloads._Signer())  # a restart: a new key, a new key id
    assert payloads.check(parsed, "acct-a") is payloads.Binding.STALE


def test_processes_on_one_store_share_the_button_key(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    monkeypatch.setattr(payloads, "_signer", payloads._Signer())  # restored after the test
    payloads.share_key_of(store)
    parsed = payloads.parse(payloads.bound("acct-a", "/forget confirm"))
    assert parsed is not None
    monkeypatch.setattr(payloads, "_signer", payloads._Signer())  # another process starts with its own key...
    payloads.share_key_of(store)  # ...and takes the one the store keeps
    assert payloads.check(parsed, "acct-a") is payloads.Binding.YOURS
    payloads.share_key_of(MemoryStore())  # a one-process store after a restart: a fresh key
    assert payloads.check(parsed, "acct-a") is payloads.Binding.STALE


def test_the_longest_bound_payloads_fit_platform_limits() -> None:
    import zoneinfo

    longest_zone = max(zoneinfo.available_timezones(), key=len)
    for text in (f"/timezone {longest_zone}", "/series pause 999999 30 30", "/link confirm ABCDEF", "/forget cancel"):
        raw = payloads.bound("a" * 40, text)
        Button("x", raw)  # raises when over 64 bytes
        assert payloads.parse(raw) is not None, raw  # and matches _SAFE
