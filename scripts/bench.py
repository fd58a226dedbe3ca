"""`make bench`: ClearBack's speed and scale figures, printed as one table.

    make bench                      # 1k, 10k and 100k users, 10,000 reminders due in one minute per platform
    make bench ARGS="--million"     # also 1,000,000 users
    make bench ARGS="--quick"       # 1k and 10k users, 1,000 reminders in the delivery run

For each population (a fixed seed; 3 reminders per user; a year of history for a sample of accounts;
a journal to replay) it measures, in a fresh child process each: start-up (open the store, rebuild the
indexes, replay the journal, recover), resident memory, the core's `/reminders`, `/progress` (text) and
`/done` (a durable write) as the platforms call them, the scheduler's idle tick and how soon a due
reminder reaches its adapter, then the same update through plain TinyDB for the ratio. Then it
delivers N reminders falling due in the same minute through the real Telegram and Discord adapters to
local fakes that enforce the platforms' limits. It writes a chart of cost against users.
"""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import replace
from datetime import UTC, datetime
from datetime import time as time_of_day
from pathlib import Path

import psutil

from bot.app import App
from bot.clock import FakeClock
from bot.models import Address, Identity, IncomingMessage, Reply
from bot.recurrence import Schedule
from bot.throttle import Throttle
from scripts import bench_storage as population
from storage.memory_store import MemoryStore
from storage.tinydb_store import TinyDBStore

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
def measure_core(path: str, users: int, history_accounts: int, samples: int) -> dict[str, float]:
    out: dict[str, float] = {}
    started = time.perf_counter()
    store = TinyDBStore(path)
    app = App(store, FakeClock(datetime.fromtimestamp(NOW - 60, tz=UTC)))
    recovered = asyncio.run(app.scheduler.recover())
    out["startup_s"] = time.perf_counter() - started
    out["recovered"] = recovered
    out["rss_mb"] = psutil.Process().memory_info().rss / (1 << 20)
    app.core.throttle = Throttle(rate=1e9, burst=1e9)  # measuring the work, not the flood control
    rng = random.Random(SEED)

    def timed(texts: list[tuple[int, str]]) -> list[float]:
        result = []
        for i, text in texts:
            t = time.perf_counter()
            replies = app.core.handle_sync(message_for(i, text))
            result.append(time.perf_counter() - t)
            assert replies and "wrong" not in replies[0].text, replies[0].text
        return result

    out.update(summary("reminders", timed([(rng.randrange(users), "/reminders") for _ in range(samples)])))
    sample = rng.sample(range(min(history_accounts, users)), min(200, history_accounts, users))
    out.update(summary("progress_cold", timed([(i, "/progress text") for i in sample])))
    out.update(summary("progress_warm", timed([(i, "/progress text") for i in sample])))
    # /done on the open, unanswered occurrence every 5th-but-not person has (a durable write each).
    answering = [i for i in rng.sample(range(users), min(users, samples * 2)) if i % 5][:samples]
    out.update(summary("done", timed([(i, "/done 2") for i in answering])))

    idle = []
    for _ in range(1000):
        t = time.perf_counter()
        asyncio.run(_one_tick(app))
        idle.append(time.perf_counter() - t)
    out.update(summary("tick_idle", idle))
    out.update(_handoff(store))
    t = time.perf_counter()
    store.checkpoint_in_background().join()  # snapshot + every history file the commands touched
    out["checkpoint_s"] = time.perf_counter() - t
    store.close()
    return out


async def _one_tick(app: App) -> None:
    await app.scheduler.tick()


def _handoff(store: TinyDBStore) -> dict[str, float]:
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


async def deliver_telegram(count: int) -> dict[str, float]:
    from adapters.telegram_adapter import TelegramAdapter
    from bot.ratelimit import UNLIMITED
    from tests.adapters.fake_telegram import TOKEN, running_fake

    app = App(MemoryStore(), ShiftedClock(NOW - 1))
    users = await _populate_due(app, "telegram", count, NOW)
    async with running_fake(enforce_limits=True) as fake:
        for user in users:
            fake.open_private_chat(int(user))
        adapter = TelegramAdapter(app.handle, TOKEN, base_url=fake.base_url, poll_timeout=1)
        app.hub.register(adapter, UNLIMITED)
        await adapter.start()
        loop = asyncio.create_task(app.run())
        try:
            first = None
            while True:
                sent = sum(1 for c in fake.calls_to("sendMessage") if c.ok)
                if first is None and sent:
                    first = time.monotonic()
                if sent >= count:
                    break
                await asyncio.sleep(0.2)
            assert first is not None
            elapsed = time.monotonic() - first
        finally:
            app.stop()
            await loop
            await adapter.stop()
        per_user = Counter(c.chat_id for c in fake.calls_to("sendMessage") if c.ok)
        return {
            "count": count,
            "seconds": elapsed,
            "rate": count / elapsed,
            "limit": 30.0,
            "http_429": float(sum(1 for c in fake.calls if c.status == 429)),
            "duplicates": float(sum(n - 1 for n in per_user.values() if n > 1)),
            "missing": float(count - len(per_user)),
        }


async def deliver_discord(count: int) -> dict[str, float]:
    import pytest

    from adapters.discord_adapter import DiscordAdapter
    from adapters.discord_render import specs_from_core
    from bot.ratelimit import UNLIMITED
    from tests.adapters.fake_discord import FakeDiscord

    fake = FakeDiscord()
    await fake.start()
    patch = pytest.MonkeyPatch()
    fake.install(patch)
    app = App(MemoryStore(), ShiftedClock(NOW - 1))
    await _populate_due(app, "discord", count, NOW)
    adapter = DiscordAdapter(app.handle, fake.token, commands=specs_from_core(), sync_commands=False)
    app.hub.register(adapter, UNLIMITED)
    try:
        await adapter.start()
        mark = fake.mark()
        loop = asyncio.create_task(app.run())
        first = None
        while True:
            posts = fake.find("POST", r"/channels/\d+/messages", since=mark)
            if first is None and posts:
                first = time.monotonic()
            if len(posts) >= count:
                break
            await asyncio.sleep(0.2)
        assert first is not None
        elapsed = time.monotonic() - first
        app.stop()
        await loop
        calls = fake.calls[mark:]
        stamps = sorted(c.at for c in calls)
        busiest = max(
            (sum(1 for s in stamps[i : i + 200] if s - stamps[i] < 1.0) for i in range(len(stamps))), default=0
        )
        return {
            "count": count,
            "seconds": elapsed,
            "rate": len(calls) / elapsed,
            "limit": 50.0,
            "http_429": float(sum(1 for c in calls if c.status == 429)),
            "busiest_second": float(busiest),
            "messages_per_s": count / elapsed,
            "duplicates": float(len(posts) - len({p.path for p in posts})),
        }
    finally:
        await adapter.stop()
        await fake.close()
        patch.undo()


# Report ---------------------------------------------------------------------------------------------------
ROWS = [
    ("snapshot_mb", "database snapshot (MB)", "{:.1f}"),
    ("startup_s", "start-up: load, indexes, journal replay, recover (s)", "{:.2f}"),
    ("rss_mb", "resident memory after start-up (MB)", "{:.0f}"),
    ("reminders_median_ms", "/reminders median (ms)", "{:.3f}"),
    ("reminders_p99_ms", "/reminders p99 (ms)", "{:.3f}"),
    ("progress_cold_p99_ms", "/progress text, history from disk, p99 (ms)", "{:.2f}"),
    ("progress_warm_p99_ms", "/progress text, history cached, p99 (ms)", "{:.2f}"),
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
    generated = population.generate(path, users, history_accounts, args.journal_mb, SEED)
    child = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--child", path, str(users), str(history_accounts), str(args.samples)],
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        raise SystemExit(f"measuring {users} users failed:\n{child.stderr[-3000:]}")
    out: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    out["snapshot_mb"] = generated["snapshot_mb"]
    plain = population.plain_tinydb(workdir, min(users * 3, args.tinydb_cap), 20, SEED)
    out["plain_update_median_ms"] = plain["plain_update_median_ms"]
    out["plain_reminders"] = plain["plain_reminders"]
    out["ratio"] = plain["plain_update_median_ms"] / out["done_median_ms"]
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)
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
    parser.add_argument("--out", default="bench-out", help="where the chart and the table go")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        path, users, history_accounts, samples = args.child
        print(json.dumps(measure_core(path, int(users), int(history_accounts), int(samples))))
        return

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    if args.sizes is not None:
        sizes = args.sizes
    if args.million:
        sizes.append(1_000_000)
    delivery = min(args.delivery, 1_000) if args.quick else args.delivery
    memory = psutil.virtual_memory().total / (1 << 30)
    header = (
        f"ClearBack benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
    )
    print(header, flush=True)
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
        lines = deliver_both(delivery)
    print("\n".join(lines))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if results:
        write_chart(results, out / "bench-scaling.png")
    (out / "bench.md").write_text("\n".join([header, "", *table, "", *lines, ""]))
    print(f"\nchart: {out / 'bench-scaling.png'}, table: {out / 'bench.md'}")


def deliver_both(delivery: int) -> list[str]:
    print(f"\n  delivering {delivery:,} reminders due in the same minute ...", flush=True)
    telegram = asyncio.run(deliver_telegram(delivery))
    discord = asyncio.run(deliver_discord(delivery))
    return [
        f"Telegram: {telegram['count']:.0f} reminders in {telegram['seconds']:.0f} s = {telegram['rate']:.1f}/s "
        f"({100 * telegram['rate'] / telegram['limit']:.0f}% of 30/s), HTTP 429: {telegram['http_429']:.0f}, "
        f"duplicates: {telegram['duplicates']:.0f}, missing: {telegram['missing']:.0f}",
        f"Discord: {discord['count']:.0f} reminders in {discord['seconds']:.0f} s = {discord['rate']:.1f} requests/s "
        f"({100 * discord['rate'] / discord['limit']:.0f}% of the 50/s global limit; {discord['messages_per_s']:.1f} "
        f"DMs/s, first DMs need 2 requests), busiest second: {discord['busiest_second']:.0f} requests, "
        f"HTTP 429: {discord['http_429']:.0f}, duplicates: {discord['duplicates']:.0f}",
    ]


if __name__ == "__main__":
    main()
