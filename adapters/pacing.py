"""How requests to the platforms are paced: the one module that decides when a request may leave.

Keeping under the platforms' limits in the first place is cheaper than handling their 429s. Each adapter
owns one `FloodGate`, built from its platform's `FloodLimits` (all of them here: `PLATFORM_LIMITS`):

- `Pacer` books send slots: requests leave at least 1/per_second apart, and two to the same chat at
  least that chat's interval apart; one chat, or every chat, can be held for a while.
- `ArrivalWindow` makes sure the requests cannot bunch up above the platform's limit on the way there.
- `FloodGate` puts both together for one platform, lets background sends (reminders) book only a short
  way ahead so a reply is never queued behind a burst of them, and holds background sends while the
  platform asked to wait.

Time comes from an injectable monotonic function and sleeping from an injectable coroutine, so tests
can drive it without real waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from bisect import bisect_right, insort
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Background sends book slots at most this far ahead, so a reply to someone who writes during a burst of
# reminders books its slot at once and waits at most this long, not behind every reminder of the burst.
SCHEDULED_LOOKAHEAD = 0.5
_PRUNE_CHATS_ABOVE = 1024


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """One platform's limits, as its adapter keeps them.

    Requests leave spaced at `overall_per_second`; on top of that, no more than `overall_limit` can reach
    the platform within any second however the network bunches them (ArrivalWindow). A request counts from
    when it leaves until a second after its answer, so with a round trip of r seconds the window allows
    about overall_limit / (1 + r) a second: it sets the pace once r is above a few tens of milliseconds.
    Two messages to one chat are at least `private_interval` apart (a person's chat) or `group_interval`
    (a group or channel). Background sends book at most `lookahead` seconds of slots ahead (None: no limit).
    """

    overall_per_second: float
    overall_limit: int
    private_interval: float
    group_interval: float
    lookahead: float | None = None

    def __post_init__(self) -> None:
        if self.overall_per_second > self.overall_limit:  # the window would silently cap the spacing
            raise ValueError(
                f"overall_per_second ({self.overall_per_second}) above overall_limit ({self.overall_limit}):"
                " raise both, e.g. replace(limits, overall_per_second=200, overall_limit=200)"
            )


# Telegram: about 30 messages a second overall, 1 a second per chat, 20 a minute per group.
TELEGRAM_LIMITS = FloodLimits(
    overall_per_second=29.0, overall_limit=30, private_interval=1.0, group_interval=3.0, lookahead=SCHEDULED_LOOKAHEAD
)
# Discord: a global limit of 50 requests a second for everything made with the bot token (a first DM takes
# two: opening the DM, then the message), spaced a little below it; a gap per channel between reminders.
# Interaction responses do not count against the global limit and are not paced.
DISCORD_LIMITS = FloodLimits(overall_per_second=48.0, overall_limit=50, private_interval=0.25, group_interval=0.25)


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Every platform's limits: what the wiring (adapters.wiring) gives each adapter."""

    telegram: FloodLimits = TELEGRAM_LIMITS
    discord: FloodLimits = DISCORD_LIMITS


PLATFORM_LIMITS = PlatformLimits()


class Pacer:
    """Books send slots: each booking says when a request may leave.

    Slots are at least 1/per_second apart (a new one goes into the first gap that wide, so a request held
    for its chat's interval does not hold up other chats'); a request to a chat comes at least that chat's
    interval after the previous one to it. `per_second=math.inf` spaces nothing. Only the last second of
    slots and the chats still inside their interval are kept, so memory stays small.
    """

    def __init__(
        self,
        per_second: float,
        chat_interval: float | Callable[[str], float] = 0.0,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pacer needs a positive rate")
        self._gap = 0.0 if math.isinf(per_second) else 1.0 / per_second
        self._interval = chat_interval if callable(chat_interval) else (lambda _key: float(chat_interval))
        self.monotonic = monotonic
        self.sleep = sleep
        self._reserved: list[float] = []  # sorted slot times within the last second and ahead
        self._chat_next: dict[str, float] = {}  # earliest next slot per chat
        self._held_until = 0.0

    @property
    def spaced(self) -> bool:
        return self._gap > 0

    def interval(self, key: str) -> float:
        return self._interval(key)

    def book(self, key: str | None) -> float:
        """Book the earliest free slot for a request to chat `key` (None: no chat) and return its time."""
        now = self.monotonic()
        self._prune(now)
        slot = max(now, self._held_until, self._chat_next.get(key, now) if key is not None else now)
        if self._gap:
            index = bisect_right(self._reserved, slot - self._gap)
            while index < len(self._reserved) and self._reserved[index] < slot + self._gap:
                slot = self._reserved[index] + self._gap
                index += 1
            insort(self._reserved, slot)
        if key is not None:
            self._chat_next[key] = slot + self._interval(key)
        return slot

    def reserve(self, key: str | None) -> float:
        """Book a slot and return how long to wait for it."""
        return self.book(key) - self.monotonic()

    async def wait(self, key: str | None) -> None:
        delay = self.reserve(key)
        if delay > 0:
            await self.sleep(delay)

    def booked_ahead(self) -> list[float]:
        """The slots booked from now on, earliest first."""
        return self._reserved[bisect_right(self._reserved, self.monotonic()) :]

    def block(self, key: str, seconds: float) -> None:
        """The platform said 'retry after' for this chat: nothing goes to it for that long."""
        until = self.monotonic() + seconds
        self._chat_next[key] = max(self._chat_next.get(key, until), until)

    def push_back(self, seconds: float) -> None:
        """The platform said 'retry after' to everything: hold every request for that long."""
        self._held_until = max(self._held_until, self.monotonic() + seconds)

    def _prune(self, now: float) -> None:
        cutoff = bisect_right(self._reserved, now - 1.0)
        if cutoff:
            del self._reserved[:cutoff]
        if len(self._chat_next) > _PRUNE_CHATS_ABOVE:
            for key in [key for key, next_slot in self._chat_next.items() if next_slot < now]:
                del self._chat_next[key]


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
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
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


class FloodGate:
    """One platform's pacing: `async with gate.sending(chat)` around each request that counts.

    Each request books a slot synchronously (no await between looking and booking, so concurrent callers in
    one event loop never collide), then sleeps until it. Slots are planned ahead, so after an event-loop
    stall several requests could wake at once: before going, each also checks its chat's real last send
    time and passes the arrival window (unless the platform's window is kept elsewhere: `count_arrivals`).
    Background sends take turns to book, and only while fewer than `lookahead` seconds of slots are booked
    ahead; replies book at once. `hold_background` (a flood wait the adapter did not wait out) holds
    background sends only; `block` holds one chat.
    """

    def __init__(
        self,
        limits: FloodLimits,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        *,
        group_chat: Callable[[str], bool] = lambda _key: False,
        count_arrivals: bool = True,
        pacer: Pacer | None = None,
    ) -> None:
        def interval(key: str) -> float:
            return limits.group_interval if group_chat(key) else limits.private_interval

        self.limits = limits
        self.pacer = pacer or Pacer(limits.overall_per_second, interval, monotonic, sleep)
        self._clock = self.pacer.monotonic
        self._sleep = self.pacer.sleep
        self.window = ArrivalWindow(limits.overall_limit, 1.0, self._clock, self._sleep) if count_arrivals else None
        self._sent: dict[str, float] = {}  # real last send time per chat
        self._background_turn = asyncio.Lock()  # background sends book one at a time, in order
        ahead = limits.lookahead
        self._ahead = None if ahead is None else max(1, round(ahead * limits.overall_per_second))
        self._background_held_until = 0.0

    def block(self, key: str, seconds: float) -> None:
        self.pacer.block(key, seconds)

    def hold_background(self, seconds: float) -> None:
        """The platform asked to wait longer than the adapter waits in place: background sends wait too."""
        self._background_held_until = max(self._background_held_until, self._clock() + seconds)

    @asynccontextmanager
    async def sending(self, key: str | None, *, background: bool = False) -> AsyncIterator[None]:
        """Wait until a request to chat `key` (None: no chat) may go, and count it as on its way until the
        block ends."""
        if background:
            while (held := self._background_held_until - self._clock()) > 0:
                await self._sleep(held)
        if background and self._ahead is not None and self.pacer.spaced:
            async with self._background_turn:
                while len(booked := self.pacer.booked_ahead()) >= self._ahead:
                    await self._sleep(booked[0] - self._clock())  # until the earliest booked slot comes
                delay = self.pacer.reserve(key)
        else:
            delay = self.pacer.reserve(key)
        if delay > 0:
            await self._sleep(delay)
        while True:  # both checks, then counting it as sent, without an await in between
            last = self._sent.get(key) if key is not None else None
            chat_wait = 0.0 if last is None or key is None else last + self.pacer.interval(key) - self._clock()
            if chat_wait > 0:
                await self._sleep(chat_wait)
                continue
            window_wait = self.window.try_enter() if self.window is not None else 0.0
            if window_wait == 0.0:
                break
            assert self.window is not None
            await self.window.pause(window_wait)
        if key is not None:
            self._remember_sent(key)
        try:
            yield
        finally:
            if self.window is not None:
                self.window.leave()

    def _remember_sent(self, key: str) -> None:
        now = self._clock()
        self._sent[key] = now
        if len(self._sent) > _PRUNE_CHATS_ABOVE:
            for chat in [chat for chat, at in self._sent.items() if at + self.pacer.interval(chat) < now]:
                del self._sent[chat]
