"""Virtual time for asyncio tests: a clock and a sleep that move only when every task is waiting on time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

_SETTLE_ROUNDS = 50  # loop passes that let woken tasks run on until they wait again


class VirtualTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._order), future))
        await future

    async def run(self, *work: Awaitable[T]) -> list[T]:
        """Run `work` to the end, moving the clock to the next wake-up whenever everything waits."""
        tasks = [asyncio.ensure_future(item) for item in work]
        while True:
            for _ in range(_SETTLE_ROUNDS):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            if not self._sleepers:
                for task in tasks:
                    task.cancel()
                raise AssertionError("stuck: tasks wait, but not on time")
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            if not future.done():
                future.set_result(None)
