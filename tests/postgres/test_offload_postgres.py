"""On PostgreSQL the event loop never waits on the network: one person's slow query holds up neither anybody
else's reply nor a due reminder, and that person's own next message still waits its turn.

The slowness is a fault injected into a real PostgresStore (one identity's read hangs until the test lets it
go); the database itself is real. Threads wait on events, never on sleeps."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from bot.app import App
from bot.models import Identity, Reply
from bot.timing.clock import FakeClock
from storage.postgres.store import PostgresStore
from storage.records import Account, IdentityRecord
from tests import pg_server
from tests.conftest import START, make_bot_app
from tests.fakes import RecordingPlatform
from tests.talk import say

ALICE = Identity("console", "alice")
BOB = Identity("console", "bob")
WAIT = 10.0


class SlowForOne(PostgresStore):
    """A real PostgresStore whose read of one identity hangs, while `armed`, until the test releases it."""

    def __init__(self, url: str, slow: Identity) -> None:
        super().__init__(url)
        self.slow_key = slow.key
        self.armed = False
        self.stuck = threading.Event()
        self.release = threading.Event()

    def _maybe_hang(self, key: str) -> None:
        if self.armed and key == self.slow_key:
            self.armed = False  # only the first such read hangs
            self.stuck.set()
            assert self.release.wait(WAIT), "the test never released the slow read"

    def get_identity(self, key: str) -> IdentityRecord | None:
        self._maybe_hang(key)
        return super().get_identity(key)

    def identity_and_account(self, key: str) -> tuple[IdentityRecord | None, Account | None]:
        self._maybe_hang(key)  # what a message reads first
        return super().identity_and_account(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store() -> Iterator[SlowForOne]:
    slow = SlowForOne(pg_server.fresh_database(), ALICE)
    yield slow
    slow.release.set()
    slow.close()


@pytest.fixture
def bot(clock: FakeClock, store: SlowForOne) -> Iterator[tuple[App, RecordingPlatform]]:
    app, platform = make_bot_app(clock, store)
    yield app, platform
    app.close()


async def stuck(store: SlowForOne) -> None:
    assert await asyncio.to_thread(store.stuck.wait, WAIT), "the slow read never started"


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_another_persons_reply_comes_back_while_one_query_hangs(
    bot: tuple[App, RecordingPlatform], store: SlowForOne
) -> None:
    app, _ = bot
    await say(app, "/remind stretch every day at 18:00", who=ALICE)
    await say(app, "/remind cream every day at 21:00", who=BOB)
    store.armed = True
    alice = asyncio.ensure_future(say(app, "/reminders", who=ALICE))
    await stuck(store)
    started = time.perf_counter()
    bob = await asyncio.wait_for(say(app, "/reminders", who=BOB), WAIT)
    took = time.perf_counter() - started
    assert "cream" in texts(bob) and "stretch" not in texts(bob)
    assert not alice.done()  # still waiting on its query: Bob did not wait for it
    assert took < 1.0, f"Bob's reply took {took:.3f}s"
    store.release.set()
    assert "stretch" in texts(await asyncio.wait_for(alice, WAIT))


async def test_a_due_reminder_goes_out_while_one_query_hangs(
    bot: tuple[App, RecordingPlatform], store: SlowForOne, clock: FakeClock
) -> None:
    app, platform = bot
    await say(app, "/help", who=ALICE)
    await say(app, "/remind cream in 30s", who=BOB)
    store.armed = True
    alice = asyncio.ensure_future(say(app, "/help", who=ALICE))
    await stuck(store)
    clock.advance(30)
    assert await asyncio.wait_for(app.scheduler.tick(), WAIT) == 1
    [reminder] = platform.reminders()
    assert "cream" in reminder.text
    assert not alice.done()
    store.release.set()
    await asyncio.wait_for(alice, WAIT)


async def test_one_persons_messages_are_answered_in_order_one_at_a_time(
    bot: tuple[App, RecordingPlatform], store: SlowForOne
) -> None:
    app, _ = bot
    await say(app, "/help", who=ALICE)
    store.armed = True
    first = asyncio.ensure_future(say(app, "/remind stretch every day at 18:00", who=ALICE))
    await stuck(store)
    second = asyncio.ensure_future(say(app, "/reminders", who=ALICE))
    # The second waits for the first's turn (were it answered beside it, it would be done at once, and empty).
    done, _ = await asyncio.wait({second}, timeout=0.5)
    assert not done
    store.release.set()
    assert "stretch" in texts(await asyncio.wait_for(first, WAIT))
    assert "stretch" in texts(await asyncio.wait_for(second, WAIT))
    assert len(app.turns) == 0
