"""App.run and the peers layer's hook: due reminders go out only while may_dispatch() says so, maintenance runs
regardless, and dispatcher_acquired() makes the next pass record what a dead dispatcher left mid-send."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.models import Identity
from bot.ticker import Ticker
from bot.timing.clock import FakeClock
from storage.memory_store import MemoryStore
from storage.records import RETRY, SENDING, UNCONFIRMED
from tests.conftest import START, make_bot_app
from tests.fakes import RecordingPlatform
from tests.talk import account_id, say

ALICE = Identity("console", "alice")
WAIT = 10.0


class CountingStore(MemoryStore):
    """A real MemoryStore that signals each maintenance call (the ticker's job)."""

    def __init__(self) -> None:
        super().__init__()
        self.maintained = asyncio.Event()

    def maintenance(self) -> None:
        self.maintained.set()


class EveryPass(Ticker):
    """The ticker, with every job due on every pass: the test need not wait a minute for maintenance."""

    def run_pending(self) -> None:
        self.run_all()


def app_with_a_due_reminder() -> tuple[App, RecordingPlatform, CountingStore, FakeClock, asyncio.Event]:
    clock = FakeClock(START)
    store = CountingStore()
    app, platform = make_bot_app(clock, store)
    arrived = asyncio.Event()
    platform.after_send = arrived.set
    app.ticker = EveryPass()
    app.ticker.every_seconds(60, app._maintenance)
    return app, platform, store, clock, arrived


async def test_no_reminder_goes_out_while_another_peer_dispatches_but_maintenance_runs() -> None:
    app, platform, store, clock, arrived = app_with_a_due_reminder()
    await say(app, "/remind stretch in 30s", who=ALICE)
    clock.advance(30)
    allowed = False
    app.may_dispatch = lambda: allowed
    running = asyncio.ensure_future(app.run())
    await asyncio.wait_for(store.maintained.wait(), WAIT)
    assert platform.reminders() == [] and not app.scheduler.recovered
    allowed = True  # this peer took the dispatcher lease
    app.dispatcher_acquired()
    await asyncio.wait_for(arrived.wait(), WAIT)
    app.stop()
    await asyncio.wait_for(running, WAIT)
    [reminder] = platform.reminders()
    assert "stretch" in reminder.text and app.scheduler.recovered


async def test_a_takeover_records_what_the_dead_dispatcher_left_sending_and_never_resends_it() -> None:
    app, platform, _, clock, arrived = app_with_a_due_reminder()
    await say(app, "/remind stretch in 30s", who=ALICE)
    await app.scheduler.recover()  # this peer's own start-up
    clock.advance(30)
    # The previous holder claimed it and died mid-send: it is SENDING in the store, and nobody here sent it.
    [reminder] = app.store.reminders_of(account_id(app, ALICE))
    claimed = app.regimen.advance(reminder, status=SENDING, fire_at=clock.now().timestamp())
    app.dispatcher_acquired()
    assert not app.scheduler.recovered
    running = asyncio.ensure_future(app.run())
    await asyncio.wait_for(arrived.wait(), WAIT)  # the note that it may not have arrived
    app.stop()
    await asyncio.wait_for(running, WAIT)
    assert platform.reminders() == []  # told, never sent again
    assert len(platform.sent) == 1 and "stretch" in platform.sent[0][1].text
    [recorded] = app.store.history_of(account_id(app, ALICE))
    assert recorded.id == claimed.id and recorded.status == UNCONFIRMED


async def test_a_peer_that_loses_the_lease_mid_pass_claims_no_further_batch() -> None:
    app, platform, _, clock, _ = app_with_a_due_reminder()
    await say(app, "/remind stretch in 30s", who=ALICE)
    await say(app, "/remind cream in 30s", who=ALICE)
    clock.advance(30)
    app.scheduler.batch = 1
    app.may_dispatch = lambda: not platform.reminders()  # held until the first is sent, lost right after
    assert await app.scheduler.tick() == 1
    assert len(platform.reminders()) == 1
    [still_due] = app.store.due_items(clock.now().timestamp(), 10)  # left for the new holder
    assert still_due.reminder is not None


async def test_a_claim_whose_lease_is_lost_before_its_send_goes_back_due_unsent_and_unrecorded() -> None:
    app, platform, _, clock, _ = app_with_a_due_reminder()
    await say(app, "/remind stretch in 30s", who=ALICE)
    clock.advance(30)
    answers = iter([True])  # held while claiming, lost before the send could start
    app.may_dispatch = lambda: next(answers, False)
    await app.scheduler.tick()
    assert platform.reminders() == []  # never sent by a peer that no longer holds the lease
    [released] = app.store.open_occurrences_of(account_id(app, ALICE))
    assert released.status == RETRY and released.fire_at <= clock.now().timestamp()  # due now, for the next holder
    assert app.store.history_of(account_id(app, ALICE)) == []  # neither unconfirmed nor missed
    app.may_dispatch = lambda: True  # the next holder (here: the same peer again) sends it once
    app.dispatcher_acquired()
    await app.scheduler.recover()
    await app.scheduler.tick()
    [sent] = platform.reminders()
    assert "stretch" in sent.text


async def test_a_stop_ends_claiming_at_once() -> None:
    app, platform, _, clock, _ = app_with_a_due_reminder()
    await say(app, "/remind stretch in 30s", who=ALICE)
    clock.advance(30)
    app.stop()
    assert await app.scheduler.tick() == 0
    assert platform.reminders() == [] and len(app.store.due_items(clock.now().timestamp(), 10)) == 1
