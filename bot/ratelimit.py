"""Pacing for outgoing messages: a global rate per platform and a minimum gap per chat.

Keeping under the platforms' limits in the first place is cheaper than handling their 429s.
Time comes from an injectable monotonic function and sleeping from an injectable coroutine,
so tests can drive it without real waiting.

`Pacer` spaces requests as they leave; `ArrivalWindow` makes sure they cannot bunch up above the
platform's limit on the way there.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimits:
    per_second: float  # across all chats of the platform
    per_chat_interval: float  # seconds between two messages to the same chat


# Telegram: about 30 messages a second overall and 1 a second per chat. Discord: a gap per channel here;
# its global limit of 50 requests a second is kept by the adapter, which paces every request (a first DM
# takes two), so at the level of messages 50/s is only a ceiling.
TELEGRAM_LIMITS = RateLimits(per_second=30.0, per_chat_interval=1.0)
DISCORD_LIMITS = RateLimits(per_second=50.0, per_chat_interval=0.25)
UNLIMITED = RateLimits(per_second=1e9, per_chat_interval=0.0)

_MAX_TRACKED_CHATS = 100_000


class Pacer:
    """Reserves send slots: each call to `wait` returns when the message may go out.

    Time is cut into slots of 1/per_second; each slot carries at most one message. A message that
    must wait for its chat's gap takes a later slot without holding up other chats' messages.
    """

    def __init__(
        self,
        limits: RateLimits,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slot = 1.0 / limits.per_second
        self._chat_interval = limits.per_chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._taken: set[int] = set()
        self._blocked_until = 0.0
        self._next_by_chat: OrderedDict[str, float] = OrderedDict()

    def reserve(self, chat_id: str) -> float:
        """Book the earliest free slot for this chat and return how long to wait for it."""
        now = self._monotonic()
        earliest = max(now, self._blocked_until, self._next_by_chat.get(chat_id, 0.0))
        index = math.ceil(earliest / self._slot - 1e-9)
        while index in self._taken:  # only the sends in flight hold slots, so this stays short
            index += 1
        self._taken.add(index)
        current = math.floor(now / self._slot)
        if len(self._taken) > 64:
            self._taken = {i for i in self._taken if i >= current}
        slot_time = max(earliest, index * self._slot)
        self._next_by_chat[chat_id] = slot_time + self._chat_interval
        self._next_by_chat.move_to_end(chat_id)
        while len(self._next_by_chat) > _MAX_TRACKED_CHATS:
            self._next_by_chat.popitem(last=False)
        return slot_time - now

    async def wait(self, chat_id: str) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await self._sleep(delay)

    def push_back(self, seconds: float) -> None:
        """A platform said 'retry after': hold every send on this platform for that long."""
        self._blocked_until = max(self._blocked_until, self._monotonic() + seconds)


class ArrivalWindow:
    """At most `limit` requests reach the platform within any `window` seconds, however they bunch on the way.

    Requests leave evenly spaced, but a busy event loop or connection can make them arrive bunched. A
    request arrives no earlier than it leaves and no later than its answer comes back, so every earlier
    request still in flight, or answered less than `window` ago, may share a window with a new one at the
    platform. The new one leaves only while fewer than `limit` such requests exist. This holds for a
    sliding window (and so for fixed ones too); the price is about one round trip per window.
    """

    def __init__(
        self,
        limit: int,
        window: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("an arrival window needs a positive limit and length")
        self._limit = limit
        self._window = window
        self._monotonic = monotonic
        self._sleep = sleep
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times within the last window, oldest first
        self._waiters: list[asyncio.Future[None]] = []

    def delay(self) -> float | None:
        """0.0 when a request may leave now, else seconds to wait; None: only an answer can free room."""
        now = self._monotonic()
        # The same comparison as the delay below, so a remaining entry always means a positive wait.
        while self._answered and self._answered[0] + self._window <= now:
            self._answered.popleft()
        excess = self._in_flight + len(self._answered) - (self._limit - 1)
        if excess <= 0:
            return 0.0
        if excess > len(self._answered):
            return None
        return self._answered[excess - 1] + self._window - now

    def try_enter(self) -> float | None:
        """Count a request as in flight and return 0.0 if it may leave now; else what `delay` says."""
        wait = self.delay()
        if wait == 0.0:
            self._in_flight += 1
        return wait

    async def pause(self, wait: float | None) -> None:
        """Wait as `delay` said: that many seconds, or (None) until the next answer comes back."""
        if wait is None:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        elif wait > 0:
            await self._sleep(wait)

    async def enter(self) -> None:
        """Wait until a request may leave and count it as in flight (no await between check and count)."""
        while (wait := self.try_enter()) != 0.0:
            await self.pause(wait)

    def leave(self) -> None:
        """The request's answer (or failure) is back: it counts for one more window from now."""
        self._in_flight -= 1
        self._answered.append(self._monotonic())
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    @asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        await self.enter()
        try:
            yield
        finally:
            self.leave()
