"""/healthz and /metrics over loopback (adapters/http_server.py), with the real App and Telegram adapter against
the fake Bot API: the counters move when reminders are delivered, fail and meet a 429."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from adapters.base import Adapter
from adapters.http_server import Endpoints, HttpListener, start_http
from adapters.metrics import PrometheusTelemetry
from adapters.settings import PlatformSettings
from bot.app import App
from bot.delivery import DeliveryError
from bot.health import Probe
from bot.models import Address, Reply
from bot.timing.clock import FakeClock
from storage.base import StorageUnavailable
from storage.memory_store import MemoryStore
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.test_telegram_outage import eventually
from tests.adapters.wired import wired

USER = 6100


class UnwritableStore(MemoryStore):
    """A store whose disk is full: every probe write fails, as a commit would."""

    def probe_write(self, now: float) -> None:
        raise StorageUnavailable("could not save the change: No space left on device")


@dataclass
class Running:
    app: App
    clock: FakeClock
    adapter: Adapter
    listener: HttpListener

    async def get(self, path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.listener.port}{path}") as answer,
        ):
            return answer.status, await answer.text()

    async def metric(self, name: str, **labels: str) -> float:
        _, text = await self.get("/metrics")
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
        match = re.search(pattern, text, re.MULTILINE)
        assert match, f"{name} {labels} not in /metrics"
        return float(match.group(1))


async def running(fake: FakeTelegram, store: MemoryStore | None = None) -> Running:
    clock = FakeClock(datetime(2026, 11, 25, 12, tzinfo=UTC))
    metrics = PrometheusTelemetry(["telegram"])
    app = App(store or MemoryStore(), clock, telemetry=metrics)
    adapter = wired(app, PlatformSettings(telegram_token=TOKEN, telegram_base_url=fake.base_url))
    listener = start_http(Endpoints(Probe(app, counts_max_age=0), [adapter], metrics), "127.0.0.1", 0)
    return Running(app, clock, adapter, listener)


@pytest.fixture
async def bot(telegram_fake: FakeTelegram) -> AsyncIterator[Running]:
    run = await running(telegram_fake)
    await run.adapter.start()
    yield run
    await run.adapter.stop()
    await run.listener.stop()


async def reminded(fake: FakeTelegram, text: str) -> None:
    fake.inject_message(USER, f"/remind {text} in 1m")
    await fake.wait_for(lambda: any(f"set: {text}" in m.text for m in fake.bot_messages(USER)) or None)


async def test_healthz_is_200_with_a_small_body_when_all_is_well(bot: Running) -> None:
    status, body = await bot.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "store": "writable", "platforms": {"telegram": "connected"}}
    assert (await bot.get("/nothing-else"))[0] == 404


async def test_healthz_is_503_naming_a_platform_that_is_down(bot: Running, telegram_fake: FakeTelegram) -> None:
    await telegram_fake.refuse_connections()
    await reminded_later(bot)
    status, body = await bot.get("/healthz")
    assert status == 503
    answer: dict[str, Any] = json.loads(body)
    assert answer["platforms"] == {"telegram": "unreachable"}
    assert answer["problems"] == ["telegram unreachable: connection refused"]
    assert await bot.metric("clearback_platform_connected", platform="telegram") == 0


async def reminded_later(bot: Running) -> None:
    """A send that cannot connect: what tells the adapter the platform is down mid-run."""
    with contextlib.suppress(DeliveryError):
        await bot.adapter.send(Address("telegram", str(USER)), Reply("hello"))
    await eventually(lambda: not bot.adapter.link.connected)


async def test_healthz_is_503_when_the_store_takes_no_writes(telegram_fake: FakeTelegram) -> None:
    run = await running(telegram_fake, UnwritableStore())
    await run.adapter.start()
    try:
        status, body = await run.get("/healthz")
        assert status == 503
        assert json.loads(body)["problems"] == ["the store does not accept writes"]
    finally:
        await run.adapter.stop()
        await run.listener.stop()


async def test_metrics_move_as_reminders_are_delivered_fail_and_meet_a_429(
    bot: Running, telegram_fake: FakeTelegram
) -> None:
    status, text = await bot.get("/metrics")
    assert status == 200 and "# TYPE clearback_reminders_delivered_total counter" in text
    assert all(line.startswith(("#", "clearback_")) for line in text.splitlines() if line)

    await reminded(telegram_fake, "stretch")
    assert await bot.metric("clearback_command_duration_seconds_count") == 1
    assert await bot.metric("clearback_people") == 1 and await bot.metric("clearback_reminders") == 1
    bot.clock.advance(70)  # 10 s after it was due
    assert await bot.metric("clearback_reminders_backlog") == 1  # due, not sent yet
    await bot.app.scheduler.tick()
    assert await bot.metric("clearback_reminders_delivered_total", platform="telegram") == 1
    assert await bot.metric("clearback_reminder_lateness_seconds_count") == 1
    assert await bot.metric("clearback_reminder_lateness_seconds_bucket", le="5.0") == 0
    assert await bot.metric("clearback_reminder_lateness_seconds_bucket", le="15.0") == 1
    assert await bot.metric("clearback_reminders_backlog") == 0

    await reminded(telegram_fake, "cream")
    telegram_fake.blocked.add(USER)  # from now on the person has blocked the bot
    bot.clock.advance(61)
    await bot.app.scheduler.tick()
    assert await bot.metric("clearback_reminders_parked_total") == 1
    assert (
        await bot.metric("clearback_reminders_failed_total", platform="telegram", reason="recipient_unreachable") == 1
    )

    # Last: a flood wait holds this adapter's later background sends for as long (real seconds).
    telegram_fake.blocked.clear()
    await reminded(telegram_fake, "peel")
    telegram_fake.flood(times=1, retry_after=60)  # longer than the adapter waits in place: the scheduler retries
    bot.clock.advance(60)
    await bot.app.scheduler.tick()
    assert await bot.metric("clearback_http_429_total", platform="telegram") == 1
    assert await bot.metric("clearback_reminders_failed_total", platform="telegram", reason="rate_limited") == 1
    assert await bot.metric("clearback_reminders_retried_total") == 1
    assert await bot.metric("clearback_reminders_delivered_total", platform="telegram") == 1
