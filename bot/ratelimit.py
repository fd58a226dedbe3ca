"""Pacing for outgoing messages: a global rate per platform and a minimum gap per chat.

Keeping under the platforms' limits in the first place is cheaper than handling their 429s.
Time comes from an injectable monotonic function and sleeping from an injectable coroutine,
so tests can drive it without real waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimits:
    per_second: float  # across all chats of the platform
    per_chat_interval: float  # seconds between two messages to the same chat


# Telegram: about 30 messages a second overall and 1 a second per chat. Discord's global limit is
# 50 requests a second; 45 leaves room for the interaction replies that share it.
TELEGRAM_LIMITS = RateLimits(per_second=30.0, per_chat_interval=1.0)
DISCORD_LIMITS = RateLimits(per_second=45.0, per_chat_interval=0.25)
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
