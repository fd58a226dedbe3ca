"""Letting time pass for the scheduler in tests, as the run loop would: move a FakeClock to the next due time
and tick."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.timing.clock import FakeClock


async def step_to_next_due(app: App, clock: FakeClock) -> datetime:
    """Set the clock to the store's next due time (there must be one), tick once, and say when that was."""
    nxt = app.store.next_due_at()
    assert nxt is not None
    clock.set(datetime.fromtimestamp(nxt, tz=UTC))
    await app.scheduler.tick()
    return clock.now()


async def follow_retries(app: App, clock: FakeClock, rounds: int) -> None:
    """Tick at each next due time, as the run loop would."""
    for _ in range(rounds):
        await app.scheduler.tick()
        nxt = app.store.next_due_at()
        if nxt is None:
            break
        clock.set(datetime.fromtimestamp(max(nxt, clock.now().timestamp()), tz=UTC))
