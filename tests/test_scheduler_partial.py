"""A reminder for a person who gets it on two platforms, when one of them fails for a while (a flood wait, an
outage) and the other takes it: the copy they have can be answered, the other is retried to that platform
only, never twice where it arrived, and the round is never recorded as missed. Found by a review: the failed
platform's copy used to be dropped without a word."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.models import Identity
from bot.timing.clock import FakeClock
from storage.base import StorageError, Store
from storage.memory_store import MemoryStore
from storage.postgres import PostgresStore
from storage.records import DONE, SENDING, SENT, SNOOZED, IdentityRecord
from storage.tinydb.store import TinyDBStore
from tests import pg_server
from tests.fakes import RecordingPlatform
from tests.talk import account_id, say
from tests.ticks import follow_retries

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TG = Identity("telegram", "100")
DC = Identity("discord", "200")


@pytest.fixture(params=["memory", "tinydb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "tinydb":
        made = TinyDBStore(str(tmp_path / "db.json"), freeze_gc=False)
    else:  # what is owed is in the occurrence's row, which any peer's dispatcher reads
        made = PostgresStore(pg_server.fresh_database())
    yield made
    made.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def telegram() -> RecordingPlatform:
    return RecordingPlatform(platform="telegram")


@pytest.fixture
def discord() -> RecordingPlatform:
    return RecordingPlatform(platform="discord")


@pytest.fixture
async def app(store: Store, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform) -> App:
    return await linked_with_a_reminder(store, clock, telegram, discord)


async def linked_with_a_reminder(
    store: Store, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> App:
    made = App(store, clock)
    made.hub.register(telegram)
    made.hub.register(discord)
    [code_reply] = await say(made, "/link", who=TG)
    code = code_reply.text.split("/link ")[1].split()[0]
    await say(made, f"/link {code}", who=DC)
    await say(made, "/link confirm", who=DC)
    await say(made, "/deliver both", who=TG)
    await say(made, "/remind cream in 1m", who=TG)
    telegram.take()
    discord.take()
    return made


def copies(platform: RecordingPlatform) -> int:
    return len([reply for _, reply in platform.sent if reply.occurrence_id])


async def first_round(app: App, clock: FakeClock) -> None:
    """The reminder falls due and is sent (the caller has set how Discord fails first)."""
    clock.advance(60)
    await app.scheduler.tick()


def the_occurrence(app: App) -> tuple[str, int]:
    account = account_id(app, who=TG)
    [occurrence] = app.store.open_occurrences_of(account) + app.store.history_of(account)
    return occurrence.status, len(occurrence.deliveries)


@pytest.mark.parametrize("failure", ["flood wait", "outage"])
async def test_the_platform_that_failed_gets_its_copy_once_and_the_other_no_second(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform, failure: str
) -> None:
    if failure == "flood wait":
        discord.retry_after.append(10.0)  # over the background budget: RetryLater
    else:
        discord.outages = 1
    await first_round(app, clock)
    assert (copies(telegram), copies(discord)) == (1, 0)
    await follow_retries(app, clock, 4)
    assert (copies(telegram), copies(discord)) == (1, 1)
    assert the_occurrence(app) == (SENT, 2)  # both copies known, so an answer on one updates the other
    # Answered on Discord: the round ends, and nothing is sent again
    [answered] = await say(app, "/done 1", who=DC)
    assert "Done" in answered.text or "done" in answered.text
    await follow_retries(app, clock, 3)
    assert (copies(telegram), copies(discord)) == (1, 1)
    assert the_occurrence(app)[0] == DONE


async def test_answered_on_the_copy_that_arrived_the_retry_sends_nothing(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.outages = 1
    await first_round(app, clock)
    await say(app, "/done 1", who=TG)
    await follow_retries(app, clock, 4)
    assert (copies(telegram), copies(discord)) == (1, 0)
    assert the_occurrence(app)[0] == DONE


async def test_a_platform_down_past_the_grace_period_leaves_the_round_shown_not_missed(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.outages = 10_000
    await first_round(app, clock)
    end = (clock.now() + timedelta(hours=14)).timestamp()
    while (nxt := app.store.next_due_at()) is not None and nxt <= end:  # every retry, hourly at the last
        await follow_retries(app, clock, 1)
    assert (copies(telegram), copies(discord)) == (1, 0)
    assert the_occurrence(app) == (SENT, 1)  # shown on Telegram: answerable, not recorded as missed
    assert not [r for _, r in telegram.sent if "missed" in r.text]


async def test_a_snooze_of_a_round_that_owed_a_copy_is_shown_everywhere(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.retry_after.append(600.0)  # Discord holds off for ten minutes
    await first_round(app, clock)
    [snoozed] = await say(app, "/snooze 1 5m", who=TG)  # from the copy that arrived, before the retry
    assert the_occurrence(app)[0] == SNOOZED, snoozed.text
    clock.advance(5 * 60)
    await app.scheduler.tick()
    assert (copies(telegram), copies(discord)) == (2, 1)  # the snoozed round goes to both
    await follow_retries(app, clock, 3)
    assert (copies(telegram), copies(discord)) == (2, 1)  # and the old round owes nothing any more


async def test_a_restart_while_a_copy_is_owed_sends_it_only_where_it_is_owed(
    tmp_path: Path, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    # What a round still owes is in the occurrence's own record: on disk with it, so a restart forgets nothing.
    path = str(tmp_path / "db.json")
    first = TinyDBStore(path, freeze_gc=False)
    app = await linked_with_a_reminder(first, clock, telegram, discord)
    discord.outages = 1
    await first_round(app, clock)
    assert (copies(telegram), copies(discord)) == (1, 0)
    first.close()
    again = TinyDBStore(path, freeze_gc=False)
    try:
        restarted = App(again, clock)
        restarted.hub.register(telegram)
        restarted.hub.register(discord)
        await follow_retries(restarted, clock, 4)
        assert (copies(telegram), copies(discord)) == (1, 1)
        assert the_occurrence(restarted) == (SENT, 2)
    finally:
        again.close()


async def test_a_retry_held_by_quiet_hours_still_goes_only_where_it_is_owed(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.retry_after.append(600.0)  # retried at 12:11
    await first_round(app, clock)
    await say(app, "/quiet 12:05-13:00", who=TG)
    await follow_retries(app, clock, 4)
    assert clock.now() >= START.replace(hour=13)
    assert (copies(telegram), copies(discord)) == (1, 1)
    assert the_occurrence(app) == (SENT, 2)


async def test_pausing_while_a_copy_is_owed_keeps_the_shown_round_open_and_sends_no_more(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.outages = 1
    await first_round(app, clock)
    await say(app, "/pause 1", who=TG)
    await follow_retries(app, clock, 4)
    assert (copies(telegram), copies(discord)) == (1, 0)
    assert the_occurrence(app) == (SENT, 1)  # shown on Telegram: still there to answer, not "paused, never seen"
    assert "Done" in (await say(app, "/done 1", who=TG))[0].text


async def test_a_store_failure_while_preparing_the_owed_retry_keeps_the_copy_owed(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord.outages = 1
    await first_round(app, clock)
    reads = app.store.identities_of
    failures = iter([True])

    def blip(account_id: str) -> list[IdentityRecord]:  # the store fails once, as a database blip does
        if next(failures, False):
            raise StorageError("the store blinked")
        return reads(account_id)

    monkeypatch.setattr(app.store, "identities_of", blip)
    await follow_retries(app, clock, 5)
    assert (copies(telegram), copies(discord)) == (1, 1)
    assert the_occurrence(app) == (SENT, 2)


async def test_a_crash_during_the_owed_retry_leaves_the_shown_round_open_to_answer(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    discord.outages = 1
    await first_round(app, clock)
    account = account_id(app, who=TG)
    [owing] = app.store.open_occurrences_of(account)
    app.store.put_occurrence(replace(owing, status=SENDING))  # claimed for the retry, then the process died
    await app.scheduler.recover()
    assert the_occurrence(app) == (SENT, 1)  # it reached Telegram: not "it may not have reached you"
    assert not [r for _, r in telegram.sent if "may not have reached" in r.text]
    assert "Done" in (await say(app, "/done 1", who=TG))[0].text


async def test_rounds_shown_while_a_platform_is_down_do_not_pile_up_on_it_when_it_returns(
    app: App, clock: FakeClock, telegram: RecordingPlatform, discord: RecordingPlatform
) -> None:
    await say(app, "/delete 1", who=TG)
    await say(app, "/remind water every day at 12:05, 13:05, 14:05 and 15:05", who=TG)
    telegram.take()
    discord.take()
    discord.outages = 10_000
    end = (clock.now() + timedelta(hours=4)).timestamp()
    while (nxt := app.store.next_due_at()) is not None and nxt <= end:
        await follow_retries(app, clock, 1)
    assert copies(telegram) == 4 and copies(discord) == 0
    # each earlier round was closed when the next came, as an unanswered shown round is: only the last owes
    assert len([o for o in app.store.open_occurrences_of(account_id(app, who=TG)) if o.owed]) == 1
    discord.outages = 0
    await app.scheduler.retry_now("discord")
    await app.scheduler.tick()
    assert copies(discord) == 1  # the last round's owed copy; the earlier ones were closed, not owed for ever
