"""Fixtures shared by the adapter tests: discord_fake (the fake Discord gateway and REST API, installed for
discord.py), and telegram_fake, telegram_demo and telegram_adapter (the real Telegram adapter polling the fake
Bot API, with test_telegram_adapter.py's DemoBot as its handler)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.telegram_adapter import TelegramAdapter
from tests.adapters.fake_telegram import FakeTelegram, running_fake
from tests.adapters.test_telegram_adapter import DemoBot, make_adapter


@pytest.fixture
async def telegram_fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake() as server:
        yield server


@pytest.fixture
def telegram_demo(telegram_fake: FakeTelegram) -> DemoBot:
    return DemoBot(telegram_fake)


@pytest.fixture
async def telegram_adapter(telegram_fake: FakeTelegram, telegram_demo: DemoBot) -> AsyncIterator[TelegramAdapter]:
    tg = make_adapter(telegram_fake, telegram_demo)
    await tg.start()
    try:
        yield tg
    finally:
        await tg.stop()
