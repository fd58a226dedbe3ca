"""Wires the core together: store -> regimen -> core, hub and scheduler, run in one asyncio loop.

With a remote store (PostgreSQL) every blocking store call runs in a worker thread (bot.offload), so one slow
query never holds up anybody else's reply or reminder; a person's own messages still go one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from bot.core import BotCore
from bot.delivery import DeliveryError
from bot.hub import Hub
from bot.models import Identity, IncomingMessage, Reply
from bot.offload import DEFAULT_WORKERS, Offload, Turns
from bot.regimen import Regimen
from bot.scheduler import Scheduler
from bot.telemetry import NULL_TELEMETRY, Telemetry
from bot.ticker import Ticker
from bot.timing.clock import Clock, SystemClock
from storage.base import StorageUnavailable, Store

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 60
MAX_BACKOFF = 60.0
DISPATCH_WORKERS = 4  # the scheduler's store calls: claims are one call a batch, sends wait on the platforms
STANDBY_SECONDS = 1.0  # how often a peer that may not dispatch looks again (maintenance, a lease taken over)


def _backoff(failures: int) -> float:
    return min(MAX_BACKOFF, 2.0 ** (failures - 1))


def _always() -> bool:
    return True


class App:
    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        default_timezone: str = "UTC",
        grace: timedelta = timedelta(hours=12),
        workers: int = DEFAULT_WORKERS,
        telemetry: Telemetry = NULL_TELEMETRY,
    ) -> None:
        self.store = store
        self.telemetry = telemetry
        self.clock = clock or SystemClock()
        # Two pools: a burst of due reminders never queues people's replies behind its store calls, nor the
        # other way round. Together they stay below the PostgreSQL pool's size (bot.offload.DEFAULT_WORKERS).
        self.offload = Offload(store.remote, workers)
        self.dispatch_offload = Offload(store.remote, DISPATCH_WORKERS)
        self.regimen = Regimen(store, self.clock, default_timezone)
        self.core = BotCore(self.regimen, offload=self.offload)
        self.hub = Hub()
        self.scheduler = Scheduler(self.regimen, self.hub, grace, offload=self.dispatch_offload)
        self.scheduler.telemetry = telemetry
        self._retiming: set[asyncio.Task[int]] = set()
        self.ticker = Ticker()
        self.ticker.every_seconds(MAINTENANCE_SECONDS, self._maintenance)
        self.stopping = asyncio.Event()
        self.turns = Turns()
        # Whether this process may send due reminders now. One process alone always may; among peers on one
        # database the dispatcher lease's holder sets it (bot/peers.py), and calls dispatcher_acquired().
        self.may_dispatch: Callable[[], bool] = _always
        # Read late (the peers layer replaces may_dispatch); a stop ends claiming at once, only sends in flight end.
        self.scheduler.allowed = lambda: self.may_dispatch() and not self.stopping.is_set()

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        """The adapters' entry point: answer, then let the scheduler notice any new due time.

        Replies aimed at another chat or at an earlier message (a linked platform, a mirrored answer) go
        out through the hub; the rest go back to the adapter that asked.
        """
        if not self.offload.remote:  # answered inline: nothing can interleave
            return await self._handle(message)
        async with self.turns.turn(message.identity.key):  # off the loop: one message of a person at a time
            return await self._handle(message)

    async def _handle(self, message: IncomingMessage) -> list[Reply]:
        started = time.perf_counter()
        try:
            replies = await self.core.handle(message)
        finally:
            self.telemetry.command_handled(time.perf_counter() - started)
        self.scheduler.wake()
        direct = [r for r in replies if r.address is None and r.edit_ref is None]
        # What could not reach them when it was written (maybe by another peer).
        direct.extend(Reply(text) for text in await self.offload.run(self._untold_for, message.identity))
        for reply in replies:
            if reply.address is not None or reply.edit_ref is not None:
                await self._route(message, reply)
        return direct

    def _untold_for(self, identity: Identity) -> list[str]:
        account = self.regimen.account_for(identity)
        return [] if account is None else self.scheduler.take_untold(account.id)

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

    def platform_back(self, platform: str) -> None:
        """An adapter reached its platform again (or for the first time): reminders that failed there and wait
        for their next attempt go out now (Scheduler.retry_now), within the usual grace period."""
        task = asyncio.get_running_loop().create_task(self._retry_now(platform))
        self._retiming.add(task)
        task.add_done_callback(self._retiming.discard)

    async def _retry_now(self, platform: str) -> int:
        try:
            return await self.scheduler.retry_now(platform)
        except Exception as exc:  # the back-off still brings them; this only makes it sooner
            log.warning("could not bring forward the reminders waiting for %s: %s", platform, type(exc).__name__)
            return 0

    def dispatcher_acquired(self) -> None:
        """This process has just become the one that sends due reminders (it took the dispatcher lease).

        The next pass runs start-up recovery again: occurrences found SENDING were being sent by the previous
        holder, which is gone, so they are recorded UNCONFIRMED and the person told, never sent again. Only
        the lease holder may call this, and only once the previous holder can no longer be mid-send (its lease
        has ended): recovery run beside a live dispatcher would mark that one's sends unconfirmed.
        """
        self.scheduler.recovered = False
        self.scheduler.wake()

    async def run(self) -> None:
        """Deliver due reminders (while may_dispatch() says so, asked before each pass and each batch) and run
        maintenance, until stop() is called."""
        failures = 0
        while not self.stopping.is_set():
            dispatching = False
            try:
                dispatching = self.may_dispatch()
                if dispatching:
                    if not self.scheduler.recovered:
                        await self.scheduler.recover()
                    await self.scheduler.tick()
                await self.dispatch_offload.run(self.ticker.run_pending)  # store upkeep: blocking work
                failures = 0
            except StorageUnavailable:
                failures += 1
                log.error("storage unavailable: delivery paused, retrying in %ss", _backoff(failures))
            except Exception:  # the loop must outlive any single failure
                failures += 1
                log.exception("scheduler pass failed; retrying in %ss", _backoff(failures))
            if failures:
                await self._pause(_backoff(failures))
            if dispatching:
                await self.scheduler.wait_for_work(self.stopping)
            else:  # due reminders are another peer's: don't spin on them, look again shortly
                await self.scheduler.wait(self.stopping, STANDBY_SECONDS)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        """Let the worker threads finish what they were given (the store is closed by whoever opened it)."""
        self.offload.close()
        self.dispatch_offload.close()
