"""Both platforms configured: one unreachable or rejected never takes the other down (adapters/supervisor.py),
and the process gives up (exit 2) only when no adapter is left."""

from __future__ import annotations

import pytest

from adapters.base import Adapter
from adapters.link import CONNECTED, UNREACHABLE
from adapters.settings import PlatformSettings
from adapters.supervisor import NO_ADAPTER_LEFT, Supervisor
from adapters.wiring import build_platform_adapters
from bot.app import App
from storage.memory_store import MemoryStore
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.test_telegram_outage import eventually
from tests.adapters.wired import QUICK_CONNECTION, QUICK_LIMITS, QUICK_RETRIES


def both(app: App, telegram: FakeTelegram, discord: FakeDiscord) -> list[Adapter]:
    settings = PlatformSettings(
        telegram_token=TOKEN,
        telegram_base_url=telegram.base_url,
        discord_token=discord.token,
        reconnect_max_seconds=0.2,
    )
    return build_platform_adapters(
        app, settings, limits=QUICK_LIMITS, retry=QUICK_RETRIES, connection=QUICK_CONNECTION
    )


async def test_telegram_unreachable_leaves_discord_serving_until_it_returns(
    telegram_fake: FakeTelegram, discord_fake: FakeDiscord
) -> None:
    app = App(MemoryStore())
    telegram, discord = both(app, telegram_fake, discord_fake)
    supervisor = Supervisor(app, [telegram, discord], say=pytest.fail)
    await telegram_fake.refuse_connections()
    try:
        for adapter in (telegram, discord):
            await adapter.start()
        assert telegram.link.state == UNREACHABLE and discord.link.state == CONNECTED
        user = discord_fake.user("alex")
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "/help"))
        await discord_fake.wait_for("POST", r"/channels/\d+/messages")  # answered on Discord meanwhile

        await telegram_fake.accept_connections()
        await eventually(lambda: telegram.link.connected)
        telegram_fake.inject_message(5150, "/help")
        await telegram_fake.wait_for(lambda: telegram_fake.bot_messages(5150) or None)
        assert supervisor.in_service == [telegram, discord] and not app.stopping.is_set()
    finally:
        for adapter in (telegram, discord):
            await adapter.stop()


async def test_a_token_rejected_later_stops_that_adapter_only_and_the_last_one_stops_the_app(
    telegram_fake: FakeTelegram, discord_fake: FakeDiscord
) -> None:
    app = App(MemoryStore())
    telegram, discord = both(app, telegram_fake, discord_fake)
    said: list[str] = []
    supervisor = Supervisor(app, [telegram, discord], say=said.append)
    try:
        for adapter in (telegram, discord):
            await adapter.start()
        telegram_fake.token = "999:RevokedAndReplaced"
        await eventually(lambda: said)
        await supervisor.settled()
        assert said == [said[0]] and said[0].startswith("Configuration error: TELEGRAM_TOKEN was rejected")
        assert supervisor.in_service == [discord] and not app.stopping.is_set()
        assert not app.hub.has("telegram") and app.hub.has("discord")
        assert supervisor.exit_code == 0

        supervisor.retire(discord, "DISCORD_TOKEN was rejected by Discord")  # as its link would on a 4004
        assert supervisor.exit_code == NO_ADAPTER_LEFT and app.stopping.is_set()
        await supervisor.settled()
    finally:
        for adapter in (telegram, discord):
            await adapter.stop()
