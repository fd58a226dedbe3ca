"""End to end on Telegram: the real App (core, hub, scheduler) behind the real python-telegram-bot stack.

/start, /timezone and /remind in a private chat -> the scheduler delivers the reminder through the
adapter with Done / Snooze / Skip buttons -> Done is pressed -> the reminder message is edited and its
keyboard removed. The clock is a FakeClock moved past the due time, so nothing waits for real time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.telegram_adapter import FloodLimits, TelegramAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.commands import menu
from bot.ratelimit import TELEGRAM_LIMITS
from storage.memory_store import MemoryStore
from tests.adapters.fake_telegram import TOKEN, StoredMessage, running_fake

USER = 4242


def nth_message(messages: list[StoredMessage], count: int) -> StoredMessage | None:
    return messages[count - 1] if len(messages) >= count else None


async def test_remind_then_done_over_telegram() -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = App(store=MemoryStore(), clock=clock)
    async with running_fake() as fake:
        adapter = TelegramAdapter(
            app.handle,
            TOKEN,
            base_url=fake.base_url,
            commands=menu(),
            poll_timeout=1,
            limits=FloodLimits(private_interval=0.05, group_interval=0.05),
        )
        app.hub.register(adapter, TELEGRAM_LIMITS)
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
