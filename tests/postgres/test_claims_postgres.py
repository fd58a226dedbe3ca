"""Two processes on one PostgreSQL database (two Apps, each with its own PostgresStore and platform): due
reminders are claimed by exactly one of them, an answer given through one while the other's send is in flight
is kept, and a note one of them could not deliver is told by the other on the person's next message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from bot.app import App
from bot.models import Address, Identity, Reply
from bot.throttle import Throttle
from bot.timing.clock import FakeClock
from storage.base import DueItem
from storage.postgres.store import PostgresStore
from storage.records import DONE, MISSED, SENDING, SENT, Delivery
from tests import pg_server
from tests.conftest import START, make_bot_app
from tests.fakes import RecordingPlatform
from tests.talk import account_id, say

ALICE = Identity("console", "alice")
WAIT = 30.0
PEOPLE, EACH = 100, 3  # 300 reminders, three per person: claims of one account's reminders meet


@dataclass
class GatedPlatform(RecordingPlatform):
    """A recording platform whose reminder sends arrive, then wait for the test before they answer."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, address: Address, reply: Reply) -> str | None:
        ref = await super().send(address, reply)
        if reply.occurrence_id is not None:
            self.arrived.set()
            await self.gate.wait()
        return ref


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


class Watched(PostgresStore):
    """A real PostgresStore that notes how many due items each claim asked for and how many it was given."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.locks: list[tuple[int, int]] = []

    def lock_due(self, items: list[DueItem], until: float) -> list[DueItem]:
        held = super().lock_due(items, until)
        self.locks.append((len(items), len(held)))
        return held


@pytest.fixture
def stores() -> Iterator[tuple[Watched, Watched]]:
    url = pg_server.fresh_database()
    one, two = Watched(url), Watched(url)  # two processes' connections to one database
    yield one, two
    one.close()
    two.close()


@pytest.fixture
def peers(
    clock: FakeClock, stores: tuple[Watched, Watched]
) -> Iterator[tuple[tuple[App, RecordingPlatform], tuple[App, RecordingPlatform]]]:
    a, b = make_bot_app(clock, stores[0]), make_bot_app(clock, stores[1])
    yield a, b
    a[0].close()
    b[0].close()


def gated_app(clock: FakeClock, store: Watched) -> tuple[App, GatedPlatform]:
    app = App(store, clock)
    app.core.throttle = Throttle(monotonic=lambda: clock.now().timestamp())
    platform = GatedPlatform()
    app.hub.register(platform)
    return app, platform


async def test_two_dispatchers_deliver_every_occurrence_exactly_once(
    peers: tuple[tuple[App, RecordingPlatform], tuple[App, RecordingPlatform]],
    clock: FakeClock,
    stores: tuple[Watched, Watched],
) -> None:
    (app_a, platform_a), (app_b, platform_b) = peers
    for i in range(PEOPLE):
        for j in range(EACH):
            writer = app_a if (i + j) % 2 else app_b  # people talk to either peer
            await say(writer, f"/remind r{j} every day at 13:00", user=f"u{i}")
    clock.advance(3600)
    all_shown = asyncio.Event()

    def count() -> None:
        if len(platform_a.reminders()) + len(platform_b.reminders()) >= PEOPLE * EACH:
            all_shown.set()

    for app, platform in ((app_a, platform_a), (app_b, platform_b)):
        app.scheduler.batch = 20  # many small claim transactions, so the two peers' claims meet
        platform.after_send = count
    runs = [asyncio.ensure_future(app_a.run()), asyncio.ensure_future(app_b.run())]  # both may dispatch
    await asyncio.wait_for(all_shown.wait(), WAIT)
    await asyncio.sleep(0.2)  # a moment more: anything claimed twice would be sent by now
    for app in (app_a, app_b):
        app.stop()
    await asyncio.wait_for(asyncio.gather(*runs), WAIT)
    shown = [r.occurrence_id for r in platform_a.reminders() + platform_b.reminders()]
    assert len(shown) == PEOPLE * EACH
    assert len(set(shown)) == PEOPLE * EACH  # none twice
    # Both really tried: one was refused reminders the other held or had just claimed (it read them as due).
    refused = sum(asked - held for store in stores for asked, held in store.locks)
    assert refused > 0 and stores[0].locks and stores[1].locks
    assert app_a.scheduler.delivered + app_b.scheduler.delivered == PEOPLE * EACH
    for i in range(PEOPLE):
        occurrences = app_a.store.open_occurrences_of(account_id(app_a, Identity("console", f"u{i}")))
        assert sorted(o.status for o in occurrences) == [SENT] * EACH


async def test_a_send_in_flight_is_claimed_by_nobody_else_and_an_answer_meanwhile_is_kept(
    clock: FakeClock, stores: tuple[Watched, Watched]
) -> None:
    app_a, gated = gated_app(clock, stores[0])
    app_b, platform_b = make_bot_app(clock, stores[1])
    await say(app_a, "/remind stretch in 30s", who=ALICE)
    clock.advance(30)
    sending = asyncio.ensure_future(app_a.scheduler.tick())
    await asyncio.wait_for(gated.arrived.wait(), WAIT)  # on its way: SENDING in the database
    assert await app_b.scheduler.tick() == 0  # the other dispatcher finds nothing due: it is A's
    [(_, shown)] = gated.sent
    done = next(p for p in shown.button_payloads() if p.startswith("o:d:"))
    answered = await say(app_b, button=done, who=ALICE)  # pressed at once, answered by the other peer
    assert any("Done" in r.text for r in answered)
    gated.gate.set()
    assert await asyncio.wait_for(sending, WAIT) == 1
    account = account_id(app_a, ALICE)
    [occurrence] = app_b.store.history_of(account)
    assert occurrence.status == DONE  # A's commit did not turn it back into SENT
    assert occurrence.deliveries == (Delivery("console", "alice", "m1"),)  # and where it went is recorded
    assert app_b.store.open_occurrences_of(account) == []
    [(address, ref, edit)] = gated.edits  # A's copy shows the answer given meanwhile
    assert address == Address("console", "alice") and ref == "m1" and edit.buttons == ()
    assert platform_b.reminders() == []
    app_a.close()
    app_b.close()


async def test_a_takeover_records_the_dead_holders_send_unconfirmed_and_never_resends_it(
    clock: FakeClock, stores: tuple[Watched, Watched]
) -> None:
    app_a, gated = gated_app(clock, stores[0])
    app_b, platform_b = make_bot_app(clock, stores[1])
    await say(app_a, "/remind stretch in 30s", who=ALICE)
    clock.advance(30)
    sending = asyncio.ensure_future(app_a.scheduler.tick())
    await asyncio.wait_for(gated.arrived.wait(), WAIT)
    sending.cancel()  # A dies mid-send: its occurrence stays SENDING
    with pytest.raises(asyncio.CancelledError):
        await sending
    [left] = app_b.store.open_occurrences_of(account_id(app_b, ALICE))
    assert left.status == SENDING
    app_b.dispatcher_acquired()  # B took the lease once A's had ended
    assert await app_b.scheduler.recover() == 1
    await app_b.scheduler.tick()
    assert platform_b.reminders() == []  # never sent again
    [told] = platform_b.texts()
    assert "stretch" in told
    app_a.close()
    app_b.close()


async def test_a_note_written_by_one_peer_is_told_by_the_other_once(
    peers: tuple[tuple[App, RecordingPlatform], tuple[App, RecordingPlatform]], clock: FakeClock
) -> None:
    (app_a, platform_a), (app_b, platform_b) = peers
    await say(app_a, "/remind stretch every day at 13:00", who=ALICE)
    clock.advance(24 * 3600)  # far past the grace period: recorded missed, and a summary is due to her
    platform_a.outages = 1  # which cannot reach her from A
    await app_a.scheduler.tick()
    assert platform_a.sent == []
    [missed] = app_a.store.history_of(account_id(app_a, ALICE))
    assert missed.status == MISSED
    replies = await say(app_b, "/help", who=ALICE)  # her next message reaches the other peer
    assert "stretch" in replies[-1].text and platform_b.sent == []  # in her answer, not sent on its own
    assert all("stretch" not in r.text for r in await say(app_a, "/help", who=ALICE))  # told once, by one
    assert all("stretch" not in r.text for r in await say(app_b, "/help", who=ALICE))
