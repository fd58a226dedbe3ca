from __future__ import annotations

import random

from adapters.pacing import ArrivalWindow, Pacer
from tests.virtual_time import VirtualTime


class ManualTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_global_rate_spaces_sends_across_chats() -> None:
    clock = ManualTime()
    pacer = Pacer(30, 1.0, monotonic=clock)
    waits = [pacer.reserve(f"chat{i}") for i in range(60)]
    assert waits[0] == 0
    assert abs(waits[-1] - 59 / 30) < 1e-9  # 60 messages take two seconds at 30 a second


def test_per_chat_gap_is_kept_while_other_chats_go_ahead() -> None:
    clock = ManualTime()
    pacer = Pacer(30, 1.0, monotonic=clock)
    assert pacer.reserve("alice") == 0
    assert abs(pacer.reserve("alice") - 1.0) < 1e-9
    bob = pacer.reserve("bob")
    assert bob < 0.1  # not held up behind alice's second message


def test_push_back_holds_every_send_for_retry_after() -> None:
    clock = ManualTime()
    pacer = Pacer(30, 0.0, monotonic=clock)
    pacer.push_back(5.0)
    assert pacer.reserve("x") == 5.0
    clock.now += 10
    assert pacer.reserve("y") == 0


# The arrival window ---------------------------------------------------------------------------------------


def busiest_window(stamps: list[float], window: float = 1.0) -> int:
    """The most stamps within any `window` seconds (sliding, half-open)."""
    stamps = sorted(stamps)
    first = most = 0
    for last, stamp in enumerate(stamps):
        while stamps[first] <= stamp - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_window_counts_requests_in_flight_and_answered_within_the_last_window() -> None:
    clock = ManualTime()
    window = ArrivalWindow(3, 1.0, monotonic=clock)
    window._in_flight = 2  # two requests on their way
    assert window.delay() == 0.0  # a third may go
    window._in_flight = 3
    assert window.delay() is None  # a fourth must wait for an answer: no time alone frees room
    clock.now += 0.5
    window.leave()  # answered at 100.5: it may have arrived as late as that
    assert window.delay() == 1.0  # ... so it counts until 101.5
    clock.now += 1.0
    assert window.delay() == 0.0


async def _paced_requests(limit: int, count: int, latencies: list[float], placements: list[float]) -> list[float]:
    """`count` requests spaced at 29/s through a window of `limit`; each arrives somewhere between leaving
    and its answer (placement 0 = as it leaves, 1 = as its answer comes back). Returns the arrival times."""
    time = VirtualTime()
    pacer = Pacer(29, 0.0, monotonic=time, sleep=time.sleep)
    window = ArrivalWindow(limit, 1.0, monotonic=time, sleep=time.sleep)
    arrivals: list[float] = []

    async def request(n: int) -> None:
        await pacer.wait("platform")
        async with window.request():
            arrivals.append(time.now + placements[n] * latencies[n])
            await time.sleep(latencies[n])

    await time.run(*(request(n) for n in range(count)))
    return arrivals


async def test_arrivals_stay_within_the_limit_however_the_network_bunches_them() -> None:
    rng = random.Random(20261125)
    latencies = [rng.choice([0.0, 0.002, 0.3, rng.uniform(0.0, 0.8)]) for _ in range(400)]
    placements = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(400)]
    unguarded = await _paced_requests(10_000, 400, latencies, placements)
    assert busiest_window(unguarded) > 30  # pacing alone: evenly spaced departures arrive bunched
    guarded = await _paced_requests(30, 400, latencies, placements)
    assert len(guarded) == 400
    assert busiest_window(guarded) <= 30


async def test_with_a_short_round_trip_the_window_costs_next_to_no_rate() -> None:
    time = VirtualTime()
    pacer = Pacer(29, 0.0, monotonic=time, sleep=time.sleep)
    window = ArrivalWindow(30, 1.0, monotonic=time, sleep=time.sleep)

    async def request() -> None:
        await pacer.wait("platform")
        async with window.request():
            await time.sleep(0.01)

    start = time.now
    await time.run(*(request() for _ in range(291)))
    assert time.now - start < 10.1  # 290 gaps of 1/29 s: 10 s; the window held nobody back noticeably


async def test_a_request_waiting_for_room_goes_when_an_answer_ages_out() -> None:
    time = VirtualTime()
    window = ArrivalWindow(2, 1.0, monotonic=time, sleep=time.sleep)
    left: list[float] = []

    async def request(latency: float) -> None:
        async with window.request():
            left.append(time.now)
            await time.sleep(latency)

    await time.run(request(0.25), request(5.0), request(0.0))
    assert left == [1000.0, 1000.0, 1001.25]  # the third waits for the first answer (at .25) plus a second
