"""What a handler knows about the message: the account (looked up once), the zone, reminder numbers."""

from __future__ import annotations

from datetime import time

import pytest

from bot.context import Context, clip
from bot.faq import default_index
from bot.models import Address, Identity, IncomingMessage
from bot.regimen import Regimen, RegimenError
from bot.timing.clock import FakeClock
from bot.timing.recurrence import Schedule
from storage.memory_store import MemoryStore
from tests.conftest import START

ALICE = Identity("console", "alice")


def context_for(regimen: Regimen, who: Identity = ALICE) -> Context:
    return Context(IncomingMessage(who, Address(who.platform, who.user_id), text="/x"), regimen, default_index())


def test_reading_the_account_creates_nothing_and_ensuring_it_does() -> None:
    regimen = Regimen(MemoryStore(), FakeClock(START), default_timezone="Europe/Berlin")
    ctx = context_for(regimen)
    assert ctx.account() is None and ctx.account_timezone_name() == "Europe/Berlin"
    assert regimen.store.stats()["accounts"] == 0
    account = ctx.ensure_account()
    assert ctx.account() == account and regimen.store.get_account(account.id) == account


def test_a_reminder_number_finds_only_ones_own_reminders() -> None:
    regimen = Regimen(MemoryStore(), FakeClock(START))
    alice, bob = context_for(regimen), context_for(regimen, Identity("console", "bob"))
    nightly = Schedule(kind="daily", at=time(21, 0))
    created = regimen.create_reminder(alice.ensure_account(), "cream", nightly, "cream", "console")
    assert alice.reminder_arg("1", "done") == created
    assert alice.reminder_arg("#1 extra", "done") == created
    with pytest.raises(RegimenError, match="You have no reminder 1"):
        bob.reminder_arg("1", "done")
    with pytest.raises(RegimenError, match=r'"one" is not a number'):
        alice.reminder_arg("one", "done")
    with pytest.raises(RegimenError, match="/skip 1"):
        alice.reminder_arg("", "skip")
    with pytest.raises(RegimenError, match="not a number"):
        alice.reminder_arg("¹", "done")  # a digit int() cannot read


def test_clip_quotes_input_back_printable_and_short() -> None:
    assert clip("a\x00b") == "a b"
    assert clip("x" * 100) == "x" * 39 + "…"
