"""Discord unreachable at start-up, and a token it rejects: the real adapter against the local fake."""

from __future__ import annotations

import asyncio
import logging

import discord.http
import pytest

from adapters.discord_adapter import DiscordAdapter, TokenRejected
from adapters.link import CONNECTED, REJECTED, STOPPED, UNREACHABLE, Backoff
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.test_discord_adapter import Core, make_adapter
from tests.adapters.test_telegram_outage import eventually


@pytest.fixture
def core() -> Core:
    return Core()


NOWHERE = "http://127.0.0.1:9/api/v10"  # the discard port: nothing listens, the connection is refused


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Discord unreachable (")]


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


async def test_unreachable_at_the_lease_gated_log_in_retries_then_connects_the_wanted_shard(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As a peer starts (log-in only; each shard's gateway once its lease is held): not a stop of start-up."""
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.2)
    )
    try:
        await adapter.start()  # returns after the first failed attempt, trying again in the background
        assert adapter.link.state == UNREACHABLE and adapter.link.reason == "connection refused"
        await adapter.connect_shard(1)  # the lease of shard 1 gained meanwhile: connected once logged in
        await eventually(lambda: len(retry_lines(caplog)) >= 3)
        assert all(r.levelno == logging.WARNING and "retrying in" in r.getMessage() for r in retry_lines(caplog))
        assert not [r for r in caplog.records if r.exc_info is not None]
        assert adapter.connected_shards == [] and discord_fake.sessions() == []

        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)  # Discord is back
        await eventually(lambda: adapter.link.state == CONNECTED and discord_fake.sessions() == [(1, 2)])
        assert adapter.connected_shards == [1]
        user = discord_fake.user("alex")
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "hello"))
        assert (await core.next()).text == "hello"
    finally:
        await adapter.stop()


async def test_a_shard_given_up_while_logging_in_is_not_connected_later(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False, reconnect=Backoff(first=0.05, cap=0.1))
    try:
        await adapter.start()
        await adapter.connect_shard(0)
        await adapter.disconnect_shard(0)  # the lease lost before Discord answered
        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
        await eventually(lambda: adapter.link.state == CONNECTED)
        await asyncio.sleep(0.2)
        assert adapter.connected_shards == [] and discord_fake.sessions() == []
    finally:
        await adapter.stop()


async def test_stop_while_the_lease_gated_log_in_retries_ends_at_once(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False, reconnect=Backoff(first=30.0, cap=60.0))
    await adapter.start()
    assert adapter.link.state == UNREACHABLE
    await asyncio.wait_for(adapter.stop(), 2.0)  # not after the 15-30 s wait
    assert adapter.link.state == STOPPED


async def test_a_rejected_token_at_the_lease_gated_log_in_stops_only_that_adapter(
    discord_fake: FakeDiscord, core: Core
) -> None:
    adapter = DiscordAdapter(core, "not-the-right-token-at-all", guild_ready_timeout=0.0, gateway_on_start=False)
    with pytest.raises(TokenRejected, match="DISCORD_TOKEN was rejected"):
        await adapter.start()
    assert adapter.link.state == REJECTED
    await adapter.stop()


async def test_a_token_rejected_after_an_outage_at_the_lease_gated_log_in_marks_the_link_rejected(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = DiscordAdapter(
        core,
        "not-the-right-token-at-all",
        guild_ready_timeout=0.0,
        gateway_on_start=False,
        reconnect=Backoff(first=0.05, cap=0.1),
    )
    try:
        await adapter.start()  # unreachable: no verdict yet
        assert adapter.link.state == UNREACHABLE
        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
        await eventually(lambda: adapter.link.state == REJECTED)  # what run_bot.py's Supervisor retires
        assert "DISCORD_TOKEN" in adapter.link.reason
    finally:
        await adapter.stop()


async def test_a_shard_connected_while_discord_is_unreachable_after_the_log_in_retries_then_connects(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Logged in, then Discord drops before the lease of a shard is gained: the shard's own log-in and gateway
    are tried again with the back-off (one line each, no traceback) and connect when Discord is back."""
    caplog.set_level(logging.INFO)
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.2)
    )
    try:
        await adapter.start()
        assert adapter.link.state == CONNECTED
        monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)  # Discord drops
        await asyncio.wait_for(adapter.connect_shard(0), 2.0)  # returns after the first failed attempt
        assert adapter.link.state == UNREACHABLE and adapter.link.reason == "connection refused"
        await eventually(lambda: len(retry_lines(caplog)) >= 3)
        assert all(r.levelno == logging.WARNING and "retrying in" in r.getMessage() for r in retry_lines(caplog))
        assert not [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
        assert adapter.connected_shards == [0] and discord_fake.sessions() == []  # held: still trying

        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)  # Discord is back
        await eventually(lambda: adapter.link.state == CONNECTED and discord_fake.sessions() == [(0, 2)])
        user = discord_fake.user("alex")
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "hello"))
        assert (await core.next()).text == "hello"
    finally:
        await adapter.stop()


async def test_a_shard_given_up_while_its_attempts_wait_stops_at_once_and_does_not_connect(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False, reconnect=Backoff(first=30.0, cap=60.0))
    try:
        await adapter.start()
        monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
        await adapter.connect_shard(0)
        assert len(retry_lines(caplog)) == 1  # now waiting 15-30 s before the next attempt
        await asyncio.wait_for(adapter.disconnect_shard(0), 2.0)  # the lease lost: not after that wait
        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
        await asyncio.sleep(0.2)
        assert adapter.connected_shards == [] and discord_fake.sessions() == []
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await adapter.stop()



def test_discord_py_reconnects_within_five_minutes_between_attempts() -> None:
    """The gateway's own reconnects wait at most 2^8 s (discord.py's default ceiling is 2^10, about 17 min).
    The cap is a name replaced in discord.client: if a discord.py release stops looking it up, this fails."""
    import inspect

    import discord.client

    from adapters.discord_adapter import _CappedBackoff

    assert getattr(discord.client, "ExponentialBackoff") is _CappedBackoff  # noqa: B009 - not exported
    assert "ExponentialBackoff(" in inspect.getsource(discord.Client.connect)
    backoff = _CappedBackoff()
    delays = [backoff.delay() for _ in range(200)]
    assert max(delays) <= 2**8 < 300 and max(delays[20:]) > 2**7  # the ceiling is reached, never passed
