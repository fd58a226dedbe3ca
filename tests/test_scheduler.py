from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from bot.app import App, _backoff
from bot.models import Address, Identity, IncomingMessage
from bot.render import PUT_ASIDE_REASON
from bot.timing.clock import FakeClock
from storage.base import StorageUnavailable
from storage.indexes import Change
from storage.memory_store import MemoryStore
from storage.records import DONE, MISSED, PAUSED, RETRY, SENDING, SENT, UNCONFIRMED, UNDELIVERABLE, occurrence_id
from tests import talk
from tests.fakes import RecordingPlatform
from tests.ticks import follow_retries

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
USER = Identity("console", "alice")
CHAT = Address("console", "alice")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


say = partial(talk.say, who=USER)
account_id = partial(talk.account_id, who=USER)


async def test_reminder_fires_at_its_time_once_with_buttons(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 30s")
    clock.advance(29)
    assert await app.scheduler.tick() == 0
    assert platform.reminders() == []
    clock.advance(1)
    await app.scheduler.tick()
    await app.scheduler.tick()
    [reminder] = platform.reminders()
    assert "stretch" in reminder.text
    payloads = reminder.button_payloads()
    assert any(p.startswith("o:d:") for p in payloads) and any(p.startswith("o:k:") for p in payloads)
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.status == SENT and occurrence.deliveries[0].message_ref == "m1"


async def test_recurring_reminder_moves_on_and_unanswered_one_becomes_missed(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    for _ in range(2):
        clock.set(clock.now().replace(hour=21, minute=30) + timedelta(seconds=1))
        await app.scheduler.tick()
        clock.advance(timedelta(days=1))
        clock.set(clock.now().replace(hour=12))
    assert len(platform.reminders()) == 2
    history = app.store.history_of(account_id(app))
    assert [o.status for o in history] == [MISSED]
    [reminder] = app.store.reminders_of(account_id(app))
    assert reminder.next_due == datetime(2026, 11, 27, 21, 30, tzinfo=UTC).timestamp()


async def test_every_day_at_20_in_berlin_stays_20_local_across_dst(app: App, clock: FakeClock) -> None:
    clock.set(datetime(2026, 10, 23, 12, tzinfo=UTC))
    await say(app, "/timezone Europe/Berlin")
    await say(app, "/remind cream every day at 20:00")
    platform = RecordingPlatform()
    app.hub.register(platform)
    fired: list[datetime] = []
    for _ in range(4):  # 23, 24, 25 (the change), 26 October
        nxt = app.store.next_due_at()
        assert nxt is not None
        clock.set(datetime.fromtimestamp(nxt, tz=UTC))
        await app.scheduler.tick()
        fired.append(clock.now())
    berlin = ZoneInfo("Europe/Berlin")
    assert [t.astimezone(berlin).hour for t in fired] == [20, 20, 20, 20]
    assert [t.hour for t in fired] == [18, 18, 19, 19]
    assert len(platform.reminders()) == 4


async def test_down_within_grace_delivers_once_marked_late(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch at 13:00")
    clock.advance(timedelta(hours=4))  # the bot was down from before 13:00 until 16:00
    await app.scheduler.tick()
    await app.scheduler.tick()
    [reminder] = platform.reminders()
    assert "Late" in reminder.text
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.late


async def test_down_beyond_grace_records_missed_and_summarises(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    clock.advance(timedelta(days=3, hours=10))  # Sat 22:00: the last 21:30 is 30 minutes late, within grace
    await app.scheduler.tick()
    history = app.store.history_of(account_id(app))
    assert [o.status for o in history] == [MISSED, MISSED, MISSED]
    summaries = [t for t in platform.texts() if t.startswith("While I was offline")]
    assert len(summaries) == 1 and "cream" in summaries[0]
    [late] = platform.reminders()  # only the latest is delivered, marked late; no flood of old ones
    assert "Late" in late.text


async def test_occurrence_left_sending_by_a_crash_is_never_resent(app: App, platform: RecordingPlatform) -> None:
    await say(app, "/remind stretch in 10m")
    [reminder] = app.store.reminders_of(account_id(app))
    assert reminder.next_due is not None
    stuck = app.regimen.advance(reminder, status=SENDING, fire_at=reminder.next_due)
    restarted = App(app.store, app.clock)
    restarted.hub.register(platform)
    assert await restarted.scheduler.recover() == 1
    await restarted.scheduler.tick()
    assert platform.reminders() == []
    assert app.store.get_occurrence(stuck.account_id, stuck.id).status == UNCONFIRMED  # type: ignore[union-attr]
    assert any("may not have reached you" in t for t in platform.texts())


async def test_blocked_user_is_parked_then_resumes_when_they_write(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    platform.blocked.add("alice")
    clock.set(START.replace(hour=21, minute=30))
    await app.scheduler.tick()
    identity = app.store.get_identity(USER.key)
    assert identity is not None and identity.unreachable_since is not None
    clock.advance(timedelta(days=1))
    await app.scheduler.tick()  # no attempt at all while parked
    statuses = [o.status for o in app.store.history_of(account_id(app))]
    assert statuses == [UNDELIVERABLE, UNDELIVERABLE]
    platform.blocked.clear()
    replies = await say(app, "/reminders")
    assert replies[0].text.startswith("Welcome back")
    clock.advance(timedelta(days=1))
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1


async def test_flood_control_waits_as_told_then_delivers_once(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    platform.retry_after.append(7.0)
    clock.advance(60)
    await app.scheduler.tick()
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.status == RETRY and occurrence.fire_at == clock.now().timestamp() + 7.0
    clock.advance(6)
    await app.scheduler.tick()
    assert platform.reminders() == []
    clock.advance(1)
    await app.scheduler.tick()
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1


async def test_network_outage_retries_through_the_grace_period_then_records_missed_and_says_so(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    due = clock.now().timestamp() + 60
    platform.outages = 10_000
    clock.advance(60)
    await follow_retries(app, clock, 100)
    [occurrence] = app.store.history_of(account_id(app))
    assert occurrence.status == MISSED
    # It kept trying for the whole grace period (12 h), backing off to an hour, not giving up after ~1.7 h.
    assert occurrence.updated_at - due > 11 * 3600 and occurrence.attempts > 12
    assert platform.reminders() == []
    assert not [t for t in platform.texts() if "recorded as missed" in t]  # the summary went into the outage ...
    platform.outages = 0
    replies = await say(app, "/reminders")
    [summary] = [r.text for r in replies if "recorded as missed" in r.text]  # ... so it is told once they write
    assert summary.startswith("I couldn't reach you") and "stretch" in summary
    assert not [r for r in await say(app, "/reminders") if "recorded as missed" in r.text]  # once
    assert platform.reminders() == []  # and the missed reminder is not sent late


async def test_outage_of_three_hours_within_grace_delivers_once_when_the_platform_returns(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    due = clock.now().timestamp() + 60
    platform.outages = 10_000
    clock.advance(60)
    for _ in range(50):  # bounded: each round jumps to the next retry
        if clock.now().timestamp() - due >= 3 * 3600:
            break
        await follow_retries(app, clock, 1)
    platform.outages = 0
    await follow_retries(app, clock, 3)
    assert len(platform.reminders()) == 1
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.status == SENT


async def test_retry_that_would_fall_after_the_grace_period_is_missed_with_the_usual_summary(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    clock.advance(60)
    platform.outages = 1
    clock.advance(timedelta(hours=11, minutes=59, seconds=50))  # down until just before the grace period ends
    await app.scheduler.tick()
    [occurrence] = app.store.history_of(account_id(app))
    assert occurrence.status == MISSED
    assert occurrence.attempts == 1  # the one failed attempt: no retry was queued past the grace period
    [summary] = [t for t in platform.texts() if "recorded as missed" in t]
    assert summary.startswith("I couldn't reach you") and "stretch" in summary
    assert app.store.next_due_at() is None
    clock.advance(timedelta(hours=1))  # the platform is back: the missed reminder is not sent after all
    await app.scheduler.tick()
    assert platform.reminders() == []


async def test_a_claim_that_fails_puts_that_reminder_aside_and_everybody_elses_go_on(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    bob = Identity("console", "bob")
    await say(app, "/remind broken every day at 12:01")
    await say(app, "/remind stretch in 61s", who=bob)
    [bad] = app.store.reminders_of(account_id(app))
    app.store.put_reminder(replace(bad, schedule={**bad.schedule, "at": "25:00"}))  # a damaged record
    clock.advance(61)
    for _ in range(3):
        await app.scheduler.tick()
    [delivered] = platform.reminders()
    assert "stretch" in delivered.text  # Bob's reminder, a second later in the same batch, arrived
    [aside] = app.store.reminders_of(account_id(app))
    assert aside.paused and aside.pause_reason == PUT_ASIDE_REASON
    assert app.store.next_due_at() is None  # nothing is retried forever
    replies = await say(app, "/help")
    assert "paused it to keep your other reminders coming" in replies[-1].text and "/edit 1" in replies[-1].text
    replies = await say(app, "/help")
    assert not any("paused it" in r.text for r in replies)  # told once


async def test_a_failing_occurrence_is_put_aside_too(app: App, clock: FakeClock, platform: RecordingPlatform) -> None:
    bob = Identity("console", "bob")
    await say(app, "/remind cream in 1m")
    await say(app, "/remind stretch in 2m", who=bob)
    platform.retry_after.append(30.0)
    clock.advance(60)
    await app.scheduler.tick()
    [retry] = app.store.open_occurrences_of(account_id(app))
    stored = app.store.get_account(account_id(app))
    assert stored is not None
    app.store.put_account(replace(stored, timezone="Not/AZone"))  # a damaged record
    clock.advance(60)
    for _ in range(3):
        await app.scheduler.tick()
    assert [r for r in platform.reminders() if "stretch" in r.text]
    assert app.store.get_occurrence(retry.account_id, retry.id).status == PAUSED  # type: ignore[union-attr]
    [aside] = app.store.reminders_of(account_id(app))
    assert aside.paused and aside.pause_reason == PUT_ASIDE_REASON
    assert not [r for r in platform.reminders() if "cream" in r.text]  # never sent with the damaged record
    replies = await say(app, "/help")
    [told] = [r.text for r in replies if "paused it to keep your other reminders coming" in r.text]
    assert "cream" in told and "/edit 1" in told
    assert not [r for r in await say(app, "/help") if "paused it" in r.text]  # told once


async def test_an_unexpected_error_while_sending_is_retried_not_left_sending(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    platform.crashes = 1
    clock.advance(60)
    await app.scheduler.tick()
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.status == RETRY
    await follow_retries(app, clock, 3)
    assert len(platform.reminders()) == 1
    [replies] = [await say(app, "/done 1")]
    assert "Done" in replies[0].text


async def test_uncertain_delivery_counts_as_sent_and_is_never_repeated(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    platform.uncertain = 1
    clock.advance(60)
    for _ in range(3):
        await app.scheduler.tick()
        clock.advance(600)
    assert len(platform.reminders()) == 1
    [occurrence] = app.store.open_occurrences_of(account_id(app))
    assert occurrence.status == SENT and occurrence.deliveries[0].message_ref is None


async def test_snoozed_occurrence_fires_again_and_schedule_is_unchanged(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind cream every day at 21:30")
    clock.set(START.replace(hour=21, minute=30))
    await app.scheduler.tick()
    [reminder_before] = app.store.reminders_of(account_id(app))
    snooze = next(p for p in platform.reminders()[0].button_payloads() if p.startswith("o:s15:"))
    [edited] = await say(app, button=snooze)
    assert edited.edit and "Snoozed" in edited.text
    clock.advance(timedelta(minutes=14))
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1
    clock.advance(timedelta(minutes=1))
    await app.scheduler.tick()
    second = platform.reminders()[1]
    assert "Snoozed from" in second.text
    [reminder_after] = app.store.reminders_of(account_id(app))
    assert reminder_after.next_due == reminder_before.next_due


async def test_due_time_comes_from_storage_and_wait_is_bounded(app: App, clock: FakeClock) -> None:
    assert app.scheduler.seconds_until_due() == 1.0
    await say(app, "/remind stretch in 30s")
    assert app.scheduler.seconds_until_due(cap=60) == 30
    clock.advance(45)
    assert app.scheduler.seconds_until_due() == 0


async def test_deleted_reminder_open_occurrence_is_cancelled_not_delivered(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch in 1m")
    platform.retry_after.append(30.0)
    clock.advance(60)
    await app.scheduler.tick()
    await say(app, "/delete 1")
    clock.advance(60)
    await app.scheduler.tick()
    assert platform.reminders() == []
    [occurrence] = app.store.history_of(account_id(app))
    assert occurrence.status == "cancelled"


def test_occurrence_ids_are_deterministic() -> None:
    # The claim key: the same reminder and due time always name the same occurrence.
    assert occurrence_id("abc", 1800000000.7) == occurrence_id("abc", 1800000000.2) == "abc@1800000000"


class FlakyDisk(MemoryStore):
    """A store whose disk can be 'full': commits fail with StorageUnavailable and change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.full = False

    def _persist(self, changes: list[Change]) -> None:
        if self.full:
            raise StorageUnavailable("No space left on device")


async def test_disk_full_pauses_delivery_without_loss_and_recovers(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    store = FlakyDisk()
    app = App(store, clock)
    app.hub.register(platform)
    await say(app, "/remind stretch in 1m")
    store.full = True
    clock.advance(60)
    with pytest.raises(StorageUnavailable):  # the claim can't be made durable: nothing is sent
        await app.scheduler.tick()
    assert platform.reminders() == []
    [reply] = await say(app, "/remind more in 5m")
    assert "couldn't save" in reply.text
    store.full = False
    await app.scheduler.tick()
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1
    assert [r.text for r in store.reminders_of(account_id(app))] == ["stretch"]


async def test_a_send_whose_commit_fails_is_recorded_sent_once_the_disk_recovers(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    store = FlakyDisk()
    app = App(store, clock)
    app.hub.register(platform)
    await say(app, "/remind stretch in 1m")

    def fill_disk() -> None:
        store.full = True

    platform.after_send = fill_disk
    clock.advance(60)
    await app.scheduler.tick()  # delivered, but SENT cannot be committed
    platform.after_send = None
    assert len(platform.reminders()) == 1
    with pytest.raises(StorageUnavailable):
        await app.scheduler.tick()
    store.full = False
    clock.advance(5)
    await app.scheduler.tick()
    [occurrence] = store.open_occurrences_of(account_id(app))
    assert occurrence.status == SENT and occurrence.deliveries[0].message_ref == "m1"
    [reply] = await say(app, "/done 1")
    assert "Done" in reply.text
    assert store.history_of(account_id(app))[0].status == DONE
    clock.advance(3600)
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1  # never sent twice
    restarted = App(store, clock)
    restarted.hub.register(platform)
    assert await restarted.scheduler.recover() == 0  # nothing "interrupted while sending"


async def test_closed_discord_dms_are_explained_on_the_next_command_even_in_a_server(
    clock: FakeClock, platform: RecordingPlatform
) -> None:
    discord = RecordingPlatform(platform="discord")
    app = App(MemoryStore(), clock)
    app.hub.register(discord)
    user = Identity("discord", "77")
    await app.handle(IncomingMessage(user, Address("discord", "77"), text="/remind stretch in 1m"))
    discord.blocked.add("77")
    clock.advance(60)
    await app.scheduler.tick()
    server_channel = Address("discord", "channel-5")
    [reply, *_] = await app.handle(IncomingMessage(user, server_channel, text="/reminders", is_private=False))
    assert reply.text.startswith("Welcome back") and "Privacy Settings" in reply.text
    assert reply.private  # shown only to them (ephemeral), never to the channel


async def test_waiting_for_due_work_always_yields_to_other_tasks(app: App, clock: FakeClock) -> None:
    await say(app, "/remind stretch in 1m")
    clock.advance(120)  # something is due, so there is no sleep to take
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            beats += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(heartbeat())
    for _ in range(50):
        await app.scheduler.wait_for_work(asyncio.Event())
    task.cancel()
    assert beats >= 49  # the adapters (and signal handlers) get their turn on every pass


def test_failed_passes_back_off_up_to_a_minute() -> None:
    assert [_backoff(n) for n in (1, 2, 3, 7, 50)] == [1.0, 2.0, 4.0, 60.0, 60.0]


async def test_an_early_done_survives_a_time_zone_change_that_brings_the_same_time_back(
    app: App, clock: FakeClock, platform: RecordingPlatform
) -> None:
    await say(app, "/remind stretch every day at 20:00")
    [ask] = await say(app, "/done 1")  # 12:00, eight hours early: asked first, then confirmed
    [yes] = [b.payload for row in ask.buttons for b in row if b.label == "Yes, done"]
    [done] = await say(app, button=yes)
    assert "Done" in done.text
    await say(app, "/timezone UTC")  # same zone name: the next time is recomputed from now -> 20:00 again
    clock.set(START.replace(hour=20, minute=0, second=1))
    await app.scheduler.tick()
    assert platform.reminders() == []  # not sent again
    history = app.store.history_of(account_id(app))
    assert [o.status for o in history] == ["done"]  # and never turned into 'missed'
    clock.advance(timedelta(days=1))
    await app.scheduler.tick()
    assert len(platform.reminders()) == 1  # tomorrow's comes as usual
