"""`make bench`: ClearBack's speed and scale figures, printed as one table.

    make bench                      # 1k, 10k and 100k users, 10,000 reminders due in one minute per platform
    make bench ARGS="--million"     # also 1,000,000 users
    make bench ARGS="--quick"       # 1k and 10k users, 1,000 reminders in the delivery run
    make bench ARGS="--only-delivery --delivery 2000 --platforms telegram"   # just the delivery run
    make bench ARGS="--only-parser"  # just the when-grammar's cost per call (a few seconds)
    make bench ARGS="--only-faq"     # just the treatment guide: held-out accuracy, declines, match p99
    make bench ARGS="--postgres"    # PostgreSQL beside TinyDB at 1,000,000 users, delivery on each, failover
    make bench ARGS="--postgres --sizes 100000 --delivery 1000"   # the same, quicker

For each population (a fixed seed; 3 reminders per user; a year of history for a sample of accounts;
a journal to replay) it measures, in a fresh child process each: start-up (open the store, rebuild the
indexes, replay the journal, recover), resident memory, the core's `/reminders`, `/progress` (text) and
`/done` (a durable write) as the platforms call them, the scheduler's idle tick and how soon a due
reminder reaches its adapter, then the same update through plain TinyDB for the ratio. Then it
delivers N reminders falling due in the same minute through the real Telegram and Discord adapters to
local fakes that enforce the platforms' limits, each fake in its own process so that it sees requests
when they really arrive. It writes a chart of cost against users. First of all it times the when-grammar
(read_when, split_what_when) on typical phrases and on 4,000-character messages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from datetime import time as time_of_day
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psutil

from adapters.base import Adapter
from adapters.settings import PlatformSettings
from adapters.wiring import Connection, build_platform_adapters
from bot.app import App
from bot.models import Address, Identity, IncomingMessage, Reply
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from bot.timing.readings import read_when
from bot.timing.recurrence import Schedule
from bot.timing.remind_split import split_what_when
from bot.timing.timeparse import WhenParseError
from scripts import bench_faq
from scripts import bench_storage as population
from storage.base import Store
from storage.factory import is_database_url, open_store
from storage.memory_store import MemoryStore
from storage.tinydb import TinyDBStore

if TYPE_CHECKING:
    from scripts.bench_postgres import Server as BenchServer
    from scripts.bench_postgres import WalFsyncs
    from tests.adapters.fake_process import Arrival

NOW = population.NOW
SEED = 20261125


class ShiftedClock:
    """Real time, moved so that 'now' starts just before the population's NOW: nothing is overdue."""

    def __init__(self, start: float) -> None:
        self._offset = start - time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, tz=UTC)


class StopwatchSender:
    platform = "telegram"

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, Reply]] = []
        self.arrived = asyncio.Event()

    async def send(self, address: Address, reply: Reply) -> str | None:
        self.arrivals.append((time.time(), reply))
        self.arrived.set()
        return str(len(self.arrivals))

    async def edit(self, address: Address, message_ref: str, reply: Reply) -> None:
        return None


summary = population._summary  # median and p99 in ms, as the storage benchmark reports them


def message_for(i: int, text: str) -> IncomingMessage:
    identity = population.make_identity(SEED, i)
    who = Identity(identity.platform, identity.user_id)
    return IncomingMessage(who, Address(identity.platform, identity.user_id), text=text)


# Core figures, measured in a child process so its memory is the bot's alone --------------------------
def measure_core(target: str, users: int, history_accounts: int, samples: int) -> dict[str, float]:
    """`target` is a TinyDB file or a postgresql:// URL (a peer of a shared database: it loads nobody)."""
    with contextlib.ExitStack() as stack:
        statements = [0]
        fsyncs = None
        if is_database_url(target):
            from scripts.bench_postgres import WalFsyncs, counting_statements

            statements = stack.enter_context(counting_statements())
            fsyncs = WalFsyncs(target)
        return _measure_core(target, users, history_accounts, samples, statements, fsyncs)


def _measure_core(
    target: str,
    users: int,
    history_accounts: int,
    samples: int,
    statements: list[int],
    fsyncs: WalFsyncs | None,
) -> dict[str, float]:
    out: dict[str, float] = {}
    rng = random.Random(SEED)
    started = time.perf_counter()
    store = open_store(target)
    app = App(store, FakeClock(datetime.fromtimestamp(NOW - 60, tz=UTC)))
    recovered = asyncio.run(app.scheduler.recover())
    app.core.throttle = Throttle(rate=1e9, burst=1e9)  # measuring the work, not the flood control
    first = app.core.handle_sync(message_for(rng.randrange(users), "/reminders"))
    assert first and "wrong" not in first[0].text, first[0].text
    out["startup_s"] = time.perf_counter() - started  # open, build the App, recover, first /reminders answered
    out["recovered"] = recovered
    out["rss_mb"] = psutil.Process().memory_info().rss / (1 << 20)

    def timed(name: str, texts: list[tuple[int, str]]) -> list[float]:
        result = []
        before, synced = statements[0], fsyncs.now() if fsyncs else 0.0
        for i, text in texts:
            t = time.perf_counter()
            replies = app.core.handle_sync(message_for(i, text))
            result.append(time.perf_counter() - t)
            assert replies and "wrong" not in replies[0].text, replies[0].text
        if statements[0]:
            out[f"{name}_statements"] = (statements[0] - before) / len(texts)
        if fsyncs:  # (not timed: it waits for the server to report)
            out[f"{name}_fsyncs"] = fsyncs.since(synced) / len(texts)
        return result

    out.update(summary("reminders", timed("reminders", [(rng.randrange(users), "/reminders") for _ in range(samples)])))
    sample = rng.sample(range(min(history_accounts, users)), min(200, history_accounts, users))
    out.update(summary("progress_cold", timed("progress_cold", [(i, "/progress text") for i in sample])))
    out.update(summary("progress_warm", timed("progress_warm", [(i, "/progress text") for i in sample])))
    # /done on the open, unanswered occurrence every 5th-but-not person has (a durable write each).
    answering = [i for i in rng.sample(range(users), min(users, samples * 2)) if i % 5][:samples]
    out.update(summary("done", timed("done", [(i, "/done 2") for i in answering])))
    out["requests"] = 1 + samples + 2 * len(sample) + len(answering)
    out["rss_end_mb"] = psutil.Process().memory_info().rss / (1 << 20)
    out["load_1m"] = os.getloadavg()[0]

    idle = []
    before = statements[0]
    for _ in range(1000):
        t = time.perf_counter()
        asyncio.run(_one_tick(app))
        idle.append(time.perf_counter() - t)
    if statements[0]:
        out["tick_idle_statements"] = (statements[0] - before) / 1000
    out.update(summary("tick_idle", idle))
    out.update(_handoff(store))
    if isinstance(store, TinyDBStore):
        t = time.perf_counter()
        store.checkpoint_in_background().join()  # snapshot + every history file the commands touched
        out["checkpoint_s"] = time.perf_counter() - t
    store.close()
    return out


async def _one_tick(app: App) -> None:
    await app.scheduler.tick()


def _handoff(store: Store) -> dict[str, float]:
    """Real time from a reminder's due instant to the adapter's send, with the bot's own run loop."""
    clock = ShiftedClock(NOW - 120)
    app = App(store, clock)
    sender = StopwatchSender()
    app.hub.register(sender)
    delays: list[float] = []

    async def run() -> None:
        loop = asyncio.create_task(app.run())
        try:
            for n in [k for k in range(1, 14) if k % 4][:10]:  # people on Telegram (every 4th is on Discord)
                due = clock.now().timestamp() + 0.25 + random.random() * 0.5
                await app.handle(message_for(n, f"/remind bench {n} in 1s"))
                identity = population.make_identity(SEED, n)
                account = app.regimen.account_for(Identity(identity.platform, identity.user_id))
                assert account is not None
                [reminder] = [r for r in store.reminders_of(account.id) if r.text == f"bench {n}"]
                store.put_reminder(replace(reminder, next_due=due))
                app.scheduler.wake()
                wall_due = time.time() + (due - clock.now().timestamp())
                async with asyncio.timeout(10):
                    while not any(f"bench {n}" in reply.text for _, reply in sender.arrivals):
                        sender.arrived.clear()
                        await sender.arrived.wait()
                arrived = next(t for t, reply in sender.arrivals if f"bench {n}" in reply.text)
                delays.append(max(0.0, arrived - wall_due))
        finally:
            app.stop()
            await loop

    asyncio.run(run())
    return {"handoff_median_ms": statistics.median(delays) * 1000, "handoff_max_ms": max(delays) * 1000}


# Delivery at the platforms' limits ---------------------------------------------------------------------
async def _populate_due(app: App, platform_name: str, count: int, due: float) -> list[str]:
    users = []
    for n in range(count):
        user = str(7_000_000 + n)
        identity = Identity(platform_name, user)
        account = app.regimen.ensure_account(identity)
        daily = Schedule(kind="daily", at=time_of_day(9, 0))
        reminder = app.regimen.create_reminder(account, f"exfoliate {n}", daily, "exfoliation", platform_name)
        app.store.put_reminder(replace(reminder, next_due=due))  # all in the same second: the worst case
        users.append(user)
    return users


def busiest_second(stamps: list[float]) -> int:
    """The most arrivals within any one second (any start, half-open), as a sliding-window limit sees them."""
    stamps = sorted(stamps)
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamps[first] <= stamp - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _server_rate(stamps: list[float]) -> tuple[float, float]:
    """Seconds from the first to the last arrival at the server, and arrivals per second over that span."""
    if len(stamps) < 2:
        return 0.0, 0.0
    span = max(stamps) - min(stamps)
    return span, (len(stamps) - 1) / span if span > 0 else 0.0


def _figures(
    count: int,
    limit: float,
    arrivals: list[Arrival],
    served: list[Arrival],
    attempted: list[Arrival],
    delivered_to: Counter[str],
) -> dict[str, float]:
    """One platform's delivery figures, all from the fake server's side."""
    seconds, rate = _server_rate([a.at for a in served])
    return {
        "count": count,
        "seconds": seconds,
        "rate": rate,
        "limit": limit,
        "http_429": float(sum(1 for a in arrivals if a.status == 429)),
        "busiest_second": float(busiest_second([a.at for a in attempted])),
        "duplicates": float(sum(n - 1 for n in delivered_to.values() if n > 1)),
        "missing": float(count - len(delivered_to)),
    }


def _wired(app: App, settings: PlatformSettings, connection: Connection) -> Adapter:
    """The one adapter `settings` names, wired as run_bot.py wires it (its production limits and retries)."""
    [adapter] = build_platform_adapters(app, settings, connection=connection)
    return adapter


async def _deliver_through(app: App, adapter: Adapter, count: int) -> None:
    """Run the bot with `adapter` until it has delivered `count` reminders, then stop both."""
    try:
        await adapter.start()
        loop = asyncio.create_task(app.run())
        try:
            await _until_delivered(app, count)
        finally:
            app.stop()
            await loop
    finally:
        await adapter.stop()


async def _until_delivered(app: App, count: int) -> None:
    """Wait until the scheduler has recorded `count` deliveries (or give up after a generous time)."""
    deadline = time.monotonic() + 120 + count / 10
    while app.scheduler.delivered < count:
        if time.monotonic() > deadline:
            break  # the missing ones show in the figures
        await asyncio.sleep(0.2)  # a look now and then is enough: the figures come from the fake


async def deliver_telegram(count: int, store: Callable[[str], Store] | None = None) -> dict[str, float]:
    """`count` reminders due at once, through the real adapter, to a fake Bot API in its own process that
    enforces 30 messages within any second and 1 a second per chat; figures as the fake saw them."""
    from tests.adapters.fake_process import running_in_child

    app = App(store("telegram") if store else MemoryStore(), ShiftedClock(NOW - 1))
    users = await _populate_due(app, "telegram", count, NOW)
    async with running_in_child("telegram", "--enforce", "--users", users[0], str(count)) as fake:
        settings = PlatformSettings(telegram_token=fake.token, telegram_base_url=fake.base_url)
        await _deliver_through(app, _wired(app, settings, Connection(telegram_poll_timeout=1)), count)
        arrivals = await fake.stop()
    app.store.close()
    sends = [a for a in arrivals if a.method == "sendMessage"]
    ok = [a for a in sends if a.status == 200]
    return _figures(count, 30.0, arrivals, ok, sends, Counter(a.target for a in ok))


async def deliver_discord(count: int, store: Callable[[str], Store] | None = None) -> dict[str, float]:
    """`count` reminders due at once, through the real adapter and discord.py, to a fake Discord in its
    own process that enforces the global limit (50 requests within any second); figures as it saw them."""
    import discord.gateway
    import discord.http
    import pytest
    import yarl

    from tests.adapters.fake_process import running_in_child

    app = App(store("discord") if store else MemoryStore(), ShiftedClock(NOW - 1))
    users = await _populate_due(app, "discord", count, NOW)
    async with running_in_child("discord", "--global-limit", "50", "--users", users[0], str(count)) as fake:
        patch = pytest.MonkeyPatch()
        patch.setattr(discord.http.Route, "BASE", fake.base_url)
        patch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(str(fake.info["gateway_url"])))
        try:
            adapter = _wired(app, PlatformSettings(discord_token=fake.token), Connection(discord_sync_commands=False))
            await _deliver_through(app, adapter, count)
        finally:
            patch.undo()
        arrivals = await fake.stop()
    app.store.close()
    # What the delivery asked of Discord: opening each DM, then the message (login requests left out).
    delivery_paths = ("/users/@me/channels", "/channels/")
    requests = [a for a in arrivals if a.method == "POST" and a.target.startswith(delivery_paths)]
    served = [a for a in requests if a.status != 429]
    posts = [a for a in served if "/messages" in a.target and a.status == 200]
    figures = _figures(count, 50.0, arrivals, served, requests, Counter(a.target for a in posts))
    figures["messages_per_s"] = (len(posts) - 1) / figures["seconds"] if figures["seconds"] > 0 else 0.0
    return figures


# The when-grammar's cost per call (in this process; pure functions, no store) -------------------------------
PARSER_PHRASES = (
    "in 10 minutes", "at 9pm", "at 9", "tomorrow at 9am", "tonight at 10", "next friday at 6pm", "on dec 24",
    "on 2027-01-10 at 09:00", "in 2 days at 9", "on the weekend at 10", "every day at 21:30",
    "every mon,thu at 20:00", "every 2 weeks on sat at 10:00", "every month on the 1st at 9:00",
    "every first monday of the month at 9:00", "twice a day at 8 and 20", "every day at 21:30 for 6 weeks",
    "every day at 9:00 until 2027-03-01", "wed 25 nov at 20:00", "at dawn",
)  # fmt: skip
PARSER_REMINDS = (
    "book peel next friday at 6pm", "cream tonight at 10", "exfoliate back every mon,thu at 20:00",
    "stretch in 10m", "evening cream every day at 21:30", "call derm, tomorrow at 9am",
    "check scars on the 15th at 20:00", "friday cream at 9pm", "water plants", "take pill twice a day at 8 and 20",
)  # fmt: skip
PARSER_LONG = {  # 4,000-character messages, the most a Telegram command carries
    "split_what_when, 4,000 chars: words, then the when": "word " * 796 + "every mon,thu at 20:00",
    "split_what_when, 4,000 chars: no when (refused)": "word " * 800,
    "split_what_when, 4,000 chars: time words throughout (asked)": "cream tomorrow " * 266 + "at 9pm",
    "read_when, 4,000 chars of words (refused)": "word " * 800,
}


ParserCall = tuple[Callable[[str, datetime, tzinfo], object], str]


def _per_call_us(calls: list[ParserCall], rounds: int) -> float:
    """Median over `rounds` of the mean cost of one call, in microseconds (now: Wed 2 Dec 2026, Berlin)."""
    now = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    tz = ZoneInfo("Europe/Berlin")
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for fn, text in calls:
            with contextlib.suppress(WhenParseError):
                fn(text, now, tz)
        means.append((time.perf_counter() - started) / len(calls) * 1e6)
    return statistics.median(means)


def _calls(fn: Callable[[str, datetime, tzinfo], object], texts: tuple[str, ...]) -> list[ParserCall]:
    return [(fn, text) for text in texts]


def measure_parser(rounds: int = 7) -> list[str]:
    """The grammar's figures as a markdown table: microseconds per call, median of `rounds` runs (~2 s)."""
    rows: list[tuple[str, str, list[ParserCall]]] = [
        (f"read_when, {len(PARSER_PHRASES)} typical phrases", "typical", _calls(read_when, PARSER_PHRASES * 20)),
        (
            f"split_what_when, {len(PARSER_REMINDS)} typical /remind texts",
            "typical",
            _calls(split_what_when, PARSER_REMINDS * 10),
        ),
    ]
    for label, text in PARSER_LONG.items():
        fn = read_when if label.startswith("read_when") else split_what_when
        rows.append((label, f"{len(text):,}", _calls(fn, (text,) * 20)))
    lines = ["| when-grammar call | chars | µs per call |", "| --- | ---: | ---: |"]
    for label, chars, calls in rows:
        lines.append(f"| {label} | {chars} | {_per_call_us(calls, rounds):,.0f} |")
    return lines


# Report ---------------------------------------------------------------------------------------------------
ROWS = [
    ("snapshot_mb", "database snapshot (MB)", "{:.1f}"),
    ("startup_s", "start-up: load, indexes, journal replay, recover (s)", "{:.2f}"),
    ("rss_mb", "resident memory after start-up (MB)", "{:.0f}"),
    ("reminders_median_ms", "/reminders median (ms)", "{:.3f}"),
    ("reminders_p99_ms", "/reminders p99 (ms)", "{:.3f}"),
    ("progress_cold_p99_ms", "/progress text, first after start-up, p99 (ms)", "{:.2f}"),
    ("progress_warm_p99_ms", "/progress text, again, p99 (ms)", "{:.2f}"),
    ("done_median_ms", "/done durable write median (ms)", "{:.3f}"),
    ("done_p99_ms", "/done durable write p99 (ms)", "{:.3f}"),
    ("plain_update_median_ms", "plain TinyDB: one update (ms)", "{:.1f}"),
    ("ratio", "plain TinyDB update / our /done (median)", "{:.0f}x"),
    ("tick_idle_median_ms", "scheduler tick, nothing due, median (ms)", "{:.4f}"),
    ("tick_idle_p99_ms", "scheduler tick, nothing due, p99 (ms)", "{:.4f}"),
    ("handoff_median_ms", "due -> adapter, median (ms)", "{:.1f}"),
    ("handoff_max_ms", "due -> adapter, max (ms)", "{:.1f}"),
    ("checkpoint_s", "checkpoint in background (s)", "{:.2f}"),
]


def print_table(results: dict[int, dict[str, float]]) -> list[str]:
    users = sorted(results)
    width = max(len(label) for _, label, _ in ROWS)
    lines = [f"| {'users':<{width}} |" + "".join(f" {u:>11,} |" for u in users)]
    lines.append(f"|{'-' * (width + 2)}|" + "".join(f"{'-' * 13}|" for _ in users))
    for key, label, fmt in ROWS:
        cells = [fmt.format(results[u][key]) if key in results[u] else "-" for u in users]
        lines.append(f"| {label:<{width}} |" + "".join(f" {c:>11} |" for c in cells))
    return lines


COMPARE_ROWS = [
    ("snapshot_mb", "TinyDB snapshot / PostgreSQL database (MB)", "{:.0f}"),
    ("populate_s", "populate (generate / COPY + VACUUM ANALYZE) (s)", "{:.0f}"),
    ("startup_s", "start-up: open, App, recover, first /reminders (s)", "{:.2f}"),
    ("rss_mb", "resident memory after start-up (MB)", "{:.0f}"),
    ("rss_end_mb", "resident memory after the requests (MB)", "{:.0f}"),
    ("requests", "requests answered before that", "{:,.0f}"),
    ("reminders_median_ms", "/reminders median (ms)", "{:.3f}"),
    ("reminders_p99_ms", "/reminders p99 (ms)", "{:.3f}"),
    ("reminders_statements", "/reminders: SQL statements each", "{:.1f}"),
    ("reminders_fsyncs", "/reminders: WAL fsyncs each (server's count)", "{:.2f}"),
    ("progress_cold_p99_ms", "/progress text, first after start-up, p99 (ms)", "{:.2f}"),
    ("progress_warm_p99_ms", "/progress text, again, p99 (ms)", "{:.2f}"),
    ("progress_warm_statements", "/progress text: SQL statements each", "{:.1f}"),
    ("progress_warm_fsyncs", "/progress text: WAL fsyncs each", "{:.2f}"),
    ("done_median_ms", "/done durable write median (ms)", "{:.3f}"),
    ("done_p99_ms", "/done durable write p99 (ms)", "{:.3f}"),
    ("done_statements", "/done: SQL statements each", "{:.1f}"),
    ("done_fsyncs", "/done: WAL fsyncs each", "{:.2f}"),
    ("tick_idle_median_ms", "scheduler tick, nothing due, median (ms)", "{:.3f}"),
    ("tick_idle_p99_ms", "scheduler tick, nothing due, p99 (ms)", "{:.3f}"),
    ("handoff_median_ms", "due -> adapter, median (ms)", "{:.1f}"),
    ("handoff_max_ms", "due -> adapter, max (ms)", "{:.1f}"),
    ("checkpoint_s", "checkpoint in background (s)", "{:.2f}"),
    ("load_1m", "machine's 1-minute load average at the end", "{:.2f}"),
]


def print_comparison(columns: dict[str, dict[str, float]]) -> list[str]:
    """One column per store and population: the figures side by side."""
    width = max(len(label) for _, label, _ in COMPARE_ROWS)
    cell = max(13, *(len(name) for name in columns))
    lines = [f"| {'':<{width}} |" + "".join(f" {name:>{cell}} |" for name in columns)]
    lines.append(f"|{'-' * (width + 2)}|" + "".join(f"{'-' * (cell + 2)}|" for _ in columns))
    for key, label, fmt in COMPARE_ROWS:
        cells = [fmt.format(col[key]) if key in col else "-" for col in columns.values()]
        lines.append(f"| {label:<{width}} |" + "".join(f" {c:>{cell}} |" for c in cells))
    return lines


def write_chart(results: dict[int, dict[str, float]], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = sorted(results)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for key, label in (
        ("done_p99_ms", "/done durable write p99"),
        ("reminders_p99_ms", "/reminders p99"),
        ("tick_idle_p99_ms", "idle scheduler tick p99"),
        ("plain_update_median_ms", "plain TinyDB update (median)"),
    ):
        if all(key in results[u] for u in users):
            ax.plot(users, [results[u][key] for u in users], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("users (3 reminders each)")
    ax.set_ylabel("milliseconds")
    ax.set_title("ClearBack: cost against number of users")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target)
    plt.close(fig)


def run_population(users: int, args: argparse.Namespace, workdir: str) -> dict[str, float]:
    path = os.path.join(workdir, f"u{users}", "clearback.json")
    history_accounts = min(users, args.history_accounts)
    t = time.perf_counter()
    generated = population.generate(path, users, history_accounts, args.journal_mb, SEED)
    populate_s = time.perf_counter() - t
    out = _measure_in_child(path, users, history_accounts, args.samples)
    out["snapshot_mb"] = generated["snapshot_mb"]
    out["populate_s"] = populate_s
    plain = population.plain_tinydb(workdir, min(users * 3, args.tinydb_cap), 20, SEED)
    out["plain_update_median_ms"] = plain["plain_update_median_ms"]
    out["plain_reminders"] = plain["plain_reminders"]
    out["ratio"] = plain["plain_update_median_ms"] / out["done_median_ms"]
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    return out


def _measure_in_child(target: str, users: int, history_accounts: int, samples: int) -> dict[str, float]:
    """measure_core in a fresh process; a database URL goes through the environment, never the command line."""
    env = dict(os.environ, CLEARBACK_BENCH_TARGET=target)
    child = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--child", "env", str(users), str(history_accounts), str(samples)],
        capture_output=True,
        text=True,
        env=env,
    )
    if child.returncode != 0:
        raise SystemExit(f"measuring {users} users failed:\n{child.stderr[-3000:]}")
    out: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return out


def run_population_postgres(users: int, args: argparse.Namespace, server: BenchServer) -> dict[str, float]:
    """The same people loaded into PostgreSQL with COPY, then a peer measured in a fresh process."""
    from scripts import bench_postgres

    history_accounts = min(users, args.history_accounts)
    url = server.create_database(f"clearback_u{users}")
    loaded = bench_postgres.populate(url, users, history_accounts, SEED)
    out = _measure_in_child(url, users, history_accounts, args.samples)
    out["snapshot_mb"] = loaded["database_mb"]
    out["populate_s"] = loaded["populate_s"]
    server.drop_database(f"clearback_u{users}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 users")
    parser.add_argument("--quick", action="store_true", help="1k and 10k users, 1,000 reminders delivered")
    parser.add_argument("--sizes", type=int, nargs="*", help="population sizes (default 1k 10k 100k)")
    parser.add_argument("--samples", type=int, default=2000, help="commands timed per figure")
    parser.add_argument("--history-accounts", type=int, default=2000, help="accounts given a year of history")
    parser.add_argument("--journal-mb", type=float, default=16.0, help="journal replayed at start-up (MB)")
    parser.add_argument("--tinydb-cap", type=int, default=30_000, help="most reminders in the plain TinyDB file")
    parser.add_argument("--delivery", type=int, default=10_000, help="reminders due in one minute per platform")
    parser.add_argument("--only-delivery", action="store_true", help="measure only the delivery (no populations)")
    parser.add_argument("--only-parser", action="store_true", help="measure only the when-grammar's cost per call")
    parser.add_argument("--only-faq", action="store_true", help="measure only the treatment guide (scripts/bench_faq)")
    parser.add_argument(
        "--platforms",
        nargs="+",
        choices=["telegram", "discord"],
        default=["telegram", "discord"],
        help="platforms for the delivery run",
    )
    parser.add_argument("--out", default="bench-out", help="where the chart and the table go")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="PostgreSQL beside TinyDB (default 1,000,000 users; --sizes 100000 for a quicker run)",
    )
    parser.add_argument(
        "--stores",
        nargs="+",
        choices=["tinydb", "postgres"],
        default=["tinydb", "postgres"],
        help="with --postgres: the stores measured (populations and delivery)",
    )
    parser.add_argument("--shared-buffers", default="2GB", help="with --postgres: the server's shared_buffers")
    parser.add_argument("--failover", type=int, default=5, help="with --postgres: dispatcher kills timed (0: none)")
    args = parser.parse_args(argv)
    if args.child:
        path, users, history_accounts, samples = args.child
        target = os.environ["CLEARBACK_BENCH_TARGET"] if path == "env" else path
        print(json.dumps(measure_core(target, int(users), int(history_accounts), int(samples))))
        return

    if args.postgres:
        main_postgres(args)
        return
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    if args.sizes is not None:
        sizes = args.sizes
    if args.only_delivery:
        sizes = []
    if args.million:
        sizes.append(1_000_000)
    delivery = min(args.delivery, 1_000) if args.quick else args.delivery
    memory = psutil.virtual_memory().total / (1 << 30)
    header = (
        f"ClearBack benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    )
    print(header, flush=True)
    guide = [] if args.only_delivery else bench_faq.run()
    print("\n".join(guide), flush=True)
    if args.only_faq:
        out_faq = Path(args.out)
        out_faq.mkdir(parents=True, exist_ok=True)
        (out_faq / "bench-faq.md").write_text("\n".join([header, "", *guide, ""]))
        print(f"\ntable: {out_faq / 'bench-faq.md'}")
        return
    grammar = [] if args.only_delivery else measure_parser()
    print("\n".join(grammar), flush=True)
    out = Path(args.out)
    if args.only_parser:  # leave the full run's table and chart alone
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench-parser.md").write_text("\n".join([header, "", *grammar, ""]))
        print(f"\ntable: {out / 'bench-parser.md'}")
        return
    results: dict[int, dict[str, float]] = {}
    workdir = tempfile.mkdtemp(prefix="clearback-bench-")
    try:
        for users in sizes:
            print(f"  measuring {users:,} users ...", flush=True)
            results[users] = run_population(users, args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = print_table(results) if results else []
    print("\n".join(table))
    lines: list[str] = []
    if delivery > 0:
        lines = deliver_both(delivery, tuple(args.platforms))
    print("\n".join(lines))
    out.mkdir(parents=True, exist_ok=True)
    if args.only_delivery:  # leave the full run's table and chart alone
        (out / "bench-delivery.md").write_text("\n".join([header, "", *lines, ""]))
        print(f"\ntable: {out / 'bench-delivery.md'}")
        return
    if results:
        write_chart(results, out / "bench-scaling.png")
    (out / "bench.md").write_text("\n".join([header, "", *table, "", *lines, "", *grammar, ""]))
    print(f"\nchart: {out / 'bench-scaling.png'}, table: {out / 'bench.md'}")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main_postgres(args: argparse.Namespace) -> None:
    """`--postgres`: the same figures for a PostgreSQL peer and for TinyDB, side by side; the delivery run on
    each store; the dispatcher's failover between two peer processes."""
    from scripts import bench_postgres

    sizes = args.sizes or [1_000_000]
    delivery = min(args.delivery, 1_000) if args.quick else args.delivery
    memory = psutil.virtual_memory().total / (1 << 30)
    header = (
        f"ClearBack benchmark (--postgres), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, {_load()}"
    )
    print(header, flush=True)
    server = bench_postgres.Server(args.shared_buffers)
    notes = [server.describe()]
    print(notes[0], flush=True)
    columns: dict[str, dict[str, float]] = {}
    lines: list[str] = []
    workdir = tempfile.mkdtemp(prefix="clearback-bench-")
    try:
        for users in sizes:
            if "tinydb" in args.stores:
                print(f"  TinyDB, {users:,} users ... ({_load()})", flush=True)
                columns[f"TinyDB {users:,}"] = run_population(users, args, workdir)
            if "postgres" in args.stores:
                print(f"  PostgreSQL, {users:,} users ... ({_load()})", flush=True)
                columns[f"PostgreSQL {users:,}"] = run_population_postgres(users, args, server)
            print("\n".join(print_comparison(columns)), flush=True)
        if delivery > 0:
            for store in args.stores:
                print(f"  delivery on {store} ({_load()})", flush=True)
                lines += deliver_both(delivery, tuple(args.platforms), _delivery_store(store, server, workdir))
        if "postgres" in args.stores and args.failover > 0:
            print(f"  failover ({_load()})", flush=True)
            lines += bench_postgres.failover_lines(server, args.failover)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        server.close()
    table = print_comparison(columns) if columns else []
    notes.append(f"at the end: {_load()}")
    print("\n".join([*table, "", *lines, "", *notes]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench-postgres.md").write_text("\n".join([header, "", *table, "", *lines, "", *notes, ""]))
    print(f"\ntable: {out / 'bench-postgres.md'}")


def _delivery_store(kind: str, server: BenchServer, workdir: str) -> Callable[[str], Store]:
    """A fresh, empty store per platform's run: a TinyDB file, or a new PostgreSQL database."""

    def make(name: str) -> Store:
        if kind == "postgres":
            return open_store(server.create_database(f"clearback_delivery_{name}"))
        return open_store(os.path.join(workdir, f"delivery-{name}", "clearback.json"))

    make.label = kind  # type: ignore[attr-defined]
    return make


def deliver_both(
    delivery: int,
    platforms: tuple[str, ...] = ("telegram", "discord"),
    store: Callable[[str], Store] | None = None,
) -> list[str]:
    on = getattr(store, "label", "memory")
    print(f"\n  delivering {delivery:,} reminders due in the same minute (store: {on}) ...", flush=True)
    lines = []
    if "telegram" in platforms:
        telegram = asyncio.run(deliver_telegram(delivery, store))
        lines.append(
            f"Telegram ({on}): {telegram['count']:.0f} reminders in {telegram['seconds']:.0f} s = "
            f"{telegram['rate']:.2f} messages/s at the server ({100 * telegram['rate'] / telegram['limit']:.1f}% "
            f"of 30/s), busiest second: {telegram['busiest_second']:.0f} messages, "
            f"HTTP 429: {telegram['http_429']:.0f}, duplicates: {telegram['duplicates']:.0f}, "
            f"missing: {telegram['missing']:.0f}"
        )
    if "discord" in platforms:
        dc = asyncio.run(deliver_discord(delivery, store))
        lines.append(
            f"Discord ({on}): {dc['count']:.0f} reminders in {dc['seconds']:.0f} s = {dc['rate']:.2f} "
            f"requests/s at the server ({100 * dc['rate'] / dc['limit']:.1f}% of the 50/s global limit; "
            f"{dc['messages_per_s']:.1f} DMs/s, first DMs need 2 requests), busiest second: "
            f"{dc['busiest_second']:.0f} requests, HTTP 429: {dc['http_429']:.0f}, "
            f"duplicates: {dc['duplicates']:.0f}, missing: {dc['missing']:.0f}"
        )
    return lines


if __name__ == "__main__":
    main()
