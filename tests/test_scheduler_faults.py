"""The scheduler under faults: a damaged record, a store or OS failure, a platform that is down, a disk that
fills between a send and its commit. Each test is a reproduction from the review of #11 turned into a promise:
nobody's reminder is held back by someone else's record, nothing is lost or sent twice, and whatever could not
be said when it happened is said on the person's next message.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from bot import claim_rules as rules
from bot.app import App
from bot.models import Identity
from bot.render import PUT_ASIDE_REASON
from bot.timing.clock import FakeClock
from storage.base import StorageError, StorageUnavailable
from storage.memory_store import MemoryStore
from storage.records import CANCELLED, DONE, MISSED, RETRY, SENDING, SENT, Account, Occurrence
from tests import talk
from tests.fakes import RecordingPlatform
from tests.ticks import follow_retries

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
USER = Identity("console", "alice")
BOB = Identity("console", "bob")
CAROL = Identity("console", "carol")
PUT_ASIDE_TOLD = "paused it to keep your other reminders coming"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


def texts_to(platform: RecordingPlatform, who: Identity) -> list[str]:
    return [reply.text for address, reply in platform.sent if address.chat_id == who.user_id]


def only_occurrence(app: App, who: Identity = USER) -> Occurrence:
    """The one occurrence the person has, open or in history."""
    account = account_id(app, who=who)
    [occurrence] = app.store.open_occurrences_of(account) + app.store.history_of(account)
    return occurrence


class FlakyDisk(MemoryStore):
    """A store whose disk can be 'full' (every commit, or only those touching `key`) and whose reads can fail."""

    def __init__(self) -> None:
        super().__init__()
        self.full = False
        self.key: str | None = None
        self.read_fault: Exception | None = None  # raised by get_account while set

    def _persist(self, changes: list[Any]) -> None:  # storage's Change records (only their key is read)
        if self.full or (self.key is not None and any(c.key == self.key for c in changes)):
            raise StorageUnavailable("No space left on device")

    def get_account(self, account_id: str) -> Account | None:
        if self.read_fault is not None:
            raise self.read_fault
        return super().get_account(account_id)


def flaky_app(clock: FakeClock, platform: RecordingPlatform) -> tuple[App, FlakyDisk]:
    store = FlakyDisk()
    app = App(store, clock)
    app.hub.register(platform)
    return app, store


# 1. A damaged record is put aside; one that cannot even be paused is skipped; the others go out --------------
async def test_an_item_that_cannot_even_be_paused_is_skipped_and_everybody_elses_go_out(
    app: App, clock: FakeClock, platform: RecordingPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    await say(app, "/remind secret cream in 1m")
    platform.retry_after.append(30.0)
    clock.advance(60)
    await app.scheduler.tick()
    retry = only_occurrence(app)
    assert retry.status == RETRY
    # A damaged stored occurrence: its due time is not a number, so claiming it fails, and so does pausing it
    # (a paused occurrence is folded into the reminder's tally by its due time).
    app.store.put_occurrence(replace(retry, due="garbage"))  # type: ignore[arg-type]
    await say(app, "/remind stretch in 25s", who=BOB)  # due 5 s before the damaged one: claimed before it
    await say(app, "/remind water in 40s", who=CAROL)  # due 10 s after it
    clock.advance(45)
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    for _ in range(4):
        await app.scheduler.tick()  # never raises: the damaged item is nobody else's problem
        clock.advance(30)
    assert any("stretch" in t for t in texts_to(platform, BOB)) and any("water" in t for t in texts_to(platform, CAROL))
    assert only_occurrence(app, BOB).status == SENT  # claimed earlier in the same pass: delivered, not left SENDING
    assert only_occurrence(app, CAROL).status == SENT
    [aside] = app.store.reminders_of(account_id(app))
    assert aside.paused and aside.pause_reason == PUT_ASIDE_REASON
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [m for m in errors if aside.id in m and "put aside" in m]
    assert len([m for m in errors if "could not put" in m]) == 1  # skipped for the rest of the run, not retried
    assert "secret cream" not in caplog.text  # logged by id, never by what the person wrote
    replies = await say(app, "/help")
    assert sum(PUT_ASIDE_TOLD in r.text for r in replies) == 1
    assert not any(PUT_ASIDE_TOLD in r.text for r in await say(app, "/help"))  # told once


# 2. Store and OS faults back off; nothing is put aside -------------------------------------------------------
async def twenty_due(app: App, clock: FakeClock) -> list[Identity]:
    people = [Identity("console", f"u{i}") for i in range(20)]
    for who in people:
        await say(app, "/remind stretch every day at 12:01", who=who)
    clock.advance(61)
    return people


def nobody_paused(app: App, people: list[Identity]) -> bool:
    return not [r for who in people for r in app.store.reminders_of(account_id(app, who=who)) if r.paused]


async def test_too_many_open_files_backs_off_puts_nothing_aside_and_delivers_everything_once_it_clears(
    app: App, clock: FakeClock, platform: RecordingPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await twenty_due(app, clock)

    def no_files(*args: object, **kwargs: object) -> None:  # the zone database cannot be opened for a moment
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(rules, "quiet_until", no_files)
    with pytest.raises(OSError):
        await app.scheduler.tick()
    monkeypatch.undo()
    assert nobody_paused(app, people)
    assert platform.sent == []
    clock.advance(2)  # the run loop's back-off
    await app.scheduler.tick()
    assert len(platform.reminders()) == 20
    assert {a.chat_id for a, r in platform.sent if r.occurrence_id is not None} == {who.user_id for who in people}
    assert nobody_paused(app, people)
    assert not any(PUT_ASIDE_TOLD in r.text for r in await say(app, "/help", who=people[0]))


async def test_a_store_error_while_claiming_backs_off_puts_nothing_aside_and_delivers_everything_once_it_clears(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    app, store = flaky_app(clock, platform)
    people = await twenty_due(app, clock)
    store.read_fault = StorageError("database disk image is malformed")
    with pytest.raises(StorageError):
        await app.scheduler.tick()
    store.read_fault = None
    assert nobody_paused(app, people)
    assert platform.sent == []
    clock.advance(2)
    await app.scheduler.tick()
    assert len(platform.reminders()) == 20
    assert nobody_paused(app, people)


# 3. A pass that stops early still says what it committed ---------------------------------------------------------
async def test_a_pass_stopped_by_a_full_disk_still_sends_the_summary_of_what_it_recorded_missed(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    app, store = flaky_app(clock, platform)
    await say(app, "/remind cream every day at 12:01")
    await say(app, "/remind broken every day at 12:02", who=BOB)
    await say(app, "/remind water every day at 12:03", who=CAROL)
    [bad] = store.reminders_of(account_id(app, who=BOB))
    store.put_reminder(replace(bad, schedule={**bad.schedule, "at": "25:00"}))  # one by one from here on
    [carol] = store.reminders_of(account_id(app, who=CAROL))
    store.key = carol.id  # the disk fills just as Carol's is committed
    clock.advance(timedelta(hours=13, minutes=5))  # the bot was down: all three passed beyond the grace period
    with pytest.raises(StorageUnavailable):
        await app.scheduler.tick()
    assert [o.status for o in store.history_of(account_id(app))] == [MISSED]
    [summary] = [t for t in texts_to(platform, USER) if "recorded as missed" in t]  # told in the same pass
    assert "cream" in summary
    store.key = None
    for _ in range(3):
        await app.scheduler.tick()
    assert len([t for t in texts_to(platform, USER) if "recorded as missed" in t]) == 1  # and only once
    assert [t for t in texts_to(platform, CAROL) if "recorded as missed" in t and "water" in t]


# 4. Retries count the grace period from the round, not from the first due time ------------------------------------
@pytest.mark.parametrize("snooze", ["13h", "1d"])
async def test_one_network_blip_after_a_long_snooze_is_retried_then_delivered(
    app: App, clock: FakeClock, platform: RecordingPlatform, snooze: str
) -> None:
    await say(app, "/remind stretch in 1m")
    clock.advance(60)
    await app.scheduler.tick()
    [snoozed] = await say(app, f"/snooze 1 {snooze}")
    assert "Snoozed" in snoozed.text
    nxt = app.store.next_due_at()
    assert nxt is not None and nxt - clock.now().timestamp() >= 13 * 3600
    clock.set(datetime.fromtimestamp(nxt, tz=UTC))
    platform.outages = 1  # one dropped connection; the platform is fine after that
    await app.scheduler.tick()
    assert only_occurrence(app).status == RETRY
    await follow_retries(app, clock, 3)
    assert len(platform.reminders()) == 2  # the first one, then the snoozed one once the blip passed
    assert only_occurrence(app).status == SENT
    assert not [t for t in platform.texts() if "recorded as missed" in t]


async def stuck_mid_send(app: App) -> None:
    """A one-off claimed for sending when the process died: left SENDING."""
    await say(app, "/remind stretch in 10m")
    [reminder] = app.store.reminders_of(account_id(app))
    assert reminder.next_due is not None
    app.regimen.advance(reminder, status=SENDING, fire_at=reminder.next_due)


# 5. A note that reaches nobody is told on the next message ----------------------------------------------------------
async def test_a_restart_notice_sent_into_an_outage_is_told_on_the_next_message(
    app: App, platform: RecordingPlatform
) -> None:
    await stuck_mid_send(app)
    platform.outages = 1
    assert await app.scheduler.recover() == 1
    assert platform.sent == []
    replies = await say(app, "/help")
    assert sum("may not have reached you" in r.text for r in replies) == 1
    assert not any("may not have reached you" in r.text for r in await say(app, "/help"))  # told once


async def test_a_kill_right_after_recording_an_interrupted_send_still_tells_the_person(
    app: App, platform: RecordingPlatform
) -> None:
    # Recovery records the send unconfirmed, and the note to tell them in the same transaction: a process
    # killed before it could say so leaves the note for the person's next message (found by the crash loop).
    await stuck_mid_send(app)
    app.scheduler._give_up_interrupted()  # recovery's transaction, then a kill before it told anyone
    assert platform.sent == []
    restarted = App(app.store, app.clock)
    restarted.hub.register(platform)
    assert await restarted.scheduler.recover() == 0  # nothing left SENDING
    replies = await say(restarted, "/help")
    assert sum("may not have reached you" in r.text for r in replies) == 1
    assert not any("may not have reached you" in r.text for r in await say(restarted, "/help"))  # told once


async def test_an_interrupted_send_told_at_once_is_not_told_again(app: App, platform: RecordingPlatform) -> None:
    await stuck_mid_send(app)
    assert await app.scheduler.recover() == 1
    assert sum("may not have reached you" in t for t in platform.texts()) == 1
    assert not any("may not have reached you" in r.text for r in await say(app, "/help"))


# 6. An outcome kept for a later pass is replayed safely after the occurrence changed ------------------------------
async def test_a_replayed_outcome_after_the_reminder_was_deleted_never_blocks_the_passes(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    app, store = flaky_app(clock, platform)
    await say(app, "/remind stretch in 1m")
    await say(app, "/remind water in 2m", who=BOB)

    def fill_disk() -> None:
        store.full = True

    platform.after_send = fill_disk
    platform.edit_failures = 10  # mirroring the answer onto the delivered message fails with an unmapped error
    clock.advance(60)
    await app.scheduler.tick()  # delivered, but SENT cannot be committed: kept for a later pass
    platform.after_send = None
    assert len(platform.reminders()) == 1
    store.full = False  # the disk recovers during the run loop's back-off ...
    [deleted] = await say(app, "/delete 1")  # ... and Alice deletes the reminder she just got
    assert "stretch" in deleted.text
    for _ in range(4):
        clock.advance(60)
        await app.scheduler.tick()  # never raises
    assert any("water" in t for t in texts_to(platform, BOB))
    occurrence = only_occurrence(app)
    assert occurrence.status == CANCELLED
    assert len(occurrence.deliveries) == 1 and occurrence.deliveries[0].message_ref == "m1"  # appended once
    assert len(platform.reminders()) == 2  # nothing sent twice


# 7. A failure while recording an outcome falls back to a plain open record -----------------------------------------
async def test_a_damaged_reminder_while_recording_a_delivery_still_records_it_sent_and_done_works(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    [reminder] = app.store.reminders_of(account_id(app))
    app.store.put_reminder(replace(reminder, nudge_minutes="soon"))  # type: ignore[arg-type]
    clock.advance(60)
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1
    occurrence = only_occurrence(app)
    assert occurrence.status == SENT and occurrence.deliveries[0].message_ref == "m1"
    [done] = await say(app, "/done 1")
    assert "Done" in done.text
    assert only_occurrence(app).status == DONE
    clock.advance(3600)
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1  # never sent twice


async def test_a_damaged_tally_at_the_end_of_an_outage_never_leaves_the_occurrence_sending(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    [reminder] = app.store.reminders_of(account_id(app))
    platform.outages = 10_000
    clock.advance(60)
    await app.scheduler.tick()
    assert only_occurrence(app).status == RETRY
    tally = app.store.get_tally(reminder.id)
    assert tally is not None
    app.store.put_tally(replace(tally, through=None))  # type: ignore[arg-type]  # recording it missed will fail
    for _ in range(60):
        await follow_retries(app, clock, 1)
        assert only_occurrence(app).status != SENDING
    platform.outages = 0
    clock.advance(timedelta(days=1))
    await app.scheduler.tick()
    assert only_occurrence(app).status != SENDING


# 8. A series' "did it happen?" question is never too late ----------------------------------------------------------
async def series_follow_up_due(app: App, clock: FakeClock) -> None:
    await say(app, "/series chemical peel 2 every 4 weeks starting 2026-11-26 at 10:00")
    clock.set(datetime(2026, 11, 26, 11, 59, tzinfo=UTC))
    await app.scheduler.tick()  # the notices
    clock.set(datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC))  # the follow-up (session + 2 h) is due


async def test_a_series_question_keeps_being_retried_through_an_outage_longer_than_the_grace_period(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await series_follow_up_due(app, clock)
    platform.outages = 10_000
    for _ in range(40):
        await follow_retries(app, clock, 1)
    assert clock.now() - datetime(2026, 11, 26, 12, tzinfo=UTC) > timedelta(days=1)
    [asking] = app.store.open_occurrences_of(account_id(app))
    assert asking.status == RETRY and asking.deliveries == ()
    assert not [o for o in app.store.history_of(account_id(app)) if o.status == MISSED]
    platform.outages = 0
    await follow_retries(app, clock, 2)
    [question] = [t for t in platform.texts() if "happen?" in t]
    assert "chemical peel" in question
    assert app.store.open_occurrences_of(account_id(app))[0].status == SENT


async def test_a_series_question_found_past_the_grace_period_after_downtime_is_still_asked(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await series_follow_up_due(app, clock)
    platform.outages = 1
    await app.scheduler.tick()  # the first attempt fails: retried in 30 s
    assert app.store.open_occurrences_of(account_id(app))[0].status == RETRY
    clock.advance(timedelta(hours=13))  # the bot was down; it starts again past the grace period
    await app.scheduler.recover()
    await app.scheduler.tick()
    assert [t for t in platform.texts() if "happen?" in t]
    assert not [o for o in app.store.history_of(account_id(app)) if o.status == MISSED]
    [done] = await say(app, "/done 1")
    assert "Done" in done.text
    [series] = app.store.reminders_of(account_id(app))
    assert series.next_due is not None  # the series carries on to the next session


# 9. /edit N <when> revives a put-aside reminder -------------------------------------------------------------------
async def test_editing_a_put_aside_reminder_as_the_notice_says_makes_it_fire_at_the_new_time(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind broken every day at 12:01")
    [bad] = app.store.reminders_of(account_id(app))
    app.store.put_reminder(replace(bad, schedule={**bad.schedule, "at": "25:00"}))  # a damaged record
    clock.advance(61)
    await app.scheduler.tick()
    assert app.store.reminders_of(account_id(app))[0].paused
    notice = (await say(app, "/help"))[-1].text
    assert "/edit 1" in notice
    await say(app, "/edit 1 every day at 20:00")  # as the notice suggests
    [edited] = app.store.reminders_of(account_id(app))
    assert not edited.paused and edited.pause_reason is None
    clock.set(datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC))
    await app.scheduler.tick()
    [fired] = platform.reminders()
    assert "broken" in fired.text
    clock.set(datetime(2026, 11, 26, 20, 0, 5, tzinfo=UTC))
    await app.scheduler.tick()
    assert len(platform.reminders()) == 2  # and every day after


async def test_an_item_skipped_for_the_run_does_not_make_the_loop_think_work_is_due(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream in 1m")
    platform.retry_after.append(30.0)
    clock.advance(60)
    await app.scheduler.tick()
    retry = only_occurrence(app)
    app.store.put_occurrence(replace(retry, due="garbage"))  # type: ignore[arg-type]  # claim and pause both fail
    clock.advance(60)
    await app.scheduler.tick()
    assert app.scheduler._unclaimable
    assert app.scheduler.seconds_until_due(cap=60) == 60  # the loop sleeps instead of spinning on it
    await say(app, "/remind stretch in 30s", who=Identity("console", "bob"))
    assert app.scheduler.seconds_until_due(cap=60) == 30  # and still wakes for everybody else
