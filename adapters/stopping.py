"""SIGTERM and SIGINT: the first stops the bot gracefully, the second ends the process at once.

The first signal calls `on_stop` (App.stop: no new claims; sends in flight finish, then everything is closed)
and arms a watchdog: if the process is still running `deadline` seconds later it ends anyway, inside the 10 s
that systemd and container engines give before SIGKILL. The second signal ends it at once. Neither loses an
acknowledged write: a command is answered only after its commit is durable (a TinyDB journal line and its
fdatasync, a PostgreSQL COMMIT), and the signal is handled on the event loop between two callbacks, never in
the middle of one's write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

DEADLINE_SECONDS = 9.0


def _flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()


class Stopper:
    def __init__(
        self,
        on_stop: Callable[[], None],
        deadline: float = DEADLINE_SECONDS,
        exit_now: Callable[[int], None] = os._exit,
    ) -> None:
        self._on_stop = on_stop
        self._deadline = deadline
        self._exit_now = exit_now
        self.requested = False
        self._watchdog: threading.Timer | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.signalled, signum)

    def signalled(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.requested:
            log.warning("%s again: exiting now", name)
            _flush_logs()
            self._exit_now(128 + signum)
            return
        self.requested = True
        log.info("%s: stopping (sends in flight finish first; %s again exits at once)", name, name)
        self._watchdog = threading.Timer(self._deadline, self._overdue)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._on_stop()

    def _overdue(self) -> None:
        log.warning("stopping took longer than %g s; exiting now", self._deadline)
        _flush_logs()
        self._exit_now(0)  # asked to stop, and every acknowledged write is durable: a stop, not a failure

    def disarm(self) -> None:
        """The graceful stop is over."""
        if self._watchdog is not None:
            self._watchdog.cancel()
