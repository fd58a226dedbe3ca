"""The adapters' entry point: App.handle answers, routes replies meant for elsewhere through the hub once,
and adds what could not reach the person earlier."""

from __future__ import annotations

from bot.app import App
from bot.models import Address, Identity
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests.conftest import START
from tests.fakes import RecordingPlatform
from tests.talk import say

TELEGRAM_USER = Identity("telegram", "100")


async def linked_app() -> tuple[App, RecordingPlatform, RecordingPlatform]:
    """Alice on Telegram and Discord, one account, a nightly reminder shown on both."""
    telegram, discord = RecordingPlatform(platform="telegram"), RecordingPlatform(platform="discord")
    app = App(MemoryStore(), FakeClock(START))
    app.hub.register(telegram)
    app.hub.register(discord)
    return app, telegram, discord


async def test_replies_for_another_chat_go_through_the_hub_and_only_direct_ones_come_back() -> None:
    app, telegram, discord = await linked_app()
    discord_user = Identity("discord", "200")
    [code_reply] = await say(app, "/link", who=TELEGRAM_USER)
    code = code_reply.text.split("/link ")[1].split()[0]
    [question] = await say(app, f"/link {code}", who=discord_user)
    assert "continue?" in question.text
    replies = await say(app, "/link confirm", who=discord_user)
    assert all(r.address is None and r.edit_ref is None for r in replies)  # the adapter gets only its own
    assert any("Linked with Discord" in r.text for _, r in telegram.sent)  # the issuer was told via the hub
    assert discord.sent == []  # nothing routed back to the chat that asked


async def test_an_edit_of_an_earlier_message_is_routed_to_where_it_was_shown() -> None:
    app, telegram, _ = await linked_app()
    await say(app, "/remind cream in 1m", who=TELEGRAM_USER)
    assert isinstance(app.clock, FakeClock)
    app.clock.advance(60)
    await app.scheduler.tick()
    [shown] = [r for _, r in telegram.sent if r.occurrence_id is not None]
    replies = await say(app, "/done 1", who=TELEGRAM_USER)
    assert [r.text.split(",")[0] for r in replies] == ["✅ Done: cream"]
    [(address, ref, edit)] = telegram.edits  # the reminder message itself now shows the answer
    assert address == Address("telegram", "100") and ref == "m1" and edit.buttons == ()
    assert shown.text.startswith("⏰")


async def test_a_note_that_reached_nobody_is_added_to_the_next_answer_once() -> None:
    app, telegram, _ = await linked_app()
    await say(app, "/remind cream in 1h", who=TELEGRAM_USER)
    account = app.regimen.account_for(TELEGRAM_USER)
    assert account is not None
    telegram.outages = 1
    await app.scheduler._notify(account.id, "a note")
    assert [r.text for r in await say(app, "/help", who=TELEGRAM_USER)][-1] == "a note"
    assert "a note" not in [r.text for r in await say(app, "/help", who=TELEGRAM_USER)]
