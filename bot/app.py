"""Wires the core together: store -> regimen -> core, hub and scheduler, run in one asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.core import BotCore
from bot.delivery import DeliveryError
from bot.hub import Hub
from bot.models import IncomingMessage, Reply
from bot.regimen import Regimen
from bot.scheduler import Scheduler
from bot.ticker import Ticker
from bot.timing.clock import Clock, SystemClock
from storage.base import StorageUnavailable, Store

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 60
MAX_BACKOFF = 60.0


def _backoff(failures: int) -> float:
    return min(MAX_BACKOFF, 2.0 ** (failures - 1))


class App:
    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        default_timezone: str = "UTC",
        grace: timedelta = timedelta(hours=12),
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.regimen = Regimen(store, self.clock, default_timezone)
        self.core = BotCore(self.regimen)
        self.hub = Hub()
        self.scheduler = Scheduler(self.regimen, self.hub, grace)
        self.ticker = Ticker()
        self.ticker.every_seconds(MAINTENANCE_SECONDS, self._maintenance)
        self.stopping = asyncio.Event()

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        """The adapters' entry point: answer, then let the scheduler notice any new due time.

        Replies aimed at another chat or at an earlier message (a linked platform, a mirrored answer) go
        out through the hub; the rest go back to the adapter that asked.
        """
        replies = await self.core.handle(message)
        self.scheduler.wake()
        direct = [r for r in replies if r.address is None and r.edit_ref is None]
        account = self.regimen.account_for(message.identity)
        if account is not None:  # what could not reach them when it was written
            direct.extend(Reply(text) for text in self.scheduler.take_untold(account.id))
        for reply in replies:
            if reply.address is not None or reply.edit_ref is not None:
                await self._route(message, reply)
        return direct

    async def _route(self, message: IncomingMessage, reply: Reply) -> None:
        address = reply.address or message.address
        try:
            await self.hub.send(address, reply)  # an edit_ref: the hub edits that message
        except DeliveryError as exc:  # best effort: the answer itself is already recorded
            log.info("a routed message to %s was not delivered: %s", address.platform, type(exc).__name__)

    def _maintenance(self) -> None:
        try:
            self.store.maintenance()
        except Exception:
            log.exception("storage maintenance failed; will try again")

    async def run(self) -> None:
        """Deliver due reminders until stop() is called."""
        failures = 0
        while not self.stopping.is_set():
            try:
                if not self.scheduler.recovered:
                    await self.scheduler.recover()
                await self.scheduler.tick()
                self.ticker.run_pending()
                failures = 0
            except StorageUnavailable:
                failures += 1
                log.error("storage unavailable: delivery paused, retrying in %ss", _backoff(failures))
            except Exception:  # the loop must outlive any single failure
                failures += 1
                log.exception("scheduler pass failed; retrying in %ss", _backoff(failures))
            if failures:
                await self._pause(_backoff(failures))
            await self.scheduler.wait_for_work(self.stopping)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    def stop(self) -> None:
        self.stopping.set()
