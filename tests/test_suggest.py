from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.faq import default_index
from bot.models import Address, Identity, IncomingMessage
from bot.suggest import Suggester
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
    assert suggest.suggest(ALICE, "plan", "plan", "exf") == [("Exfoliate your back", "exfoliation")]
    assert suggest.suggest(ALICE, "remind", "what", "x") == []
