"""The fakes enforce the platforms' limits, so "no 429" from them means something.

Their clocks are manual here: requests "arrive at the same instant" however fast the machine is.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.discord_adapter import DiscordAdapter
from adapters.pacing import ArrivalWindow, Pacer
from bot.models import Address, Reply
from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_process import running_in_child
from tests.adapters.fake_telegram import TOKEN, running_fake


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- Telegram: 30 messages within any second, 1 a second per chat ---------------------------------------


async def _send_message(session: aiohttp.ClientSession, base_url: str, chat_id: int) -> tuple[int, Any]:
    async with session.post(f"{base_url}{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": "hi"}) as response:
        return response.status, await response.json()


async def test_fake_telegram_refuses_the_31st_message_within_a_second() -> None:
    clock = ManualClock()
    async with running_fake(enforce_limits=True, clock=clock) as fake, aiohttp.ClientSession() as session:
        for user in range(1, 41):
            fake.open_private_chat(user)
        answers = await asyncio.gather(*(_send_message(session, fake.base_url, user) for user in range(1, 32)))
        statuses = Counter(status for status, _ in answers)
        assert statuses == {200: 30, 429: 1}
        refused = next(body for status, body in answers if status == 429)
        assert refused["parameters"]["retry_after"] >= 1

        clock.now += 0.99  # still within the same second as the first 30: a sliding window, not a fixed one
        assert (await _send_message(session, fake.base_url, 32))[0] == 429
        clock.now += 0.01
        assert (await _send_message(session, fake.base_url, 33))[0] == 200
        assert (await _send_message(session, fake.base_url, 33))[0] == 429  # the same chat within a second
        assert len(fake.violations) == 3


# ---- Discord: the global limit of 50 requests within any second -----------------------------------------


@pytest.fixture
async def limited() -> AsyncIterator[tuple[FakeDiscord, ManualClock]]:
    clock = ManualClock()
    server = FakeDiscord(global_limit=50, clock=clock)
    await server.start()
    yield server, clock
    await server.close()


async def _post(
    session: aiohttp.ClientSession, fake: FakeDiscord, path: str, body: Any
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with session.post(f"{fake.base_url}{path}", json=body, headers=headers) as response:
        return response.status, await response.json(), dict(response.headers)


async def test_fake_discord_answers_a_global_429_above_50_requests_a_second(
    limited: tuple[FakeDiscord, ManualClock],
) -> None:
    fake, clock = limited
    channel = fake.dm_channel(fake.user())["id"]
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(
            *(_post(session, fake, f"/channels/{channel}/messages", {"content": f"n{n}"}) for n in range(60))
        )
        assert Counter(status for status, _, _ in answers) == {200: 50, 429: 10}
        for status, body, headers in answers:
            if status == 429:  # as Discord answers it, and as discord.py reads it
                assert body["global"] is True and 0 < body["retry_after"] <= 1.0
                assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
                assert headers["Via"] and float(headers["Retry-After"]) >= body["retry_after"]

        # Interaction responses do not count against the global limit.
        user = fake.user()
        interaction = fake.slash_command("help", user)
        callback = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        assert (await _post(session, fake, callback, {"type": 4, "data": {"content": "ok"}}))[0] == 200

        clock.now += 0.5  # a sliding second: half a second later it is still full
        status, body, _ = await _post(session, fake, f"/channels/{channel}/messages", {"content": "later"})
        assert status == 429 and body["retry_after"] == pytest.approx(0.5)
        clock.now += 0.5
        assert (await _post(session, fake, f"/channels/{channel}/messages", {"content": "now"}))[0] == 200
    assert len(fake.find("POST", rf"/channels/{channel}/messages")) == 62


def _unpaced_adapter(fake: FakeDiscord, window: ArrivalWindow) -> DiscordAdapter:
    """The real Discord adapter with no request spacing: only `window` stands between it and the fake."""
    return DiscordAdapter(
        _no_handler,
        fake.token,
        sync_commands=False,
        guild_ready_timeout=0.0,
        request_pacer=Pacer(math.inf),
        request_window=window,
    )

async def test_discord_py_waits_out_global_429s_and_delivers_each_message_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ManualClock()  # stands still: every request arrives "at once" until a refusal moves it on
    fake = FakeDiscord(global_limit=10, global_window=0.2, clock=clock)
    await fake.start()
    fake.install(monkeypatch)
    # No pacing and a window far above the fake's limit: the requests go all at once and meet 429s.
    adapter = _unpaced_adapter(fake, ArrivalWindow(10_000))
    await adapter.start()
    try:
        users = [fake.user(f"u{n}") for n in range(15)]  # 30 requests: open each DM, then the message
        sending = asyncio.gather(*(adapter.send(Address("discord", u["id"]), Reply(f"hi {u['id']}")) for u in users))
        seen = 0
        while not sending.done():  # after each refusal the window moves on, as time would while discord.py waits
            refusal = asyncio.ensure_future(fake.wait_for("POST", ".*", since=seen, status=429, within=30))
            either: set[asyncio.Future[Any]] = {sending, refusal}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if refusal.done():
                seen = fake.calls.index(refusal.result()) + 1
                clock.now += 0.2
            else:
                refusal.cancel()
        refs = await sending
    finally:
        await adapter.stop()
        await fake.close()
    refused = [call for call in fake.calls if call.status == 429]
    assert refused  # the limit was met ...
    assert all(refs)  # ... and every send still succeeded, exactly once per person
    for user in users:
        channel = fake.dm_channel(user)["id"]
        delivered = [m for m in fake.messages.values() if m["channel_id"] == channel]
        assert [m["content"] for m in delivered] == [f"hi {user['id']}"]


async def test_the_arrival_window_alone_keeps_discord_from_answering_429(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real time and no pacing: whatever bunching the event loop causes, the window keeps within the limit."""
    fake = FakeDiscord(global_limit=10, global_window=0.1)
    await fake.start()
    fake.install(monkeypatch)
    adapter = _unpaced_adapter(fake, ArrivalWindow(10, 0.1))
    await adapter.start()
    try:
        users = [fake.user(f"u{n}") for n in range(30)]
        refs = await asyncio.gather(*(adapter.send(Address("discord", u["id"]), Reply("hi")) for u in users))
    finally:
        await adapter.stop()
        await fake.close()
    assert all(refs)
    assert [call for call in fake.calls if call.status == 429] == []
    assert len(fake.find("POST", r"/channels/\d+/messages")) == 30


async def _no_handler(incoming: object) -> list[Reply]:
    return []


# ---- the fakes in their own process (the benchmark's set-up) ---------------------------------------------


async def test_fake_in_a_child_process_reports_what_arrived() -> None:
    async with running_in_child("telegram", "--enforce", "--users", "500", "2") as fake:
        async with aiohttp.ClientSession() as session:
            assert (await _send_message(session, fake.base_url, 500))[0] == 200
            assert (await _send_message(session, fake.base_url, 500))[0] == 429  # 1 a second per chat
            assert (await _send_message(session, fake.base_url, 502))[0] == 400  # nobody there
        arrivals = await fake.stop()
    assert [(a.method, a.target, a.status) for a in arrivals] == [
        ("sendMessage", "500", 200),
        ("sendMessage", "500", 429),
        ("sendMessage", "502", 400),
    ]
    assert arrivals[0].at <= arrivals[1].at <= arrivals[2].at
