"""The Telegram adapter's FloodLimiter (over adapters.pacing.FloodGate) in virtual time: what reaches Telegram
stays within its limits however the requests bunch on the way, and the rate stays close to them."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from typing import Any

import pytest

from adapters.pacing import SCHEDULED_LOOKAHEAD, TELEGRAM_LIMITS
from adapters.telegram_calls import FloodLimiter, sending_kind
from tests.adapters.test_pacing import busiest_window
from tests.virtual_time import VirtualTime


async def _send_all(
    chats: list[str], latencies: list[float], placements: list[float]
) -> list[tuple[str, float, float]]:
    """One sendMessage per entry of `chats` through the limiter; each arrives somewhere between leaving and
    its answer (placement 0: as it leaves, 1: as the answer comes back). Returns (chat, left, arrived)."""
    time = VirtualTime()
    limiter = FloodLimiter(TELEGRAM_LIMITS, clock=time, sleep=time.sleep)
    arrivals: list[tuple[str, float, float]] = []

    async def send(n: int) -> dict[str, Any]:
        arrivals.append((chats[n], time.now, time.now + placements[n] * latencies[n]))
        await time.sleep(latencies[n])
        return {"ok": True}

    async def request(n: int) -> object:
        return await limiter.process_request(send, (n,), {}, "sendMessage", {"chat_id": chats[n]}, None)

    await time.run(*(request(n) for n in range(len(chats))))
    return arrivals


async def test_telegram_sees_at_most_30_messages_in_any_second_however_they_bunch() -> None:
    rng = random.Random(7)
    chats = [str(1000 + rng.randrange(250)) for _ in range(500)]  # some chats get several messages
    latencies = [rng.choice([0.0, 0.005, 0.25, rng.uniform(0.0, 0.7)]) for _ in chats]
    placements = [rng.choice([0.0, 1.0, rng.random()]) for _ in chats]
    arrivals = await _send_all(chats, latencies, placements)
    assert len(arrivals) == 500
    assert busiest_window([at for _, _, at in arrivals]) <= 30
    last_left: dict[str, float] = {}
    for chat, left, _ in sorted(arrivals, key=lambda item: item[1]):
        assert left - last_left.get(chat, left - 1.0) >= 1.0 - 1e-9  # a second between two to the same chat
        last_left[chat] = left


async def test_with_a_short_round_trip_the_limiter_runs_close_to_the_limit() -> None:
    chats = [str(1000 + n) for n in range(581)]
    arrivals = await _send_all(chats, [0.01] * len(chats), [0.5] * len(chats))
    stamps = sorted(at for _, _, at in arrivals)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert 28.5 < rate <= 29.0 + 1e-9  # spaced at 29/s; the window seldom holds one back
    assert busiest_window(stamps) <= 30


async def test_a_reply_during_a_burst_of_reminders_goes_out_within_the_lookahead() -> None:
    time = VirtualTime()
    limiter = FloodLimiter(TELEGRAM_LIMITS, clock=time, sleep=time.sleep)
    left: dict[str, float] = {}

    async def send(chat: str) -> dict[str, Any]:
        left[chat] = time.now
        await time.sleep(0.01)
        return {"ok": True}

    async def request(chat: str, interactive: bool, after: float = 0.0) -> object:
        await time.sleep(after)
        with sending_kind(interactive):
            return await limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)

    started = time.now
    reminders = [request(str(1000 + n), interactive=False) for n in range(300)]  # ~10 s of sending
    await time.run(*reminders, request("42", interactive=True, after=3.0))
    assert left["42"] - (started + 3.0) <= SCHEDULED_LOOKAHEAD + 0.1  # not behind the other ~200 reminders
    stamps = sorted(left.values())
    assert busiest_window(stamps) <= 30
    assert (len(stamps) - 1) / (stamps[-1] - stamps[0]) > 28.5  # and the reminders lose no pace


def test_spacing_above_the_window_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="raise both"):
        replace(TELEGRAM_LIMITS, overall_per_second=200)
    assert replace(TELEGRAM_LIMITS, overall_per_second=200, overall_limit=200).overall_limit == 200


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_limiter_spaces_messages_per_chat_and_overall() -> None:
    clock = ManualClock()
    limits = replace(TELEGRAM_LIMITS, overall_per_second=30, private_interval=1.0, group_interval=3.0)
    limiter = FloodLimiter(limits, clock)
    assert [limiter.reserve("1") - clock.now for _ in range(3)] == [0.0, 1.0, 2.0]
    assert limiter.reserve("-100") - clock.now == pytest.approx(1 / 30)  # global spacing
    assert limiter.reserve("-100") - clock.now == pytest.approx(3 + 1 / 30)  # groups: 20/min
    slots = sorted(limiter.reserve(str(chat_id)) for chat_id in range(2, 92))
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(slots))
    window = [slot for slot in slots if slots[0] <= slot < slots[0] + 1.0]
    assert len(window) <= 30
    limiter.block("7", 5.0)
    assert limiter.reserve("7") - clock.now >= 5.0
