"""Discord unreachable at start-up, and a token it rejects: the real adapter against the local fake."""

from __future__ import annotations

import logging

import discord.http
import pytest

from adapters.discord_adapter import DiscordAdapter, TokenRejected
from adapters.link import CONNECTED, REJECTED, UNREACHABLE, Backoff
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.test_discord_adapter import Core, make_adapter
from tests.adapters.test_telegram_outage import eventually


@pytest.fixture
def core() -> Core:
    return Core()


NOWHERE = "http://127.0.0.1:9/api/v10"  # the discard port: nothing listens, the connection is refused


async def test_unreachable_at_start_retries_then_connects(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(discord_fake, core, reconnect=Backoff(first=0.05, cap=0.2))
    try:
        await adapter.start()  # returns after the first failed attempt
        assert adapter.link.state == UNREACHABLE and adapter.link.reason == "connection refused"
        await eventually(lambda: sum("Discord unreachable (" in r.getMessage() for r in caplog.records) >= 2)
        assert not [r for r in caplog.records if r.exc_info is not None]

        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)  # Discord is back
        await eventually(lambda: adapter.link.state == CONNECTED)
        user = discord_fake.user("alex")
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "hello"))
        assert (await core.next()).text == "hello"
    finally:
        await adapter.stop()


async def test_a_rejected_token_names_the_setting(discord_fake: FakeDiscord, core: Core) -> None:
    adapter = DiscordAdapter(core, "not-the-right-token-at-all", guild_ready_timeout=0.0)
    with pytest.raises(TokenRejected, match="DISCORD_TOKEN was rejected"):
        await adapter.start()
    assert adapter.link.state == REJECTED
    await adapter.stop()
