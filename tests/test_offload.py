"""bot.offload: inline for an in-process store (nothing else runs meanwhile), worker threads for a remote one (the
loop stays free), a bounded pool, and one turn at a time per person. No sleeps: threads wait on events."""

from __future__ import annotations

import asyncio
import threading

from bot.offload import Offload, Turns

WAIT = 10.0  # a generous bound on waits that should end at once: a hang fails instead of blocking the run


async def test_inline_runs_in_the_loop_thread_without_yielding() -> None:
    offload = Offload(remote=False)
    order: list[str] = []

    async def other() -> None:
        order.append("other")

    task = asyncio.ensure_future(other())  # would run at the first yield
    assert await offload.run(lambda: threading.get_ident()) == threading.get_ident()
    order.append("after run")
    await task
    assert order == ["after run", "other"]


async def test_remote_runs_in_a_worker_and_the_loop_goes_on() -> None:
    offload = Offload(remote=True, workers=2)
    release = threading.Event()

    def blocking() -> int:
        assert release.wait(WAIT)  # only the loop can set it: it must not be blocked
        return threading.get_ident()

    call = asyncio.ensure_future(offload.run(blocking))
    await asyncio.sleep(0)
    assert not call.done()
    release.set()  # the loop ran this line while blocking() was waiting in its thread
    assert await asyncio.wait_for(call, WAIT) != threading.get_ident()
    offload.close()


async def test_remote_passes_arguments_and_raises_what_the_function_raised() -> None:
    offload = Offload(remote=True)

    def divide(a: int, *, by: int) -> float:
        return a / by

    assert await offload.run(divide, 6, by=3) == 2
    try:
        await offload.run(divide, 1, by=0)
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the worker's exception must reach the caller")
    offload.close()


async def test_the_pool_is_bounded() -> None:
    offload = Offload(remote=True, workers=2)
    release = threading.Event()
    started = threading.Semaphore(0)
    running = 0
    most = 0
    lock = threading.Lock()

    def busy() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        started.release()
        assert release.wait(WAIT)
        with lock:
            running -= 1

    calls = [asyncio.ensure_future(offload.run(busy)) for _ in range(5)]
    await asyncio.sleep(0)
    for _ in range(2):  # two start...
        assert await asyncio.to_thread(started.acquire, True, WAIT)
    assert not await asyncio.to_thread(started.acquire, True, 0.05)  # ...and a third waits for a free worker
    release.set()
    await asyncio.wait_for(asyncio.gather(*calls), WAIT)
    assert most == 2
    offload.close()


async def test_turns_keep_one_persons_messages_in_order_and_others_apart() -> None:
    turns = Turns()
    order: list[str] = []
    first_in = asyncio.Event()
    let_go = asyncio.Event()

    async def first() -> None:
        async with turns.turn("alice"):
            order.append("alice 1 in")
            first_in.set()
            await let_go.wait()
            order.append("alice 1 out")

    async def second() -> None:
        async with turns.turn("alice"):
            order.append("alice 2")

    async def bob() -> None:
        async with turns.turn("bob"):
            order.append("bob")

    one = asyncio.ensure_future(first())
    await first_in.wait()
    two = asyncio.ensure_future(second())
    await asyncio.wait_for(bob(), WAIT)  # bob is not held up by alice's turn
    assert order == ["alice 1 in", "bob"]
    let_go.set()
    await asyncio.wait_for(asyncio.gather(one, two), WAIT)
    assert order == ["alice 1 in", "bob", "alice 1 out", "alice 2"]
    assert len(turns) == 0  # nobody waits: no lock is kept


async def test_a_turn_that_fails_lets_the_next_one_in() -> None:
    turns = Turns()
    try:
        async with turns.turn("alice"):
            raise ValueError("a handler failed")
    except ValueError:
        pass
    async with turns.turn("alice"):
        pass
    assert len(turns) == 0
