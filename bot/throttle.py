"""Per-person flood control: someone sending hundreds of messages a second is slowed down politely,
without delaying anybody else."""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Callable

_MAX_TRACKED = 50_000


class Throttle:
    """A token bucket per identity: `burst` messages at once, then `rate` per second."""

    def __init__(self, rate: float = 5.0, burst: float = 20.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._monotonic = monotonic
        self._buckets: OrderedDict[str, tuple[float, float, bool]] = OrderedDict()  # tokens, stamp, warned
        # What was skipped per identity, by kind ("/remind", "a button", "a message"): never the text itself.
        self._skipped: OrderedDict[str, Counter[str]] = OrderedDict()

    def allow(self, key: str, kind: str = "a message") -> tuple[bool, bool]:
        """(allowed, warn): warn is True once per flood, so the person is told to wait exactly once.
        A message not allowed is counted under `kind`, for take_skipped()."""
        now = self._monotonic()
        tokens, stamp, warned = self._buckets.get(key, (self._burst, now, False))
        tokens = min(self._burst, tokens + (now - stamp) * self._rate)
        if tokens >= 1.0:
            # One message let through mid-flood does not end it: the warning is given again only after a rest.
            self._store(key, (tokens - 1.0, now, warned and not self._rested(tokens)))
            return True, False
        self._store(key, (tokens, now, True))
        skipped = self._skipped.setdefault(key, Counter())
        skipped[kind] += 1
        self._skipped.move_to_end(key)
        while len(self._skipped) > _MAX_TRACKED:
            self._skipped.popitem(last=False)
        return False, not warned

    def _rested(self, tokens: float) -> bool:
        return tokens >= self._burst / 2

    def take_skipped(self, key: str) -> Counter[str]:
        """What this identity sent that was not acted on, once the flood is over (the bucket half full again):
        then forgotten. Mid-flood it is empty, so the notice comes once, not after every message let through."""
        bucket = self._buckets.get(key)
        if bucket is None or not self._rested(bucket[0] + 1.0):  # +1: the message just let through took one
            return Counter()
        return self._skipped.pop(key, Counter())

    def _store(self, key: str, value: tuple[float, float, bool]) -> None:
        self._buckets[key] = value
        self._buckets.move_to_end(key)
        while len(self._buckets) > _MAX_TRACKED:
            self._buckets.popitem(last=False)
