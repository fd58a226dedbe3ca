"""Telegram unreachable, at start-up and mid-run, and a token it rejects: through the real adapter, against
the local fake Bot API (which stops listening, so nothing reaches it), with quick back-offs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from adapters.link import CONNECTED, REJECTED, UNREACHABLE, Backoff
from adapters.settings import PlatformSettings
from adapters.telegram_adapter import TelegramAdapter, TokenRejected
from adapters.wiring import Connection
from bot.app import App
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from storage.records import RETRY
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.test_telegram_adapter import DemoBot, make_adapter
from tests.adapters.wired import wired

USER = 4242
QUICK = Backoff(first=0.05, cap=0.2)


async def eventually(condition: Callable[[], object], within: float = 10.0) -> None:
    """Wait for something the adapter does in the background (a reconnect), looking every 20 ms."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Telegram unreachable (")]


async def test_unreachable_at_start_retries_in_the_background_then_serves(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await telegram_fake.refuse_connections()
    demo = DemoBot(telegram_fake)
    adapter = make_adapter(telegram_fake, demo, reconnect=Backoff(first=0.05, cap=0.2))
    try:
        await adapter.start()  # returns: the platform is tried again in the background
        assert adapter.link.state == UNREACHABLE and adapter.link.reason == "connection refused"
        await eventually(lambda: len(retry_lines(caplog)) >= 3)
        lines = retry_lines(caplog)
        assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)  # one line, no traceback
        assert all("retrying in" in r.getMessage() for r in lines)
        assert not [r for r in caplog.records if r.exc_info is not None]

        await telegram_fake.accept_connections()
        await eventually(lambda: adapter.link.connected)
        telegram_fake.inject_message(USER, "hello")
        await telegram_fake.wait_for(lambda: telegram_fake.texts(USER) == ["echo: hello"] or None)
    finally:
        await adapter.stop()


async def test_a_token_rejected_at_start_names_the_setting(telegram_fake: FakeTelegram) -> None:
    adapter = TelegramAdapter(DemoBot(telegram_fake), "999:NotTheTokenOfThisBot", base_url=telegram_fake.base_url)
    with pytest.raises(TokenRejected, match="TELEGRAM_TOKEN was rejected"):
        await adapter.start()
    assert adapter.link.state == REJECTED
    await adapter.stop()


async def test_a_token_rejected_later_marks_the_link_rejected(telegram_fake: FakeTelegram) -> None:
    adapter = make_adapter(telegram_fake, DemoBot(telegram_fake))
    await adapter.start()
    try:
        assert adapter.link.state == CONNECTED
        telegram_fake.token = "999:RevokedAndReplaced"  # the bot's token was revoked in @BotFather
        await eventually(lambda: adapter.link.state == REJECTED)
        assert "TELEGRAM_TOKEN" in adapter.link.reason
    finally:
        await adapter.stop()


async def test_down_mid_run_with_reminders_due_each_goes_out_once_when_it_returns(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    app = App(MemoryStore(), clock)
    settings = PlatformSettings(telegram_token=TOKEN, telegram_base_url=telegram_fake.base_url)
    adapter = wired(app, settings, connection=Connection(telegram_poll_timeout=1, telegram_request_timeout=0.5))
    users = [7001, 7002, 7003]
    await adapter.start()
    try:
        for user in users:
            telegram_fake.inject_message(user, f"/remind stretch {user} in 1m")
        await telegram_fake.wait_for(lambda: all(telegram_fake.bot_messages(u) for u in users) or None, within=20)

        await telegram_fake.refuse_connections()
        clock.advance(60)
        await app.scheduler.tick()  # every send fails to connect: nothing left, so each is due again later
        await eventually(lambda: adapter.link.state == UNREACHABLE)
        waiting = app.store.open_occurrences_with_status(RETRY)
        assert len(waiting) == 3 and all(o.fire_at >= clock.now().timestamp() + 30 for o in waiting)
        clock.advance(10)  # a while later, still inside the back-off
        await app.scheduler.tick()
        assert not any(m.text.startswith("⏰") for u in users for m in telegram_fake.bot_messages(u))

        await telegram_fake.accept_connections()  # back: the next getUpdates gets through
        await eventually(lambda: adapter.link.connected)
        now = clock.now().timestamp()
        await eventually(lambda: all(o.fire_at <= now for o in app.store.open_occurrences_with_status(RETRY)))
        await app.scheduler.tick()
        for _ in range(3):  # later passes send nothing again
            clock.advance(3600)
            await app.scheduler.tick()
        for user in users:
            reminders = [m.text for m in telegram_fake.bot_messages(user) if m.text.startswith("⏰")]
            assert len(reminders) == 1, reminders
        assert not [r for r in caplog.records if r.exc_info is not None and r.levelno < logging.ERROR]
    finally:
        await adapter.stop()


@pytest.mark.parametrize("answered_first", [True, False], ids=["after-first-answer", "before-first-answer"])
async def test_polling_started_under_its_lease_while_unreachable_retries_then_polls(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture, answered_first: bool
) -> None:
    """A peer gains the poll lease while Telegram cannot be reached (after it first answered, or before)."""
    caplog.set_level(logging.INFO)
    adapter = make_adapter(telegram_fake, DemoBot(telegram_fake), poll_on_start=False, reconnect=QUICK)
    try:
        if not answered_first:
            await telegram_fake.refuse_connections()
        await adapter.start()
        if answered_first:
            await telegram_fake.refuse_connections()
        await adapter.start_polling()  # what the lease keeper calls: neither raises nor gives up
        await eventually(lambda: len(retry_lines(caplog)) >= 2)
        assert not adapter.polling and adapter.link.state == UNREACHABLE
        assert all(r.levelno == logging.WARNING and "retrying in" in r.getMessage() for r in retry_lines(caplog))
        assert not [r for r in caplog.records if r.exc_info is not None]

        await telegram_fake.accept_connections()
        await eventually(lambda: adapter.polling and adapter.link.connected)
        telegram_fake.inject_message(USER, "hello")
        await telegram_fake.wait_for(lambda: telegram_fake.texts(USER) == ["echo: hello"] or None)
    finally:
        await adapter.stop()


async def test_polling_given_up_while_unreachable_is_not_started_later(telegram_fake: FakeTelegram) -> None:
    adapter = make_adapter(telegram_fake, DemoBot(telegram_fake), poll_on_start=False, reconnect=QUICK)
    await adapter.start()
    try:
        await telegram_fake.refuse_connections()
        await adapter.start_polling()
        await adapter.stop_polling()  # the lease lost before Telegram answered again
        await telegram_fake.accept_connections()
        await asyncio.sleep(0.3)
        assert not adapter.polling
    finally:
        await adapter.stop()


@pytest.mark.parametrize("unreachable_first", [True, False], ids=["after-an-outage", "at-once"])
async def test_a_token_revoked_before_polling_starts_under_its_lease_marks_the_link_rejected(
    telegram_fake: FakeTelegram, caplog: pytest.LogCaptureFixture, unreachable_first: bool
) -> None:
    """Revoked while this peer waited for the poll lease: its start of polling names the setting (what run_bot.py's
    Supervisor retires the adapter on) and nothing is left behind to fail later unseen."""
    caplog.set_level(logging.INFO)
    adapter = make_adapter(telegram_fake, DemoBot(telegram_fake), poll_on_start=False, reconnect=QUICK)
    await adapter.start()
    try:
        telegram_fake.token = "999:RevokedAndReplaced"
        if unreachable_first:
            await telegram_fake.refuse_connections()
        await adapter.start_polling()
        if unreachable_first:
            await eventually(lambda: len(retry_lines(caplog)) >= 1)
            await telegram_fake.accept_connections()
        await eventually(lambda: adapter.link.state == REJECTED)
        assert "TELEGRAM_TOKEN" in adapter.link.reason and not adapter.polling
        await asyncio.sleep(0.3)
        assert adapter.link.state == REJECTED
        assert not [r for r in caplog.records if r.exc_info is not None or "RevokedAndReplaced" in r.getMessage()]
    finally:
        await adapter.stop()
