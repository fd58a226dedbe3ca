"""Races between the lease callbacks (connect_shard / disconnect_shard), stop() and the Discord adapter's retry
tasks while Discord cannot be reached: the real adapter against the local fake."""

from __future__ import annotations

import asyncio
import gc
import json
import logging

import discord.gateway
import discord.http
import pytest
import yarl
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from adapters.link import CONNECTED, UNREACHABLE, Backoff, Link
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.test_discord_adapter import Core, make_adapter
from tests.adapters.test_telegram_outage import eventually

NOWHERE = "http://127.0.0.1:9/api/v10"


@pytest.fixture
def core() -> Core:
    return Core()


async def test_a_shard_lost_while_the_log_in_connects_the_wanted_shards_is_not_connected(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both shard leases gained during the outage; Discord comes back; while the log-in connects shard 0, the
    lease of shard 1 is lost (disconnect_shard(1)): shard 1 is not connected afterwards."""
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.1)
    )
    lost: list[asyncio.Task[None]] = []

    def on_change(link: Link) -> None:  # the lease of shard 1 is lost right as the log-in gets through
        if link.state == CONNECTED and not lost:
            lost.append(asyncio.ensure_future(adapter.disconnect_shard(1)))

    adapter.link.on_change(on_change)
    try:
        await adapter.start()
        assert adapter.link.state == UNREACHABLE
        await adapter.connect_shard(0)
        await adapter.connect_shard(1)
        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
        await eventually(lambda: bool(lost) and lost[0].done())
        await asyncio.sleep(0.5)
        assert 1 not in adapter._shards_wanted, "disconnect_shard(1) was undone"
        assert adapter.connected_shards == [0], adapter.connected_shards
        assert (1, 2) not in discord_fake.sessions(), discord_fake.sessions()
    finally:
        await adapter.stop()


async def test_stop_during_the_first_log_in_attempt_ends_start_without_a_cancellation(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop() (a shutdown signal, the Supervisor) while start() waits on the first log-in attempt: start() returns,
    it does not raise CancelledError into a caller nobody cancelled."""
    entered = asyncio.Event()
    original = discord.http.HTTPClient.static_login

    async def slow_login(self: discord.http.HTTPClient, token: str) -> object:
        entered.set()
        await asyncio.sleep(5)  # a Discord that accepts the connection but answers slowly
        return await original(self, token)

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", slow_login)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False)
    starting = asyncio.create_task(adapter.start())
    await entered.wait()
    await adapter.stop()
    done, _ = await asyncio.wait({starting}, timeout=2)
    assert done
    assert not starting.cancelled(), "start() ended as cancelled although nobody cancelled it"


async def test_a_send_during_a_log_in_attempt_is_mapped_to_a_delivery_error(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reminder sent while a log-in attempt is under way (its client has no HTTP session yet) fails as a
    transient delivery error (tried again later), not with an unexpected AttributeError."""
    from bot.delivery import TransientDeliveryError
    from bot.models import Address, Reply

    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False, reconnect=Backoff(first=0.05, cap=0.1))
    entered = asyncio.Event()
    original = discord.http.HTTPClient.static_login

    async def slow_login(self: discord.http.HTTPClient, token: str) -> object:
        entered.set()
        await asyncio.sleep(0.3)
        return await original(self, token)

    try:
        await adapter.start()  # first attempt failed: waiting
        monkeypatch.setattr(discord.http.HTTPClient, "static_login", slow_login)
        await entered.wait()  # the second attempt is under way
        with pytest.raises(TransientDeliveryError):
            await adapter.send(Address("discord", "1234567890"), Reply("⏰ stretch"))
    finally:
        await adapter.stop()


async def test_no_unretrieved_task_exception_after_stop_during_outage(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.1)
    )
    await adapter.start()
    await adapter.connect_shard(0)
    await asyncio.sleep(0.3)
    await adapter.stop()
    gc.collect()
    await asyncio.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_stop_then_start_again_keeps_no_stale_wanted_shards(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shard wanted during an outage and then stop(): a later start() connects no shard until a lease asks."""
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.1)
    )
    await adapter.start()
    await adapter.connect_shard(1)
    await adapter.stop()
    monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
    try:
        await adapter.start()
        await asyncio.sleep(0.5)
        assert adapter.connected_shards == [], adapter.connected_shards
    finally:
        await adapter.stop()


async def test_a_token_revoked_while_a_shard_retries_stops_the_adapter_without_a_lost_task_error(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As run_bot.py's Supervisor does: the link rejected -> stop(). The shard task's TokenRejected is read, so
    asyncio never logs 'Task exception was never retrieved'."""
    from adapters.link import REJECTED

    caplog.set_level(logging.INFO)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False, reconnect=Backoff(first=0.05, cap=0.1))
    stopping: list[asyncio.Task[None]] = []
    adapter.link.on_change(
        lambda link: stopping.append(asyncio.ensure_future(adapter.stop())) if link.state == REJECTED else None
    )
    await adapter.start()
    monkeypatch.setattr(discord.http.Route, "BASE", NOWHERE)
    await adapter.connect_shard(0)  # retrying
    discord_fake.token = "revoked-and-replaced"
    monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)
    await eventually(lambda: bool(stopping) and stopping[0].done())
    assert adapter.link.state == REJECTED
    gc.collect()
    await asyncio.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_shard_config_error_close_code_is_not_retried_as_an_outage(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A gateway closing with 4011 (sharding required; 4010, 4012-4014 alike) names a setting, not an outage: not
    retried as "Discord unreachable" every few seconds."""
    caplog.set_level(logging.INFO)

    async def gateway(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None}))
        async for frame in ws:
            if frame.type is WSMsgType.TEXT and json.loads(frame.data).get("op") == 2:
                await ws.close(code=4011, message=b"Sharding required.")
                break
        return ws

    app = web.Application()
    app.router.add_get("/gateway", gateway)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{server.port}/gateway")
    )
    adapter = make_adapter(
        discord_fake, core, gateway_on_start=False, shard_count=2, reconnect=Backoff(first=0.05, cap=0.1)
    )
    try:
        await adapter.start()
        await adapter.connect_shard(0)
        await asyncio.sleep(1.0)
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Discord unreachable (")]
        assert len(lines) <= 1, lines[:3]
    finally:
        await adapter.stop()
        await server.close()


async def test_a_shard_connected_without_waiting_is_given_up_at_once_while_its_log_in_hangs(
    discord_fake: FakeDiscord, core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The lease keeper's way (wait=False): connect_shard returns at once, so the loss of the lease (run after
    it, in order) does not wait behind a log-in that hangs, and the shard is closed."""
    caplog.set_level(logging.INFO)
    adapter = make_adapter(discord_fake, core, gateway_on_start=False)
    await adapter.start()
    original = discord.http.HTTPClient.static_login

    async def hanging_login(self: discord.http.HTTPClient, token: str) -> object:
        await asyncio.sleep(30)  # a Discord that accepts the connection and never answers
        return await original(self, token)

    try:
        monkeypatch.setattr(discord.http.HTTPClient, "static_login", hanging_login)
        await asyncio.wait_for(adapter.connect_shard(0, wait=False), 0.5)
        await asyncio.wait_for(adapter.disconnect_shard(0), 2.0)
        assert adapter.connected_shards == [] and discord_fake.sessions() == []

        monkeypatch.setattr(discord.http.HTTPClient, "static_login", original)
        await adapter.connect_shard(0, wait=False)
        await eventually(lambda: discord_fake.sessions() == [(0, 1)])
        await eventually(lambda: any(r.getMessage() == "Discord shard 0 of 1 connected" for r in caplog.records))
    finally:
        await adapter.stop()
