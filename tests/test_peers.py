"""The lease keeper's stop, against an in-memory lease backend (the keeper is under test; PostgreSQL's lease
table is tested in tests/postgres/test_leases.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from bot.peers import LeaseKeeper


class InstantLeases:
    """Grants every lease at once; `during_claim` is started inside the next claim (the test's hook)."""

    holder = "me"

    def __init__(self) -> None:
        self.claims = 0
        self.released: list[str] = []
        self.closed = False
        self.during_claim: Callable[[], Coroutine[Any, Any, None]] | None = None
        self.started: asyncio.Task[None] | None = None
        self.claimed = asyncio.Event()

    async def until_claims(self, count: int) -> None:
        while self.claims < count:
            self.claimed.clear()
            await self.claimed.wait()

    async def claim(self, names: Collection[str], ttl: float) -> set[str]:
        self.claims += 1
        if self.during_claim is not None:
            # Started now, it runs after this claim has completed but before the keeper resumes: the moment
            # at which Python 3.11's asyncio.wait_for returns the result and drops the cancellation.
            self.started = asyncio.create_task(self.during_claim())
            self.during_claim = None
        self.claimed.set()
        return set(names)

    async def release(self, names: Collection[str] | None = None) -> None:
        self.released.extend(names or [])

    async def close(self) -> None:
        self.closed = True


async def test_stop_ends_the_keeper_even_when_cancelled_as_a_claim_completes() -> None:
    leases = InstantLeases()
    keeper = LeaseKeeper(leases, ttl=5.0, renew_every=0.05, margin=1.0)
    keeper.want("dispatcher")
    keeper.start()
    await leases.until_claims(2)
    task = keeper._task
    assert task is not None
    leases.during_claim = keeper.stop  # stop() is asked for just as the next claim completes
    await leases.until_claims(3)
    assert leases.started is not None
    done, _ = await asyncio.wait({leases.started}, timeout=3)  # (asyncio.wait never cancels what it waits for)
    if not done:  # hung for ever before the fix: the keeper had swallowed stop()'s cancellation
        task.cancel()
        await asyncio.wait({leases.started}, timeout=3)
    assert done, "stop() did not end the keeper"
    assert task.done() and leases.closed and leases.released == ["dispatcher"]
    claims = leases.claims
    await asyncio.sleep(0.2)  # four rounds' time: a keeper still running would claim again
    assert leases.claims == claims


async def test_stop_releases_what_is_held_and_closes() -> None:
    leases = InstantLeases()
    keeper = LeaseKeeper(leases, ttl=5.0, renew_every=0.05, margin=1.0)
    keeper.want("dispatcher")
    keeper.start()
    await leases.until_claims(2)  # the first round's grant is recorded before the second claim
    assert keeper.holds("dispatcher")
    await keeper.stop()
    assert leases.released == ["dispatcher"] and leases.closed and keeper.held == []
