from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.commands import BY_NAME, COMMANDS
from bot.faq import default_index
from bot.models import Address, Identity, IncomingMessage
from bot.suggest import Suggester, did_you_mean
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore

ALICE = Identity("discord", "1")
BOB = Identity("discord", "2")


async def test_suggestions_show_only_the_askers_reminders_and_known_names() -> None:
    app = App(MemoryStore(), FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC)))
    for who, text in ((ALICE, "/remind stretch every day at 9:00"), (BOB, "/remind bob secret every day at 9:00")):
        await app.handle(IncomingMessage(who, Address("discord", who.user_id), text=text))
    suggest = Suggester(app.regimen, default_index())
    assert await suggest(ALICE, "done", "number", "") == [("1. stretch", "1")]
    assert suggest.suggest(ALICE, "pause", "number", "")[-1] == ("all", "all")
    assert suggest.suggest(Identity("discord", "3"), "done", "number", "") == []
    assert ("Chemical peels", "peels") in suggest.suggest(ALICE, "faq", "topic", "pee")
    assert ("Europe/Berlin", "Europe/Berlin") in suggest.suggest(ALICE, "timezone", "zone", "berl")
    assert len(suggest.suggest(ALICE, "timezone", "zone", "")) == 25
    assert suggest.suggest(ALICE, "timezone", "zone", "indi")[0] == ("India", "India")  # before Indian/Mahe (#17)
    assert suggest.suggest(ALICE, "plan", "plan", "exf") == [("Exfoliate your back", "exfoliation")]
    assert suggest.suggest(ALICE, "remind", "what", "x") == []


# did_you_mean: an unknown command got no "did you mean /remind?" (#17) --------------------------------------
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("remnd", "/remind"),
        ("remid", "/remind"),
        ("Remnd", "/remind"),
        ("remnd@ClearBackBot", "/remind"),
        ("/remnd", "/remind"),
        ("rem", "/remind"),  # the start of /remind and /reminders: the shorter
        ("reminderz", "/reminders"),
        ("tiemzone", "/timezone"),
        ("timezon", "/timezone"),
        ("tz", "/timezone"),
        ("strat", "/start"),
        ("hlep", "/help"),
        ("snoze", "/snooze"),
        ("skp", "/skip"),
        ("progres", "/progress"),
        ("stats", "/progress"),
        ("remove", "/delete"),
        ("exprot", "/export"),
        ("lst", "/reminders"),
        ("reshedule", "/reschedule"),
    ],
)
def test_did_you_mean_names_the_closest_command(typed: str, meant: str) -> None:
    assert did_you_mean(typed) == meant


@pytest.mark.parametrize("typed", ["", "x", "sk", "xyzzy", "qwertyuiop", "🙂", "zz123"])
def test_did_you_mean_stays_quiet_when_nothing_is_close(typed: str) -> None:
    assert did_you_mean(typed) is None


def test_did_you_mean_only_names_real_commands() -> None:
    real = {f"/{spec.name}" for spec in COMMANDS}
    for typed in ("remind", "list", "tz", "remnd", "dne", "pase", "unlnk", "fogret", "qiuet", "nudg", "seires"):
        meant = did_you_mean(typed)
        assert meant in real, typed
        assert BY_NAME[meant.removeprefix("/")].name == meant.removeprefix("/")
