"""Which adapters are still in service: one whose token the platform rejects, at start-up or later, is stopped
and named in one line; the others go on; when none is left, the app stops and the process exits 2.

An adapter that merely cannot reach its platform stays in service (it keeps trying, adapters/link.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from adapters.base import Adapter
from adapters.link import REJECTED, Link
from bot.app import App

log = logging.getLogger(__name__)

NO_ADAPTER_LEFT = 2  # as for any other wrong setting


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, app: App, adapters: Sequence[Adapter], say: Callable[[str], None] = _to_stderr) -> None:
        self.app = app
        self.adapters = list(adapters)
        self.in_service = list(adapters)
        self.exit_code = 0
        self._say = say
        self._stopping: set[asyncio.Task[None]] = set()
        for adapter in adapters:
            adapter.link.on_change(self._changed)

    def _changed(self, link: Link) -> None:
        if link.state != REJECTED:
            return
        for adapter in self.in_service:
            if adapter.link is link:
                self.retire(adapter, link.reason)
                return

    def retire(self, adapter: Adapter, reason: str) -> None:
        """Take `adapter` out of service (once): say why, stop routing to it, stop it."""
        if adapter not in self.in_service:
            return
        self.in_service.remove(adapter)
        self._say(f"Configuration error: {reason}")
        self.app.hub.unregister(adapter.platform)
        task = asyncio.get_running_loop().create_task(self._stop(adapter))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        if not self.in_service:
            self.exit_code = NO_ADAPTER_LEFT
            self.app.stop()

    async def _stop(self, adapter: Adapter) -> None:
        try:
            await adapter.stop()
        except Exception as exc:
            log.warning("stopping the %s adapter failed (%s)", adapter.platform, type(exc).__name__)

    async def settled(self) -> None:
        """Every retired adapter has stopped."""
        if self._stopping:
            await asyncio.wait(set(self._stopping))
