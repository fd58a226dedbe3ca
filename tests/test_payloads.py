from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import payloads
from bot.models import MAX_PAYLOAD_BYTES, Button


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
