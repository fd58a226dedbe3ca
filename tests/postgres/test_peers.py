"""Two peers on one real PostgreSQL database, each a real App behind a real adapter, wired as run_bot.py
wires them (adapters.wiring with a LeaseKeeper, bot.peers.lease_dispatcher), against the local fakes.

Telegram allows one getUpdates consumer: only the holder of "telegram-poll" polls (the fake records who
polled, each peer having its own base URL), and when it stops or dies the other polls within the bound of
the TTL used here. A peer that does not poll still sends. On Discord, only the holder of "discord-shard-0"
has a gateway session, and the other still sends through the REST API.

Starting a peer as a process against the fakes instead (for the multi-peer kill tests): `PeerProcess.start`
runs `python run_bot.py` with `peer_environment` (BOT_DATABASE_URL, TELEGRAM_TOKEN, and TELEGRAM_BASE_URL
set to the fake's `base_url_for(peer)`), and `wait_for_line` reads its log ("holding leases: ..." says what it
holds); SIGTERM is a clean stop, SIGKILL a death.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import discord.http
import psycopg
import pytest

from adapters.base import Adapter
from adapters.discord_adapter import DiscordAdapter
from adapters.link import UNREACHABLE
from adapters.settings import PlatformSettings
from adapters.telegram_adapter import TelegramAdapter
from adapters.wiring import TELEGRAM_POLL, build_platform_adapters, discord_shard_lease
from bot.app import App
from bot.models import DISCORD, TELEGRAM, Address, Reply
from bot.peers import DISPATCHER, LeaseKeeper, lease_dispatcher
from bot.peers import TTL as TTL_IN_PRODUCTION
from storage.postgres import PostgresStore
from storage.postgres.leases import LeaseTable
from tests import pg_server
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import FakeTelegram, running_fake
from tests.adapters.wired import QUICK_CONNECTION, QUICK_LIMITS, QUICK_RETRIES

TTL, RENEW, MARGIN = 2.0, 0.2, 0.5  # quick figures; production's are 5 s, 1 s, 1.5 s
SLACK = 1.0
USER = 4242
ROOT = Path(__file__).resolve().parents[2]


def peer_environment(database_url: str, telegram: FakeTelegram, peer: str) -> dict[str, str]:
    """The environment for `python run_bot.py` as one peer against the fake Bot API: the same database and
    token for every peer, a base URL of its own so the fake tells the peers' polls apart. (discord.py
    cannot be pointed at the Discord fake from the environment; start Discord peers in-process, as here.)"""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
    env.update(
        BOT_DATABASE_URL=database_url,
        TELEGRAM_TOKEN=telegram.token,
        TELEGRAM_BASE_URL=telegram.base_url_for(peer),
        LOG_LEVEL="INFO",  # "holding leases: ..." lines on stderr say what the peer holds
    )
    return env


@dataclass
class PeerProcess:
    """`python run_bot.py` as one peer; its log lines (stderr) are collected in `lines`."""

    name: str
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    @classmethod
    async def start(cls, name: str, env: dict[str, str], cwd: Path) -> PeerProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "run_bot.py"),
            cwd=cwd,  # no .env there
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(name, process)

    async def wait_for_line(self, fragment: str, within: float = 20.0) -> str:
        """The first log line containing `fragment` (reading on as needed)."""
        for line in self.lines:
            if fragment in line:
                return line
        assert self.process.stderr is not None
        deadline = time.monotonic() + within
        while True:
            raw = await asyncio.wait_for(self.process.stderr.readline(), max(0.01, deadline - time.monotonic()))
            if not raw:
                raise AssertionError(f"peer {self.name} ended without {fragment!r}: {self.lines[-10:]}")
            self.lines.append(raw.decode(errors="replace").rstrip())
            if fragment in self.lines[-1]:
                return self.lines[-1]

    async def end(self, signum: int = signal.SIGTERM, within: float = 30.0) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signum)
        assert self.process.stderr is not None
        rest = await asyncio.wait_for(self.process.stderr.read(), within)
        self.lines.extend(rest.decode(errors="replace").splitlines())
        return await self.process.wait()


@dataclass
class Peer:
    name: str
    store: PostgresStore
    app: App
    keeper: LeaseKeeper
    adapter: Adapter
    runner: asyncio.Task[None]

    async def stop(self) -> None:
        """A clean stop, in run_bot.py serve()'s order: the pass under way, the leased work and the leases,
        then the adapter."""
        self.app.stop()
        await self.runner
        await self.keeper.stop()
        await self.adapter.stop()
        self.app.close()
        self.store.close()

    async def die(self) -> None:
        """As if killed: nothing is released and no lease's work is stopped by its callback; the process
        just stops talking to anyone."""
        await self.keeper.abandon()
        self.runner.cancel()
        await asyncio.wait({self.runner})
        await self.adapter.stop()
        self.app.close()
        self.store.close()


async def start_peer(name: str, url: str, settings: PlatformSettings) -> Peer:
    store = PostgresStore(url)
    app = App(store)
    keeper = LeaseKeeper(LeaseTable(url, name), ttl=TTL, renew_every=RENEW, margin=MARGIN)
    lease_dispatcher(keeper, app)
    [adapter] = build_platform_adapters(
        app, settings, limits=QUICK_LIMITS, retry=QUICK_RETRIES, connection=QUICK_CONNECTION, keeper=keeper
    )
    await adapter.start()
    keeper.start()
    return Peer(name, store, app, keeper, adapter, asyncio.create_task(app.run()))


def retry_lines(caplog: pytest.LogCaptureFixture, platform: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(f"{platform} unreachable (")]


async def until(condition: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within}s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def url() -> str:
    return pg_server.fresh_database()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with running_fake() as fake:
        yield fake


def telegram_settings(fake: FakeTelegram, peer: str) -> PlatformSettings:
    return PlatformSettings(telegram_token=fake.token, telegram_base_url=fake.base_url_for(peer))


def reminders_to(fake: FakeTelegram, chat: int, what: str) -> list[str]:
    return [text for text in fake.texts(chat) if what in text and "Done" not in text and "next" not in text.lower()]


async def two_telegram_peers(url: str, fake: FakeTelegram) -> tuple[Peer, Peer]:
    first = await start_peer("a", url, telegram_settings(fake, "a"))
    await until(lambda: fake.pollers() == ["a"], within=RENEW + SLACK)
    second = await start_peer("b", url, telegram_settings(fake, "b"))
    await asyncio.sleep(5 * RENEW)
    return first, second


async def test_only_the_poll_lease_holder_polls_and_a_clean_stop_hands_over_at_once(
    url: str, telegram: FakeTelegram
) -> None:
    a, b = await two_telegram_peers(url, telegram)
    try:
        assert a.keeper.held == [DISPATCHER, TELEGRAM_POLL] and b.keeper.held == []
        since = telegram.clock()
        await asyncio.sleep(1.5)  # more than one long poll (1 s here) of each, were both polling
        assert telegram.pollers(since) == ["a"]
        assert isinstance(b.adapter, TelegramAdapter) and not b.adapter.polling

        telegram.inject_message(USER, "/help")  # answered by the peer that polls
        await telegram.wait_for(lambda: telegram.bot_messages(USER) or None)
        await b.app.hub.send(Address(TELEGRAM, str(USER)), Reply("sent by the peer that does not poll"))
        assert "sent by the peer that does not poll" in telegram.texts(USER)

        stopped = telegram.clock()
        await a.stop()
        took = await until(lambda: "b" in telegram.pollers(stopped), within=10)
        assert took <= RENEW + SLACK  # released: no waiting for the TTL
        first_b = min(at for peer, at in telegram.polls if peer == "b")
        assert not [at for peer, at in telegram.polls if peer == "a" and at >= first_b]
        assert b.keeper.held == [DISPATCHER, TELEGRAM_POLL]
    finally:
        if not a.runner.done():
            await a.stop()
        await b.stop()


async def test_when_the_poller_dies_the_other_polls_and_answers_within_ten_seconds(
    url: str, telegram: FakeTelegram
) -> None:
    a, b = await two_telegram_peers(url, telegram)
    try:
        telegram.inject_message(USER, "/start")
        await telegram.wait_for(lambda: telegram.bot_messages(USER) or None)
        answered = len(telegram.bot_messages(USER))
        died = telegram.clock()
        await a.die()
        gone = telegram.clock()  # (its adapter's teardown polled once more, to mark what it fetched as read)
        took = await until(lambda: "b" in telegram.pollers(died), within=10)
        assert took <= TTL + RENEW + SLACK  # the dead holder's lease ran out, then one round
        telegram.inject_message(USER, "/help")
        await telegram.wait_for(lambda: len(telegram.bot_messages(USER)) > answered or None, within=10)
        assert telegram.clock() - died < 10
        assert telegram.pollers(gone) == ["b"]
    finally:
        await b.stop()


async def test_a_reminder_due_with_two_peers_running_is_sent_once(url: str, telegram: FakeTelegram) -> None:
    a, b = await two_telegram_peers(url, telegram)
    try:
        telegram.inject_message(USER, "/remind stretch in 2s")
        await telegram.wait_for(lambda: telegram.bot_messages(USER) or None)
        confirmations = len(telegram.bot_messages(USER))
        await telegram.wait_for(lambda: len(telegram.bot_messages(USER)) > confirmations or None, within=10)
        await asyncio.sleep(2)  # time for a second copy to show, were there one
        sent = telegram.bot_messages(USER)[confirmations:]
        assert len(sent) == 1 and "stretch" in sent[0].text
    finally:
        await a.stop()
        await b.stop()


async def test_the_poll_lease_gained_while_telegram_is_unreachable_polls_when_it_returns(
    url: str, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """The poller dies during an outage: the other peer gains the lease, its polling start retries (one line
    per attempt, no traceback) and it polls and answers once Telegram is back."""
    caplog.set_level(logging.INFO)
    a, b = await two_telegram_peers(url, telegram)
    try:
        await telegram.refuse_connections()
        await a.die()
        await until(lambda: TELEGRAM_POLL in b.keeper.held, within=TTL + RENEW + SLACK)
        await until(lambda: len(retry_lines(caplog, "Telegram")) >= 2, within=10)
        survivor = b.adapter
        assert isinstance(survivor, TelegramAdapter) and not survivor.polling
        assert not [r for r in caplog.records if r.exc_info is not None and r.name.startswith(("adapters", "bot"))]

        back = telegram.clock()
        await telegram.accept_connections()
        await until(lambda: survivor.polling and "b" in telegram.pollers(back), within=10)
        telegram.inject_message(USER, "/help")
        await telegram.wait_for(lambda: telegram.bot_messages(USER) or None, within=10)
        assert telegram.pollers(back) == ["b"]
    finally:
        await b.stop()


# ---- Discord --------------------------------------------------------------------------------------


def discord_settings(fake: FakeDiscord) -> PlatformSettings:
    return PlatformSettings(discord_token=fake.token)


async def two_discord_peers(url: str, fake: FakeDiscord) -> tuple[Peer, Peer]:
    """Peer a holding shard 0's gateway session, then peer b (without one)."""
    first = await start_peer("a", url, discord_settings(fake))
    try:
        await until(lambda: fake.sessions() == [(0, 1)], within=RENEW + SLACK + 2)
        return first, await start_peer("b", url, discord_settings(fake))
    except BaseException:
        await first.stop()
        raise


async def test_one_gateway_session_per_shard_and_every_peer_sends(url: str, discord_fake: FakeDiscord) -> None:
    a, b = await two_discord_peers(url, discord_fake)
    try:
        await asyncio.sleep(5 * RENEW)
        assert discord_shard_lease(0) in a.keeper.held and b.keeper.held == []
        assert discord_fake.sessions() == [(0, 1)]
        assert isinstance(b.adapter, DiscordAdapter) and b.adapter.connected_shards == []

        user = discord_fake.user("sam")
        mark = discord_fake.mark()
        await b.app.hub.send(Address(DISCORD, user["id"]), Reply("sent over REST by the peer without a shard"))
        await discord_fake.wait_for("POST", r"/channels/\d+/messages", since=mark)

        await a.die()
        survivor = b.adapter
        took = await until(lambda: survivor.connected_shards == [0] and discord_fake.sessions() == [(0, 1)], 10)
        assert took <= TTL + RENEW + SLACK + 1  # plus the shard client's log-in and IDENTIFY
    finally:
        await b.stop()
        if not a.runner.done():
            await a.stop()


async def test_the_shard_lease_gained_while_discord_is_unreachable_connects_when_it_returns(
    url: str, discord_fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The shard holder dies during an outage: the other peer gains the shard's lease, the shard's log-in and
    gateway are tried again with the back-off (one line per attempt, no traceback, no ERROR), and it connects
    and answers once Discord is back."""
    caplog.set_level(logging.INFO)
    a, b = await two_discord_peers(url, discord_fake)
    try:
        assert isinstance(b.adapter, DiscordAdapter)
        monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing listens there
        await a.die()
        await until(lambda: discord_shard_lease(0) in b.keeper.held, within=TTL + RENEW + SLACK)
        await until(lambda: len(retry_lines(caplog, "Discord")) >= 2, within=10)
        assert discord_fake.sessions() == [] and b.adapter.link.state == UNREACHABLE
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

        monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.base_url)  # Discord is back
        survivor = b.adapter
        await until(lambda: survivor.link.connected and discord_fake.sessions() == [(0, 1)], within=10)
        user = discord_fake.user("sam")
        mark = discord_fake.mark()
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "/help"))
        await discord_fake.wait_for("POST", r"/channels/\d+/messages", since=mark)
    finally:
        await b.stop()
        if not a.runner.done():
            await a.stop()


# ---- run_bot.py peers ---------------------------------------------------------------------------------


async def test_run_bot_peers_log_their_leases_and_a_sigterm_hands_them_over(
    url: str, telegram: FakeTelegram, tmp_path: Path
) -> None:
    first = await PeerProcess.start("p1", peer_environment(url, telegram, "p1"), tmp_path)
    second: PeerProcess | None = None
    try:
        assert "dispatcher, telegram-poll" in await first.wait_for_line("holding leases: dispatcher")
        second = await PeerProcess.start("p2", peer_environment(url, telegram, "p2"), tmp_path)
        await second.wait_for_line("holding leases: none")
        await second.wait_for_line("telegram adapter started")
        await asyncio.sleep(1.5)
        assert telegram.pollers() == ["p1"]  # (a long poll lasts 25 s in production: p1's is still open)

        stopped, handover = time.monotonic(), telegram.clock()
        assert await first.end(signal.SIGTERM) == 0
        assert any("stopped cleanly" in line for line in first.lines)
        await second.wait_for_line("holding leases: dispatcher, telegram-poll", within=10)
        assert time.monotonic() - stopped < TTL_IN_PRODUCTION  # released, not left to expire
        await until(lambda: "p2" in telegram.pollers(handover), within=5)
        telegram.inject_message(USER, "/help")
        await telegram.wait_for(lambda: telegram.bot_messages(USER) or None, within=10)
    finally:
        await first.end(signal.SIGKILL)
        if second is not None:
            assert await second.end(signal.SIGTERM) == 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM leases").fetchone() == (0,)  # both released theirs


async def test_a_dm_channel_seen_by_a_shard_still_sends_after_that_shard_is_given_up(
    url: str, discord_fake: FakeDiscord
) -> None:
    peer = await start_peer("a", url, discord_settings(discord_fake))
    try:
        adapter = peer.adapter
        assert isinstance(adapter, DiscordAdapter)
        await until(lambda: adapter.connected_shards == [0], within=RENEW + SLACK + 2)
        user = discord_fake.user("sam")
        mark = discord_fake.mark()
        await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.dm_text(user, "/help"))
        await discord_fake.wait_for("POST", r"/channels/\d+/messages", since=mark)  # answered, channel remembered
        await adapter.disconnect_shard(0)  # as on losing the lease: that client is closed
        mark = discord_fake.mark()
        await peer.app.hub.send(Address(DISCORD, user["id"]), Reply("still reachable"))
        call = await discord_fake.wait_for("POST", r"/channels/\d+/messages", since=mark)
        assert call.status == 200
    finally:
        await peer.stop()
