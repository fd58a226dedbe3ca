"""End to end on Telegram: the real App (core, hub, scheduler) behind the real python-telegram-bot stack,
wired by adapters.wiring as run_bot.py wires it.

/start, /timezone and /remind in a private chat -> the scheduler delivers the reminder through the
adapter with Done / Snooze / Skip buttons -> Done is pressed -> the reminder message is edited and its
keyboard removed. The clock is a FakeClock moved past the due time, so nothing waits for real time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from adapters.settings import PlatformSettings
from bot.app import App
from bot.models import Address, Identity, IncomingMessage, Reply
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from tests.adapters.fake_telegram import TOKEN, StoredMessage, running_fake
from tests.adapters.wired import wired

USER = 4242


def nth_message(messages: list[StoredMessage], count: int) -> StoredMessage | None:
    return messages[count - 1] if len(messages) >= count else None


async def test_remind_then_done_over_telegram() -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    async with running_fake() as fake:
        adapter = wired(app, PlatformSettings(telegram_token=TOKEN, telegram_base_url=fake.base_url))
        await adapter.start()
        try:
            assert {entry["command"] for entry in fake.commands} >= {"start", "timezone", "remind"}

            fake.inject_message(USER, "/start")
            welcome = await fake.wait_for(lambda: nth_message(fake.bot_messages(USER), 1))
            assert welcome.text

            fake.inject_message(USER, "/timezone Europe/Berlin")
            zone = await fake.wait_for(lambda: nth_message(fake.bot_messages(USER), 2))
            assert "Europe/Berlin" in zone.text

            fake.inject_message(USER, "/remind stretch in 2s")
            confirmation = await fake.wait_for(lambda: nth_message(fake.bot_messages(USER), 3))
            assert "stretch" in confirmation.text

            clock.advance(3)
            await app.scheduler.tick()
            reminder = await fake.wait_for(lambda: nth_message(fake.bot_messages(USER), 4))
            assert "stretch" in reminder.text
            labels = [label for row in reminder.buttons for label, _ in row]
            assert any("Done" in label for label in labels)
            assert any("💤" in label or "snooze" in label.lower() for label in labels)  # "💤 15 min", ...
            assert any("Skip" in label for label in labels)
            payloads = [payload for row in reminder.buttons for _, payload in row]
            assert all(len(payload.encode()) <= 64 for payload in payloads)

            done = next(payload for row in reminder.buttons for label, payload in row if "Done" in label)
            query_id = fake.press_button(USER, USER, reminder.message_id, done)
            await fake.wait_for(lambda: reminder.edits)
            assert query_id in fake.answered_callbacks
            assert "stretch" in reminder.text
            assert not any("Done" in label for row in reminder.buttons for label, _ in row)
        finally:
            await adapter.stop()


async def test_forged_webhook_updates_do_nothing_over_telegram(unused_tcp_port: int) -> None:
    """Webhook mode with no secret configured: the adapter makes one and registers it, and a forged
    update "from" the victim (no header, a wrong one) never reaches the core, so a forged /forget confirm
    or /link CODE changes nothing. The same update with the registered secret is acted on."""
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    handled: list[str] = []

    async def handler(msg: IncomingMessage) -> list[Reply]:
        handled.append(msg.text)
        return await app.handle(msg)

    # The attacker asks for a link code on Discord (through the core: only Telegram is under test here).
    attacker = Identity("discord", "attacker")
    asking = IncomingMessage(attacker, Address("discord", "attacker"), text="/link", is_private=True)
    (issued,) = await app.handle(asking)
    code_match = re.search(r"/link (\S+)", issued.text)
    assert code_match is not None
    code = code_match.group(1)

    async with running_fake() as fake:
        port = unused_tcp_port
        settings = PlatformSettings(
            telegram_token=TOKEN,
            telegram_base_url=fake.base_url,
            telegram_webhook_url=f"http://127.0.0.1:{port}/hook",
            telegram_webhook_port=port,
        )
        adapter = wired(app, settings, handler=handler)
        await adapter.start()
        try:
            secret = fake.webhook_secret
            assert secret  # generated and registered with setWebhook

            fake.inject_message(USER, "/remind stretch every day at 21:30")  # Telegram's own delivery, with the secret
            await fake.wait_for(lambda: nth_message(fake.bot_messages(USER), 1))
            victim = app.store.get_identity(f"telegram:{USER}")
            assert victim is not None
            reminders = app.store.reminders_of(victim.account_id)
            assert [r.text for r in reminders] == ["stretch"]
            handled_before, sent_before = list(handled), len(fake.bot_messages(USER))

            for update_id, text in enumerate(("/forget confirm", f"/link {code}"), start=900):
                for header in (None, "guess", secret[:-1]):
                    assert await fake.post_to_webhook(forged(update_id, USER, text), secret=header) == 403

            assert handled == handled_before  # the core never saw them
            assert len(fake.bot_messages(USER)) == sent_before
            after = app.store.get_identity(f"telegram:{USER}")
            assert after is not None and after.account_id == victim.account_id
            assert app.store.reminders_of(victim.account_id) == reminders
            attacker_record = app.store.get_identity(attacker.key)
            assert attacker_record is not None and attacker_record.account_id != victim.account_id
            assert app.store.reminders_of(attacker_record.account_id) == []

            # With the registered secret the same update is acted on: the header was all that stopped it.
            assert await fake.post_to_webhook(forged(950, USER, "/forget confirm"), secret=secret) == 200
            await fake.wait_for(lambda: app.store.get_identity(f"telegram:{USER}") is None or None)
            assert handled[-1] == "/forget confirm"
        finally:
            await adapter.stop()


def forged(update_id: int, user: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Victim"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }
