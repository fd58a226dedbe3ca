"""Identical peers: what only one process may do at a time is a named lease, kept by a LeaseKeeper.

Every process started with the same shared database is a peer. Work that must have one doer at a time (the
dispatcher, a platform's single receive connection) is a lease named by a plain string ("dispatcher",
"telegram-poll", "discord-shard-0"); the backend (storage/postgres/leases.py) grants it for `ttl` seconds by
the database's clock.

The keeper tries every `renew_every` seconds to take the leases it wants and renew the ones it holds, in one
call. Fencing: a lease counts as held only until a local monotonic deadline, `ttl - margin` after the
moment the last successful renewal was *sent* (the database's expiry is at least `ttl` after that moment),
so a holder whose renewals fail or hang stops its work (`on_lost`) at least `margin` seconds before any other
peer can take the lease. With ttl 5 s and renewals every second, a dead holder's lease is taken by another
peer at most ttl + renew_every (+ one round trip) after its last renewal: about 6 s, within the 10 s promised.
A clean stop runs `on_lost` for each lease held, then releases them, so the next peer takes them within a
second.

Callbacks run in tasks of their own (in order per lease), so a slow start of some work never delays
renewals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Final, Protocol

log = logging.getLogger(__name__)

DISPATCHER: Final = "dispatcher"

TTL: Final = 5.0
RENEW_EVERY: Final = 1.0
MARGIN: Final = 1.5

Callback = Callable[[], Awaitable[None]]


class LeaseBackend(Protocol):
    """Where leases are granted: storage.postgres.leases.LeaseTable."""

    holder: str

    async def claim(self, names: Collection[str], ttl: float) -> set[str]: ...

    async def release(self, names: Collection[str] | None = None) -> None: ...

    async def close(self) -> None: ...


def holder_id() -> str:
    """Unique per process, and readable in the leases table: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def _nothing() -> None:
    return None


@dataclass
class _Wanted:
    on_gained: Callback
    on_lost: Callback
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one transition at a time, in order


class LeaseKeeper:
    """Takes, renews and gives up one peer's leases; calls back when one is gained or lost."""

    def __init__(
        self,
        backend: LeaseBackend,
        *,
        ttl: float = TTL,
        renew_every: float = RENEW_EVERY,
        margin: float = MARGIN,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < margin < ttl or renew_every >= ttl - margin:
            raise ValueError("need 0 < margin < ttl and renew_every < ttl - margin")
        self.backend = backend
        self.ttl = ttl
        self.renew_every = renew_every
        self.margin = margin
        self._monotonic = monotonic
        self._wanted: dict[str, _Wanted] = {}
        self._deadlines: dict[str, float] = {}  # held leases -> when they stop counting as held
        self._callbacks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self.rounds = 0  # claim rounds completed, successful or not

    @property
    def holder(self) -> str:
        return self.backend.holder

    def want(self, name: str, on_gained: Callback = _nothing, on_lost: Callback = _nothing) -> None:
        """Try to hold `name` from the next round on; `on_gained`/`on_lost` start and stop its work."""
        if name in self._wanted:
            raise ValueError(f"lease {name!r} is wanted already")
        self._wanted[name] = _Wanted(on_gained, on_lost)

    def holds(self, name: str) -> bool:
        """Whether this peer holds `name` now; false from the fencing deadline on, even before the keeper's
        next round notices."""
        deadline = self._deadlines.get(name)
        return deadline is not None and self._monotonic() < deadline

    @property
    def held(self) -> list[str]:
        return sorted(name for name in self._deadlines if self.holds(name))

    # ---- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="lease-keeper")

    async def stop(self, *, release: bool = True) -> None:
        """Stop the work of every lease held (on_lost, awaited), then give the leases up for the next peer."""
        await self._halt()
        held = list(self._deadlines)
        for name in held:
            self._lose(name)
        if held:
            log.info("holding no leases (stopping)")
        await self._settle()
        if release and held:
            try:
                async with asyncio.timeout(self.ttl):  # not wait_for: see _round
                    await self.backend.release(held)
            except Exception as exc:  # they expire on their own within ttl
                log.warning("could not release leases (%s); they expire within %gs", type(exc).__name__, self.ttl)
        await self.backend.close()

    async def abandon(self) -> None:
        """Stop renewing without any callback or release, as a killed process would (for tests)."""
        await self._halt()
        self._deadlines.clear()
        await self.backend.close()

    async def _halt(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        # Cancelled again should anything under it swallow the cancellation (as wait_for did): never a hang.
        while not (await asyncio.wait({task}, timeout=self.renew_every))[0]:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _settle(self) -> None:
        """Wait for the callbacks under way."""
        while self._callbacks:
            await asyncio.gather(*self._callbacks, return_exceptions=True)

    # ---- rounds ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            started = self._monotonic()
            await self._round(started)
            self.rounds += 1
            wake = started + self.renew_every
            if self._deadlines:
                wake = min(wake, min(self._deadlines.values()))
            await asyncio.sleep(max(0.0, wake - self._monotonic()))

    async def _round(self, started: float) -> None:
        granted: set[str] | None = None
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns the claim's result when the
            # keeper is cancelled just as the claim completes, so stop() waited for a loop that never ended
            async with asyncio.timeout(self._call_timeout(started)):
                granted = await self.backend.claim(list(self._wanted), self.ttl)
        except Exception as exc:
            if not self._failing:
                log.warning("renewing leases failed (%s); retrying", type(exc).__name__)
            self._failing = True
        else:
            if self._failing:
                log.info("renewing leases works again")
            self._failing = False
        before = set(self._deadlines)
        if granted is not None:
            for name in granted & self._wanted.keys():
                self._deadlines[name] = started + self.ttl - self.margin
        now = self._monotonic()
        lost = {name for name, deadline in self._deadlines.items() if deadline <= now}
        if granted is not None:
            lost |= before - granted  # taken by someone else: ours must have expired, stop at once
        for name in sorted(lost):
            self._lose(name)
        gained = set(self._deadlines) - before
        for name in sorted(gained):
            self._spawn(name, self._wanted[name].on_gained)
        if gained or lost or self.rounds == 0:
            self._log_held(gained, lost)

    def _call_timeout(self, started: float) -> float:
        """A claim may take until the first held lease's deadline (then it is lost anyway), at most 2 rounds."""
        limit = started + 2 * self.renew_every
        if self._deadlines:
            limit = min(limit, min(self._deadlines.values()))
        return max(0.05, limit - self._monotonic())

    def _lose(self, name: str) -> None:
        if self._deadlines.pop(name, None) is not None:
            self._spawn(name, self._wanted[name].on_lost)

    def _spawn(self, name: str, callback: Callback) -> None:
        lock = self._wanted[name].lock

        async def transition() -> None:
            async with lock:
                try:
                    await callback()
                except Exception:
                    log.exception("the work of lease %s failed to start or stop", name)

        task = asyncio.create_task(transition(), name=f"lease-{name}")
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    def _log_held(self, gained: set[str], lost: set[str]) -> None:
        held = ", ".join(sorted(self._deadlines)) or "none"
        changes = [f"gained {', '.join(sorted(gained))}"] if gained else []
        changes += [f"lost {', '.join(sorted(lost))}"] if lost else []
        log.info("holding leases: %s%s", held, f" ({'; '.join(changes)})" if changes else "")


class Dispatching(Protocol):
    """What the dispatcher lease switches: bot.app.App."""

    may_dispatch: Callable[[], bool]

    def dispatcher_acquired(self) -> None: ...


def lease_dispatcher(keeper: LeaseKeeper, app: Dispatching) -> None:
    """Due reminders go out only while this peer holds the dispatcher lease (checked before every pass, and
    false from the fencing deadline on). Gaining it means the previous holder's lease has ended, so what that
    one left SENDING is recovered (UNCONFIRMED and told, never re-sent)."""

    async def gained() -> None:
        app.dispatcher_acquired()

    app.may_dispatch = lambda: keeper.holds(DISPATCHER)
    keeper.want(DISPATCHER, gained)
