"""Whether an adapter can reach its platform now, and how long it waits before trying again.

Each adapter owns one `Link`. It says CONNECTING until the first contact, CONNECTED while requests get through,
UNREACHABLE (with a short reason) while they cannot, REJECTED when the platform refused the token, and STOPPED
after stop(). run_bot.py watches for REJECTED (that adapter stops; the process ends only when none is left),
the health endpoint reads `connected`, and the app is told when a platform comes back so that what waited for
it goes out at once (`on_change`).

`Backoff` is the wait between attempts to reach a platform that cannot be reached: exponential, capped (5
minutes by default) and jittered, so a fleet of bots does not knock on the platform's door all at once.
`reason_of` turns a network exception into the few words an operator can act on ("name resolution failed").
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
from collections.abc import Callable
from typing import Final

logger = logging.getLogger(__name__)

CONNECTING: Final = "connecting"
CONNECTED: Final = "connected"
UNREACHABLE: Final = "unreachable"
REJECTED: Final = "rejected"
STOPPED: Final = "stopped"

DEFAULT_FIRST_WAIT = 5.0
DEFAULT_MAX_WAIT = 300.0  # an outage of hours is retried every 2.5-5 minutes, never less often


class Link:
    """One adapter's view of its platform. Listeners run on every change of state (never on a repeat)."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.state: str = CONNECTING
        self.reason = ""  # why it is unreachable, or the setting to fix when rejected
        self._listeners: list[Callable[[Link], None]] = []

    @property
    def connected(self) -> bool:
        return self.state == CONNECTED

    def on_change(self, listener: Callable[[Link], None]) -> None:
        self._listeners.append(listener)

    def starting(self) -> None:
        """start() again after stop() (or a first start): no verdict yet."""
        self._set(CONNECTING, "")

    def up(self) -> None:
        if self.state not in (REJECTED, STOPPED):  # a late success does not undo a verdict either
            self._set(CONNECTED, "")

    def retrying(self, log: logging.Logger, label: str, reason: str, wait: float) -> None:
        """A failed attempt: its one line (text and JSON fields), and the link down for `reason`."""
        log.warning(retry_line(label, reason, wait), extra=retry_fields(self.platform, reason, wait))
        self.down(reason)

    def down(self, reason: str) -> None:
        if self.state not in (REJECTED, STOPPED):  # a late failure does not undo a verdict
            self._set(UNREACHABLE, reason)

    def reject(self, hint: str) -> None:
        self._set(REJECTED, hint)

    def stopped(self) -> None:
        if self.state != REJECTED:
            self._set(STOPPED, "")

    def _set(self, state: str, reason: str) -> None:
        changed = state != self.state
        self.state, self.reason = state, reason
        if not changed:
            return
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # one listener's bug must not break the adapter that reported
                logger.exception("a listener of the %s link failed", self.platform)


class Backoff:
    """Waits between attempts: first ~`first`, doubling up to `cap`; each drawn from [half, all] of the step
    ("equal jitter": never shorter than half, so a dead platform is not hammered)."""

    def __init__(
        self, first: float = DEFAULT_FIRST_WAIT, cap: float = DEFAULT_MAX_WAIT, rng: random.Random | None = None
    ) -> None:
        if first <= 0 or cap < first:
            raise ValueError("back-off needs 0 < first <= cap")
        self.first = first
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        step = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        return step / 2 + self._rng.uniform(0.0, step / 2)

    def reset(self) -> None:
        self.failures = 0

    def fresh(self) -> Backoff:
        """The same waits from the start, counted apart (one per connection that fails on its own)."""
        return Backoff(self.first, self.cap, random.Random(self._rng.random()))


def reason_of(exc: BaseException) -> str:
    """A few words on why a platform could not be reached, from the exception or what it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        words = _words_for(current)
        if words:
            return words
        current = current.__cause__ or current.__context__
    return type(exc).__name__


def _words_for(exc: BaseException) -> str:
    text = str(exc).lower()
    if isinstance(exc, socket.gaierror) or "name resolution" in text or "name or service not known" in text:
        return "name resolution failed"
    if isinstance(exc, ConnectionRefusedError) or "connection refused" in text or "connect call failed" in text:
        return "connection refused"
    if isinstance(exc, ConnectionResetError) or "connection reset" in text:
        return "connection reset"
    if isinstance(exc, ssl.SSLError) or "certificate" in text:
        return "TLS handshake failed"
    if isinstance(exc, TimeoutError) or "timed out" in text or "timeout" in type(exc).__name__.lower():
        return "timed out"
    if "network is unreachable" in text or "no route to host" in text:
        return "network unreachable"
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status >= 500:
        return f"HTTP {status}"
    return ""


def retry_line(label: str, reason: str, wait: float) -> str:
    """The one line logged per failed attempt."""
    shown = f"{wait:.0f}" if wait >= 10 else f"{wait:.1g}" if wait < 1 else f"{wait:.0f}"
    return f"{label} unreachable ({reason}); retrying in {shown} s"


def retry_fields(platform: str, reason: str, wait: float) -> dict[str, str | float]:
    """The same, as fields for LOG_FORMAT=json."""
    return {"platform": platform, "reason": reason, "retry_in": round(wait, 1)}
