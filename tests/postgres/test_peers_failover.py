"""Peers failing over under load: two and three real `run_bot.py` processes on one PostgreSQL database, with
the same tokens, against the local Telegram and Discord fakes (which run in the test's own event loop).

* A burst of reminders falls due (people on Telegram and on Discord set them by message); when some of them
  have gone out, the holder of the dispatcher lease is killed with SIGKILL. Every reminder due must then reach
  its person exactly once, or be recorded UNCONFIRMED with the person told ("I restarted while sending you a
  reminder ..."), never twice; a survivor answers a new message on each platform within 10 s of the kill; and
  of the people writing on Telegram all through it, none is answered twice and everyone who wrote after the
  kill is answered (one the dead poller had fetched but not answered may be lost with it).
* A rolling restart of every peer under load (reminders falling due throughout, people writing throughout):
  SIGTERM one peer, start it again, then the next. Nothing may be lost or doubled: every reminder exactly once
  (a clean stop leaves nothing UNCONFIRMED), every message answered exactly once.

Each peer is `python run_bot.py` with production settings (lease TTL 5 s, renewal every second, 25 s long
polls, the platforms' real pacing), and the fakes enforce the platforms' limits (Telegram 30 messages/s and
1/s per chat, Discord 50 requests/s): no 429 may come back, whichever peers send. Telegram's fake is reached
through `base_url_for(peer)`, so it records who polled. discord.py cannot be pointed at a server from the
environment, so each peer is started through LAUNCHER, which sets discord.py's REST base and gateway URL to
the fake's (what FakeDiscord.install does in the in-process tests) and then runs run_bot.py as `__main__`;
nothing else differs. Every peer's log is kept in its own file under the test's tmp_path.

CLEARBACK_FAILOVER_TELEGRAM and CLEARBACK_FAILOVER_DISCORD change how many people are in the burst (36, 18).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage.records import SENDING, SENT, UNCONFIRMED
from tests import pg_server
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import FakeTelegram, running_fake

ROOT = Path(__file__).resolve().parents[2]
RUN_BOT = ROOT / "run_bot.py"
LAUNCHER = f"""
import os, runpy, sys
sys.path.insert(0, {str(ROOT)!r})
import discord.gateway, discord.http, yarl
discord.http.Route.BASE = os.environ["CLEARBACK_FAKE_DISCORD_API"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["CLEARBACK_FAKE_DISCORD_GATEWAY"])
sys.argv = [{str(RUN_BOT)!r}]
runpy.run_path({str(RUN_BOT)!r}, run_name="__main__")
"""
TOLD = "I restarted while sending you a reminder"
REMINDER = "⏰"
ANSWER_WITHIN = 10.0  # the bound for a survivor to answer a new message
TELEGRAM_BURST = int(os.environ.get("CLEARBACK_FAILOVER_TELEGRAM", "36"))  # people, one reminder each
DISCORD_BURST = int(os.environ.get("CLEARBACK_FAILOVER_DISCORD", "18"))


# ---- the fakes and the database ------------------------------------------------------------------------


@dataclass
class World:
    url: str
    telegram: FakeTelegram
    discord: FakeDiscord
    logs: Path
    discord_users: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> the fake's user

    def environment(self, peer: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "BOT_"))}
        env.update(
            BOT_DATABASE_URL=self.url,
            TELEGRAM_TOKEN=self.telegram.token,
            TELEGRAM_BASE_URL=self.telegram.base_url_for(peer),
            DISCORD_TOKEN=self.discord.token,
            CLEARBACK_FAKE_DISCORD_API=self.discord.base_url,
            CLEARBACK_FAKE_DISCORD_GATEWAY=self.discord.gateway_url,
            BOT_DEFAULT_TIMEZONE="UTC",
            LOG_LEVEL="INFO",  # "holding leases: ..." says what each peer holds
            PYTHONUNBUFFERED="1",
        )
        return env

    # Telegram ---------------------------------------------------------------------------------------------
    def telegram_reminders(self, chat: int, name: str) -> int:
        return sum(REMINDER in m.text and name in m.text for m in self.telegram.bot_messages(chat))

    def telegram_said(self, chat: int, fragment: str) -> bool:
        return any(fragment in m.text for m in self.telegram.bot_messages(chat))

    # Discord ----------------------------------------------------------------------------------------------
    def discord_user(self, name: str) -> dict[str, Any]:
        if name not in self.discord_users:
            self.discord_users[name] = self.discord.user(name)
        return self.discord_users[name]

    def discord_texts(self, name: str) -> list[str]:
        channel = self.discord.dm_channel(self.discord_user(name))["id"]
        bot_id = self.discord.bot_user["id"]
        return [
            str(m["content"])
            for m in self.discord.messages.values()
            if m["channel_id"] == channel and m["author"]["id"] == bot_id
        ]

    def discord_reminders(self, name: str, what: str) -> int:
        return sum(REMINDER in text and what in text for text in self.discord_texts(name))

    def discord_said(self, name: str, fragment: str) -> bool:
        return any(fragment in text for text in self.discord_texts(name))

    async def discord_says(self, name: str, text: str) -> None:
        """`name` writes `text` in their DM with the bot, to the gateway session opened last."""
        await self.discord.dispatch("MESSAGE_CREATE", self.discord.dm_text(self.discord_user(name), text))

    # The database -----------------------------------------------------------------------------------------
    def lease_pids(self) -> dict[str, int]:
        """lease name -> the pid of the process holding it now (holder ids are host:pid:random)."""
        with psycopg.connect(self.url) as conn:
            rows = conn.execute("SELECT name, holder FROM leases WHERE expires_at > now()").fetchall()
        return {name: int(holder.rsplit(":", 2)[1]) for name, holder in rows}

    def statuses(self, names: Iterable[str]) -> dict[str, list[str]]:
        """reminder text -> the status of each of its occurrences."""
        wanted = list(names)
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT doc->>'text', status FROM occurrences WHERE doc->>'text' = ANY(%s)", (wanted,)
            ).fetchall()
        found: dict[str, list[str]] = {name: [] for name in wanted}
        for text, status in rows:
            found[text].append(status)
        return found

    def pending(self) -> int:
        """Reminders due by the database's clock and not yet handled, plus occurrences SENDING or to be retried."""
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM reminders WHERE next_due IS NOT NULL AND NOT paused"
                "        AND next_due <= extract(epoch FROM clock_timestamp()))"
                "     + (SELECT count(*) FROM occurrences WHERE status IN (%s, 'retry'))",
                (SENDING,),
            ).fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    discord = FakeDiscord(global_limit=50)  # the platforms' limits, enforced: peers together must keep them
    await discord.start()
    try:
        async with running_fake(enforce_limits=True) as telegram:
            yield World(pg_server.fresh_database(), telegram, discord, tmp_path)
    finally:
        await discord.close()


# ---- peers ---------------------------------------------------------------------------------------------


@dataclass
class BotPeer:
    """One `run_bot.py` peer (through LAUNCHER); its log goes to `<logs>/<name>-<n>.log`."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    @classmethod
    async def start(cls, world: World, name: str) -> BotPeer:
        log = world.logs / f"{name}-{len(list(world.logs.glob(f'{name}-*.log')))}.log"
        with log.open("wb") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                LAUNCHER,
                cwd=world.logs,  # no .env there
                env=world.environment(name),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=err,
            )
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    async def wait_for_line(self, fragment: str, within: float = 30.0) -> str:
        deadline = time.monotonic() + within
        while True:
            found = [line for line in self.lines() if fragment in line]
            if found:
                return found[0]
            if self.process.returncode is not None:
                raise AssertionError(f"peer {self.name} ended ({self.process.returncode}): {self.lines()[-15:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"peer {self.name} never logged {fragment!r}: {self.lines()[-15:]}")
            await asyncio.sleep(0.05)

    async def up(self) -> None:
        """Started: both adapters up and the lease keeper running."""
        await self.wait_for_line("on a shared database")
        await self.wait_for_line("holding leases:")

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, within: float = 40.0) -> int:
        """SIGTERM, a clean stop; its exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), within)


async def until(condition: Callable[[], object], within: float, what: str) -> float:
    """Wait (polling; the fakes run on this loop meanwhile) until `condition()` is truthy; seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


LEASES = ("dispatcher", "telegram-poll", "discord-shard-0")


@dataclass
class Crowd:
    """The peers running now, and every process started (so none is left behind)."""

    world: World
    running: list[BotPeer] = field(default_factory=list)
    started: list[BotPeer] = field(default_factory=list)

    async def add(self, name: str) -> BotPeer:
        peer = await BotPeer.start(self.world, name)
        self.started.append(peer)
        self.running.append(peer)
        return peer

    def holder(self, lease: str) -> BotPeer | None:
        pid = self.world.lease_pids().get(lease)
        return next((p for p in self.running if p.pid == pid), None)

    async def settled(self, within: float = 20.0) -> None:
        """Every lease held by a running peer, and a gateway session open."""
        await until(lambda: all(self.holder(lease) is not None for lease in LEASES), within, "leases held")
        await until(lambda: self.world.discord.sessions(), within, "a gateway session")

    async def kill(self, peer: BotPeer) -> None:
        await peer.kill()
        self.running.remove(peer)

    async def stop(self, peer: BotPeer) -> int:
        code = await peer.stop()
        self.running.remove(peer)
        return code


@contextlib.asynccontextmanager
async def crowd_of(world: World, count: int) -> AsyncIterator[Crowd]:
    crowd = Crowd(world)
    try:
        first = await crowd.add("p0")
        await first.up()  # the first takes every lease, so the test knows where they start
        for i in range(1, count):
            await crowd.add(f"p{i}")
        await asyncio.gather(*(peer.up() for peer in crowd.running))
        await crowd.settled()
        yield crowd
    finally:
        for peer in crowd.started:
            await peer.kill()


# ---- load ----------------------------------------------------------------------------------------------


@dataclass
class Reminders:
    """One-off reminders set by people on both platforms: name -> Telegram chat id, or Discord user name."""

    telegram: dict[str, int] = field(default_factory=dict)
    discord: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted([*self.telegram, *self.discord])

    def delivered(self, world: World) -> dict[str, int]:
        """name -> how many copies reached the person."""
        counts = {name: world.telegram_reminders(chat, name) for name, chat in self.telegram.items()}
        counts.update({name: world.discord_reminders(user, name) for name, user in self.discord.items()})
        return counts

    def told(self, world: World, name: str) -> bool:
        """Whether the person was told this reminder's send was interrupted."""
        if name in self.telegram:
            chat = self.telegram[name]
            return any(TOLD in m.text and name in m.text for m in world.telegram.bot_messages(chat))
        return any(TOLD in text and name in text for text in world.discord_texts(self.discord[name]))


async def set_reminders(world: World, tag: str, telegram: int, discord: int, when: Callable[[int], str]) -> Reminders:
    """`telegram` people on Telegram and `discord` on Discord each set one reminder (`/remind <name> when(i)`),
    by message, through whichever peers receive; returns once every one is acknowledged."""
    made = Reminders()
    for i in range(telegram):
        chat = 10_000_000 + zlib.crc32(tag.encode()) % 1000 * 10_000 + i
        name = f"{tag}t{i}"
        world.telegram.open_private_chat(chat)
        world.telegram.inject_message(chat, f"/remind {name} {when(i)}")
        made.telegram[name] = chat
    for i in range(discord):
        name = f"{tag}d{i}"
        await world.discord_says(name, f"/remind {name} {when(i)}")
        made.discord[name] = name

    def acknowledged() -> bool:
        return all(world.telegram_said(chat, f"set: {name}") for name, chat in made.telegram.items()) and all(
            world.discord_said(user, f"set: {name}") for name, user in made.discord.items()
        )

    await until(acknowledged, 30, f"every /remind of {tag} acknowledged")
    return made


@dataclass
class Newcomers:
    """People who write to the bot for the first time (`/reminders`): each must get exactly one answer."""

    world: World
    first: int = 20_000_000  # their Telegram chat ids follow this one
    telegram: dict[int, float] = field(default_factory=dict)  # chat -> when they wrote (monotonic)
    discord: dict[str, float] = field(default_factory=dict)

    def on_telegram(self) -> int:
        chat = self.first + len(self.telegram) + 1
        self.world.telegram.inject_message(chat, "/reminders")
        self.telegram[chat] = time.monotonic()
        return chat

    async def on_discord(self) -> str:
        name = f"newcomer{self.first + len(self.discord) + 1}"
        self.world.discord_user(name)
        self.discord[name] = time.monotonic()
        await self.world.discord_says(name, "/reminders")
        return name

    def answers(self) -> dict[str, int]:
        counts = {f"telegram:{chat}": len(self.world.telegram.bot_messages(chat)) for chat in self.telegram}
        counts.update({f"discord:{name}": len(self.world.discord_texts(name)) for name in self.discord})
        return counts

    def unanswered(self) -> list[str]:
        return sorted(who for who, count in self.answers().items() if count == 0)

    def all_answered(self, after: float = 0.0) -> bool:
        """Whether everyone who wrote at or after `after` (monotonic) has been answered."""
        wrote = {f"telegram:{chat}": at for chat, at in self.telegram.items()}
        wrote.update({f"discord:{name}": at for name, at in self.discord.items()})
        return not [who for who in self.unanswered() if wrote[who] >= after]


def check_limits_kept(world: World) -> None:
    """No 429 on either platform: the peers' sends together stayed within the limits."""
    assert world.telegram.violations == []
    assert [f"{c.method} {c.path}" for c in world.discord.calls if c.status == 429] == []


def check_each_reminder_once(world: World, made: Reminders, *, allow_unconfirmed: bool) -> dict[str, int]:
    """Every reminder reached its person exactly once, or (when allowed) was recorded UNCONFIRMED and the person
    told; never twice, and each has exactly one occurrence. Returns how many ended each way."""
    delivered = made.delivered(world)
    statuses = world.statuses(made.names)
    assert sorted(name for name, count in delivered.items() if count > 1) == [], "a reminder reached someone twice"
    assert {name: s for name, s in statuses.items() if len(s) != 1} == {}, "one occurrence per one-off reminder"
    ways = {"sent": 0, "unconfirmed, told": 0, "of which delivered": 0, "of which on telegram": 0}
    for name in made.names:
        [status] = statuses[name]
        if status == UNCONFIRMED and allow_unconfirmed:
            assert made.told(world, name), f"{name}: UNCONFIRMED but the person was never told"
            ways["unconfirmed, told"] += 1
            ways["of which delivered"] += delivered[name]
            ways["of which on telegram"] += name in made.telegram
        else:
            assert (delivered[name], status) == (1, SENT), f"{name}: delivered {delivered[name]}x, {status}"
            ways["sent"] += 1
    return ways


async def settle(world: World, made: Reminders, within: float) -> None:
    """Until nothing is due or in flight, every reminder has its one outcome and everyone whose reminder is
    UNCONFIRMED has been told (the notices are paced like any message); then a moment more, for a second copy
    to show were there one."""

    def untold() -> list[str]:
        statuses = world.statuses(made.names)
        return sorted(n for n, s in statuses.items() if UNCONFIRMED in s and not made.told(world, n))

    def done() -> bool:
        statuses = world.statuses(made.names)
        return world.pending() == 0 and all(s and set(s) <= {SENT, UNCONFIRMED} for s in statuses.values())

    await until(done, within, "every reminder due handled")
    await until(lambda: not untold(), 15, "everyone with an UNCONFIRMED reminder told")
    await asyncio.sleep(1.0)


# ---- the tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3])
async def test_the_dispatcher_killed_mid_burst_every_reminder_once_and_a_survivor_answers_within_10s(
    world: World, count: int
) -> None:
    async with crowd_of(world, count) as crowd:
        made = await set_reminders(world, f"burst{count}", TELEGRAM_BURST, DISCORD_BURST, lambda i: "in 6s")
        chatter = Newcomers(world, first=30_000_000)  # people writing on Telegram all through the kill

        async def people_write() -> None:
            while True:
                chatter.on_telegram()
                await asyncio.sleep(0.15)

        writers = asyncio.create_task(people_write())
        try:
            await until(lambda: sum(made.delivered(world).values()) >= 8, 30, "the burst under way")
            dispatcher = crowd.holder("dispatcher")
            assert dispatcher is not None
            shard_holder = crowd.holder("discord-shard-0")
            identifies = len(world.discord.identifies)
            before = sum(made.delivered(world).values())
            await crowd.kill(dispatcher)
            killed = time.monotonic()
            assert before < len(made.names), "the burst was over before the kill: the test would prove nothing"

            newcomers = Newcomers(world)
            newcomers.on_telegram()
            if shard_holder is dispatcher:  # its gateway session died with it: wait for a survivor's
                await until(lambda: len(world.discord.identifies) > identifies, ANSWER_WITHIN, "a new gateway session")
            await newcomers.on_discord()
            await until(newcomers.all_answered, ANSWER_WITHIN - (time.monotonic() - killed), "a survivor answers")
            answered_after = time.monotonic() - killed
        finally:
            writers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writers

        await settle(world, made, within=40)
        after = sum(made.delivered(world).values()) - before
        print(f"{count} peers: {before} sent before the kill, {after} after; answered {answered_after:.1f}s")
        ways = check_each_reminder_once(world, made, allow_unconfirmed=True)
        print(f"{count} peers: {ways}")
        assert answered_after <= ANSWER_WITHIN
        assert all(n == 1 for n in newcomers.answers().values()), newcomers.answers()
        # Telegram keeps an update until a poll confirms it: what people wrote after the kill is answered
        # exactly once. Before it, a message the dead poller had fetched (and so confirmed) but not yet
        # answered is lost with it; none may ever be answered twice.
        await until(lambda: chatter.all_answered(after=killed), 15, "everyone who wrote after the kill answered")
        answers = chatter.answers()
        lost = chatter.unanswered()
        assert {who: n for who, n in answers.items() if n > 1} == {}, "a message answered twice"
        assert all(chatter.telegram[int(who.split(":")[1])] < killed for who in lost), lost
        print(f"{count} peers: {len(answers)} people wrote on Telegram around the kill, unanswered: {lost}")
        check_limits_kept(world)
        for peer in list(crowd.running):
            assert await crowd.stop(peer) == 0


async def test_a_rolling_restart_of_every_peer_under_load_loses_nothing_and_doubles_nothing(world: World) -> None:
    async with crowd_of(world, 3) as crowd:
        # Reminders fall due, three or four a second, through the whole restart (about 3 s a peer), on both
        # platforms.
        made = await set_reminders(world, "roll", 30, 15, lambda i: f"in {3 + (i * 7) % 12}s")
        newcomers = Newcomers(world)

        async def people_write() -> None:
            while True:
                newcomers.on_telegram()  # Telegram keeps updates until they are fetched: any moment will do
                if world.discord.sessions():  # a DM reaches the bot through a gateway session (the newest)
                    await newcomers.on_discord()
                await asyncio.sleep(0.3)

        writers = asyncio.create_task(people_write())
        try:
            await until(lambda: sum(made.delivered(world).values()) >= 3, 20, "the first reminders out")
            restarting_with = sum(made.delivered(world).values())
            handed_over_with: int | None = None  # delivered when the first dispatcher's holder had stopped
            left = [peer.name for peer in crowd.running]
            while left:  # the dispatcher's holder first, whenever it is among those left: it hands over mid-load
                holder = crowd.holder("dispatcher")
                name = holder.name if holder is not None and holder.name in left else left[0]
                left.remove(name)
                [peer] = [p for p in crowd.running if p.name == name]
                assert await crowd.stop(peer) == 0, peer.lines()[-15:]
                if handed_over_with is None and holder is not None and name == holder.name:
                    handed_over_with = sum(made.delivered(world).values())
                await (await crowd.add(name)).up()
                await crowd.settled()
                await asyncio.sleep(0.5)
            restarted_with = sum(made.delivered(world).values())
        finally:
            writers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writers
        # Under load: reminders went out while the peers were restarting, and some were still due when the
        # dispatcher's holder stopped, so another peer took the dispatch over mid-load. (Not "some were left after
        # the whole restart": on a busy machine it outlasts every due time, which is still a restart under load.)
        assert restarted_with > restarting_with, "no reminder went out during the restart: not under load"
        assert handed_over_with is not None, "no peer held the dispatcher when the restart began"
        assert handed_over_with < len(made.names), "every reminder was out before the dispatcher handed over"

        await settle(world, made, within=60)
        await until(newcomers.all_answered, 15, "everyone who wrote answered")
        ways = check_each_reminder_once(world, made, allow_unconfirmed=False)
        answers = newcomers.answers()
        assert {who: n for who, n in answers.items() if n != 1} == {}, "each message answered exactly once"
        check_limits_kept(world)
        # One getUpdates consumer at a time: the polls change hands at most once per restart, never back and forth.
        pollers = [peer for peer, _ in world.telegram.polls]
        assert sum(a != b for a, b in itertools.pairwise(pollers)) <= 3, pollers
        for peer in list(crowd.running):
            assert await crowd.stop(peer) == 0
    during = restarted_with - restarting_with
    handed = len(made.names) - handed_over_with
    print(
        f"rolling restart: {ways}, {during} of them sent during it, {handed} after the dispatcher handed over; "
        f"{len(answers)} messages answered"
    )
